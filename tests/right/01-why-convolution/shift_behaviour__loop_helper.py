def _same(a, b, atol):
    """Whether two arrays have one shape and differ by at most atol everywhere."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol))


def shift_behaviour(layer, x, shifts, atol=1e-8):
    # Correct, written differently: a helper, explicit flags per shift, no equivariance_error.
    out = layer(x)
    is_image = np.ndim(out) >= 2 and np.shape(out)[-2:] == np.shape(x)[-2:]
    equi = [is_image and _same(layer(circular_shift(x, dy, dx)), circular_shift(out, dy, dx), atol)
            for dy, dx in shifts]
    inv = [_same(layer(circular_shift(x, dy, dx)), out, atol) for dy, dx in shifts]
    names = {(True, True): "both", (True, False): "equivariant", (False, True): "invariant",
             (False, False): "neither"}
    return names[(all(equi), all(inv))]
