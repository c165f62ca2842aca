def center_crop(x, size):
    # Bug: reads size as (w, h).
    w, h = size
    H, W = x.shape[-2:]
    top, left = (H - h) // 2, (W - w) // 2
    return x[..., top:top + h, left:left + w].copy()
