def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: scales atol by the size of the output, so large outputs get a loose comparison.
    out = np.asarray(layer(x), dtype=float)
    tol = atol * max(1.0, float(np.max(np.abs(out))))
    equivariant = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:]
    invariant = True
    for dy, dx in shifts:
        if equivariant and equivariance_error(layer, x, dy, dx) > tol:
            equivariant = False
        moved = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
        if moved.shape != out.shape or np.max(np.abs(moved - out)) > tol:
            invariant = False
    if equivariant and invariant:
        return "both"
    if equivariant:
        return "equivariant"
    if invariant:
        return "invariant"
    return "neither"
