def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: treats any output as an image, so one number per channel can look "equivariant".
    out = np.asarray(layer(x), dtype=float)
    equivariant, invariant = True, True
    for dy, dx in shifts:
        a = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
        b = np.roll(out, (dy, dx), axis=tuple(range(-min(2, out.ndim), 0))) if out.ndim else out
        if a.shape != b.shape or np.max(np.abs(a - b)) > atol:
            equivariant = False
        if a.shape != out.shape or np.max(np.abs(a - out)) > atol:
            invariant = False
    if equivariant and invariant:
        return "both"
    if equivariant:
        return "equivariant"
    if invariant:
        return "invariant"
    return "neither"
