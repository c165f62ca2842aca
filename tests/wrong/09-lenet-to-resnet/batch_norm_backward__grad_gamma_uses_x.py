def batch_norm_backward(grad_out, x, gamma, eps):
    # Bug: grad_gamma sums grad_out * x instead of grad_out * x_hat (the normalised input).
    axes = (0, 2, 3)
    inv_std = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=axes, keepdims=True)) * inv_std
    g_mean = grad_out.mean(axis=axes, keepdims=True)
    gx_mean = (grad_out * x_hat).mean(axis=axes, keepdims=True)
    grad_x = gamma[None, :, None, None] * inv_std * (grad_out - g_mean - x_hat * gx_mean)
    return grad_x, (grad_out * x).sum(axis=axes), grad_out.sum(axis=axes)
