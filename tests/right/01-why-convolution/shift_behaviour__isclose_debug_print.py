def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Correct, written differently: np.isclose with rtol=0 and a debug print.
    out = np.asarray(layer(x))
    equivariant = out.ndim >= 2 and out.shape[-2:] == np.shape(x)[-2:]
    invariant = True
    for dy, dx in shifts:
        moved = np.asarray(layer(circular_shift(x, dy, dx)))
        if equivariant:
            back = circular_shift(out, dy, dx)
            equivariant = bool(np.isclose(moved, back, rtol=0, atol=atol).all())
        invariant = invariant and moved.shape == out.shape and bool(
            np.isclose(moved, out, rtol=0, atol=atol).all())
        print(f"shift ({dy}, {dx}): equivariant so far {equivariant}, invariant so far {invariant}")
    if equivariant:
        return "both" if invariant else "equivariant"
    return "invariant" if invariant else "neither"
