def center_crop(x, size):
    # Bug: starts at H // 2 - h // 2, which differs from (H - h) // 2 when H is odd and h even.
    h, w = size
    H, W = x.shape[-2:]
    top, left = H // 2 - h // 2, W // 2 - w // 2
    return x[..., top:top + h, left:left + w].copy()
