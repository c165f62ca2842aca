def mix_targets(y_a, y_b, lam, num_classes):
    # Correct, written differently: one-hot rows from np.eye in float32.
    eye = np.eye(num_classes, dtype=np.float32)
    return lam * eye[y_a] + (1 - lam) * eye[y_b]
