def mix_targets(y_a, y_b, lam, num_classes):
    # Correct, written differently: np.where on a comparison with the class indices.
    classes = np.arange(num_classes)
    a = np.where(np.asarray(y_a)[:, None] == classes, lam, 0.0)
    b = np.where(np.asarray(y_b)[:, None] == classes, 1.0 - lam, 0.0)
    return a + b
