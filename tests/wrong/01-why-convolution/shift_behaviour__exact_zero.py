def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: demands exact equality and ignores atol.
    out = np.asarray(layer(x), dtype=float)
    equivariant = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:]
    invariant = True
    for dy, dx in shifts:
        if equivariant and equivariance_error(layer, x, dy, dx) != 0:
            equivariant = False
        moved = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
        if moved.shape != out.shape or np.any(moved != out):
            invariant = False
    if equivariant and invariant:
        return "both"
    if equivariant:
        return "equivariant"
    if invariant:
        return "invariant"
    return "neither"
