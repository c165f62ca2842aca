def corr2d_multi_in_out(x, k):
    # Right: single precision, all output channels by one einsum over sliding windows.
    x = np.asarray(x, dtype=np.float32)
    k = np.asarray(k, dtype=np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape[2:], axis=(1, 2))
    return np.einsum("cijab,ocab->oij", windows, k)
