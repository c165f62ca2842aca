def mix_targets(y_a, y_b, lam, num_classes):
    # Bug: both labels get weight 1.
    n = len(y_a)
    out = np.zeros((n, num_classes))
    np.add.at(out, (np.arange(n), y_a), 1.0)
    np.add.at(out, (np.arange(n), y_b), 1.0)
    return out
