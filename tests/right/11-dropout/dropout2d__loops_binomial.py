def dropout2d(x, p, training, rng):
    # Right: a loop over the examples, a 0/1 channel mask from rng.binomial, the scale applied to a
    # copy channel by channel; p = 1 handled by the keep probability 0.
    if not training:
        return x
    out = np.array(x, dtype=float)
    keep_prob = 1.0 - p
    for n in range(out.shape[0]):
        kept = rng.binomial(1, keep_prob, size=out.shape[1])
        for c in range(out.shape[1]):
            out[n, c] = out[n, c] / keep_prob if kept[c] else 0.0
    return out
