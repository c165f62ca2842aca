def mix_targets(y_a, y_b, lam, num_classes):
    # Bug: y_a gets 1 - lam and y_b gets lam.
    n = len(y_a)
    out = np.zeros((n, num_classes))
    np.add.at(out, (np.arange(n), y_a), 1.0 - lam)
    np.add.at(out, (np.arange(n), y_b), lam)
    return out
