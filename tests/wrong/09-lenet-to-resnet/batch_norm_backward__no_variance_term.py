def batch_norm_backward(grad_out, x, gamma, eps):
    # Bug: differentiates through the mean but not through the variance (no x_hat term).
    axes = (0, 2, 3)
    inv_std = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=axes, keepdims=True)) * inv_std
    g_mean = grad_out.mean(axis=axes, keepdims=True)
    grad_x = gamma[None, :, None, None] * inv_std * (grad_out - g_mean)
    return grad_x, (grad_out * x_hat).sum(axis=axes), grad_out.sum(axis=axes)
