def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: looks at the first shift of the list only.
    dy, dx = shifts[0]
    out = np.asarray(layer(x), dtype=float)
    equivariant = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:] and equivariance_error(layer, x, dy, dx) <= atol
    moved = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
    invariant = moved.shape == out.shape and np.max(np.abs(moved - out)) <= atol
    if equivariant and invariant:
        return "both"
    if equivariant:
        return "equivariant"
    if invariant:
        return "invariant"
    return "neither"
