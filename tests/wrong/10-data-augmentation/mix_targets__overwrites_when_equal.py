def mix_targets(y_a, y_b, lam, num_classes):
    # Bug: assignment instead of addition: when y_a == y_b the row sums to 1 - lam.
    n = len(y_a)
    out = np.zeros((n, num_classes))
    out[np.arange(n), y_a] = lam
    out[np.arange(n), y_b] = 1.0 - lam
    return out
