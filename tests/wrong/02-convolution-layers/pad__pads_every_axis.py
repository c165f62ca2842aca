def pad(x, pad, mode="constant", value=0.0):
    # Bug: pads the batch and channel axes too.
    left, right, top, bottom = pad
    numpy_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    widths = [(top, bottom)] * (np.ndim(x) - 1) + [(left, right)]
    if mode == "constant":
        return np.pad(np.asarray(x, dtype=float), widths, constant_values=value)
    return np.pad(np.asarray(x, dtype=float), widths, mode=numpy_mode[mode])
