def batch_norm_backward(grad_out, x, gamma, eps):
    # Bug: treats the batch mean and variance as constants (the evaluation-mode gradient).
    axes = (0, 2, 3)
    inv_std = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=axes, keepdims=True)) * inv_std
    grad_x = grad_out * gamma[None, :, None, None] * inv_std
    return grad_x, (grad_out * x_hat).sum(axis=axes), grad_out.sum(axis=axes)
