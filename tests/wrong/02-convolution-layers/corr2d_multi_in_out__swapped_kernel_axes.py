def corr2d_multi_in_out(x, k):
    # Bug: reads the kernel as (C_in, C_out, kh, kw).
    k = np.asarray(k, dtype=float).transpose(1, 0, 2, 3)
    return np.stack([corr2d_multi_in(x, k_o) for k_o in k], axis=0)
