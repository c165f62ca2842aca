def pad(x, pad, mode="constant", value=0.0):
    # Bug: 'reflect' repeats the edge pixel (numpy's 'symmetric').
    left, right, top, bottom = pad
    numpy_mode = {"reflect": "symmetric", "replicate": "edge", "circular": "wrap"}
    widths = [(0, 0)] * (np.ndim(x) - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(np.asarray(x, dtype=float), widths, constant_values=value)
    return np.pad(np.asarray(x, dtype=float), widths, mode=numpy_mode[mode])
