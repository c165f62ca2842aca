def corr2d_multi_in(x, k):
    # Bug: pairs channel c of x with slice C - 1 - c of the kernel.
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    return sum(corr2d(xc, kc) for xc, kc in zip(x, k[::-1]))
