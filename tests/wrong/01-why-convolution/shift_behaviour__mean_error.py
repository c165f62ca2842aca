def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: compares the mean absolute difference with atol, so an error at a few pixels is
    # averaged away.
    out = np.asarray(layer(x), dtype=float)
    equivariant = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:]
    invariant = True
    for dy, dx in shifts:
        moved = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
        if equivariant and np.mean(np.abs(moved - circular_shift(out, dy, dx))) > atol:
            equivariant = False
        if moved.shape != out.shape or np.mean(np.abs(moved - out)) > atol:
            invariant = False
    if equivariant and invariant:
        return "both"
    if equivariant:
        return "equivariant"
    if invariant:
        return "invariant"
    return "neither"
