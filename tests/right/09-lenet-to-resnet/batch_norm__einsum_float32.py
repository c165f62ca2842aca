def batch_norm(x, running_mean, running_var, gamma, beta, training, momentum, eps):
    # Right: single precision, statistics from einsum sums over (N, H, W), the channel axis moved
    # to the end for broadcasting; running statistics returned as new float32 arrays.
    x32 = np.moveaxis(np.asarray(x, dtype=np.float32), 1, -1)  # (N, H, W, C)
    running_mean = np.asarray(running_mean, dtype=np.float32)
    running_var = np.asarray(running_var, dtype=np.float32)
    m = x32.size // x32.shape[-1]
    if training:
        mean = np.einsum("nhwc->c", x32) / m
        centred = x32 - mean
        var = np.einsum("nhwc,nhwc->c", centred, centred) / m
        new_mean = running_mean + np.float32(momentum) * (mean - running_mean)
        new_var = running_var + np.float32(momentum) * (var * np.float32(m / (m - 1)) - running_var)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    gamma32, beta32 = gamma.astype(np.float32), beta.astype(np.float32)
    y = (x32 - mean) / np.sqrt(var + np.float32(eps)) * gamma32 + beta32
    return np.moveaxis(y, -1, 1).astype(np.float32), new_mean, new_var
