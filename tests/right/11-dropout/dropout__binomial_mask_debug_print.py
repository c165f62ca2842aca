import sys


def dropout(x, p, training, rng):
    # Right: a 0/1 mask drawn with rng.binomial, a helper for the scaling, a debug print to stderr.
    def scale(values, keep_prob):
        return values / keep_prob if keep_prob > 0 else np.zeros_like(values)

    if not training:
        return x
    mask = rng.binomial(1, 1.0 - p, size=np.shape(x))
    if np.ndim(x) > 2:
        print(f"dropout: kept {mask.mean():.3f} of the entries at p={p}", file=sys.stderr)
    return scale(x * mask, 1.0 - p)
