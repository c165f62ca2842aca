def pad(x, pad, mode="constant", value=0.0):
    # Bug: 'constant' always fills with zeros.
    left, right, top, bottom = pad
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    widths = [(0, 0)] * (np.ndim(x) - 2) + [(top, bottom), (left, right)]
    return np.pad(np.asarray(x, dtype=float), widths, mode=numpy_mode[mode])
