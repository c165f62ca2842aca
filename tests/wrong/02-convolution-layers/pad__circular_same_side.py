def pad(x, pad, mode="constant", value=0.0):
    # Bug: 'circular' copies the pixels next to each edge (from the same side) instead of wrapping.
    left, right, top, bottom = pad
    x = np.asarray(x, dtype=float)
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(x, widths, constant_values=value)
    if mode == "circular":
        h, w = x.shape[-2:]
        rows = np.concatenate([np.arange(top), np.arange(h), np.arange(h - bottom, h)])
        cols = np.concatenate([np.arange(left), np.arange(w), np.arange(w - right, w)])
        return x[..., rows[:, None], cols[None, :]]
    return np.pad(x, widths, mode={"reflect": "reflect", "replicate": "edge"}[mode])
