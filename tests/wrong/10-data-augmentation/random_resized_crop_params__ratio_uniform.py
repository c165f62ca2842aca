def random_resized_crop_params(height, width, scale, ratio, rng):
    # Bug: the aspect ratio is drawn uniformly in [r_min, r_max], not log-uniformly.
    area = height * width
    for _ in range(10):
        target = area * rng.uniform(scale[0], scale[1])
        r = rng.uniform(ratio[0], ratio[1])
        w = int(round(math.sqrt(target * r)))
        h = int(round(math.sqrt(target / r)))
        if 0 < w <= width and 0 < h <= height:
            return int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)), h, w
    in_ratio = width / height
    if in_ratio < ratio[0]:
        w, h = width, int(round(width / ratio[0]))
    elif in_ratio > ratio[1]:
        h, w = height, int(round(height * ratio[1]))
    else:
        h, w = height, width
    return (height - h) // 2, (width - w) // 2, h, w
