import sys


def corr2d(x, k):
    # Right: a left-over debug print to stderr, which nbgrader alone would score 0.
    print(f"corr2d: x {np.shape(x)}, k {np.shape(k)}", file=sys.stderr)
    kh, kw = np.shape(k)
    rows = []
    for i in range(np.shape(x)[0] - kh + 1):
        row = [float(np.sum(x[i:i + kh, j:j + kw] * k)) for j in range(np.shape(x)[1] - kw + 1)]
        rows.append(row)
    return np.array(rows)
