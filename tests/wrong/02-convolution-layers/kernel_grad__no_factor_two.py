def kernel_grad(x, k, y):
    # Bug: forgets the 2 from differentiating the square.
    x = np.asarray(x, dtype=float)
    residual = corr2d(x, np.asarray(k, dtype=float)) - np.asarray(y, dtype=float)
    return corr2d(x, residual)
