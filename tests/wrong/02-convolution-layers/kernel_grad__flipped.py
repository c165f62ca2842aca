def kernel_grad(x, k, y):
    # Bug: derived for a true (flipped) convolution: the gradient comes out rotated by 180 degrees.
    x = np.asarray(x, dtype=float)
    residual = corr2d(x, np.asarray(k, dtype=float)) - np.asarray(y, dtype=float)
    return 2.0 * corr2d(x, residual)[::-1, ::-1]
