def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: np.allclose adds its default relative tolerance (rtol=1e-5), so on large outputs
    # differences far above atol count as equal.
    out = np.asarray(layer(x), dtype=float)
    equivariant = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:]
    invariant = True
    for dy, dx in shifts:
        moved = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
        if equivariant and not np.allclose(moved, circular_shift(out, dy, dx), atol=atol):
            equivariant = False
        if moved.shape != out.shape or not np.allclose(moved, out, atol=atol):
            invariant = False
    if equivariant and invariant:
        return "both"
    if equivariant:
        return "equivariant"
    if invariant:
        return "invariant"
    return "neither"
