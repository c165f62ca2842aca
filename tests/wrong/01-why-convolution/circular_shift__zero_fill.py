def circular_shift(x, dy, dx):
    # Bug: an ordinary shift that fills the uncovered border with zeros instead of wrapping.
    x = np.asarray(x, dtype=float)
    h, w = x.shape[-2:]
    out = np.zeros_like(x)
    rows = np.arange(h) - dy
    cols = np.arange(w) - dx
    ok_r = (rows >= 0) & (rows < h)
    ok_c = (cols >= 0) & (cols < w)
    out[..., np.flatnonzero(ok_r)[:, None], np.flatnonzero(ok_c)[None, :]] = x[..., rows[ok_r][:, None], cols[ok_c][None, :]]
    return out
