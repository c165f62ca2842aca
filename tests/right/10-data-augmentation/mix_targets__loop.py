def mix_targets(y_a, y_b, lam, num_classes):
    # Correct, written differently: a loop over the rows, built as a list and converted.
    rows = []
    for a, b in zip(y_a, y_b):
        row = [0.0] * num_classes
        row[a] += lam
        row[b] += 1 - lam
        rows.append(row)
    return np.array(rows).reshape(len(y_a), num_classes)
