def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Bug: checks equivariance first and returns at once, so "both" never comes out.
    out = np.asarray(layer(x), dtype=float)
    spatial = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:]
    if spatial and all(equivariance_error(layer, x, dy, dx) <= atol for dy, dx in shifts):
        return "equivariant"
    for dy, dx in shifts:
        moved = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
        if moved.shape != out.shape or np.max(np.abs(moved - out)) > atol:
            return "neither"
    return "invariant"
