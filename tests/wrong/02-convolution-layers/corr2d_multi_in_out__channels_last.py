def corr2d_multi_in_out(x, k):
    # Bug: stacks the output channels on the last axis, (H', W', C_out).
    return np.stack([corr2d_multi_in(x, k_o) for k_o in np.asarray(k, dtype=float)], axis=-1)
