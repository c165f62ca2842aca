def center_crop(x, size):
    # Bug: rounds the offset up, so an odd margin leaves the extra row at the top.
    h, w = size
    H, W = x.shape[-2:]
    top, left = (H - h + 1) // 2, (W - w + 1) // 2
    return x[..., top:top + h, left:left + w].copy()
