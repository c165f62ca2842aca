def kernel_grad(x, k, y):
    # Bug: residual taken as target minus prediction: the gradient has the wrong sign.
    x = np.asarray(x, dtype=float)
    residual = np.asarray(y, dtype=float) - corr2d(x, np.asarray(k, dtype=float))
    return 2.0 * corr2d(x, residual)
