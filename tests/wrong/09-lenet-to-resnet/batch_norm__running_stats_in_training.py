def batch_norm(x, running_mean, running_var, gamma, beta, training, momentum, eps):
    # Bug: in training mode the output is normalised with the (just updated) running statistics
    # instead of the batch's own mean and variance.
    new_mean, new_var = running_mean, running_var
    if training:
        m = x.shape[0] * x.shape[2] * x.shape[3]
        new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=(0, 2, 3))
        new_var = (1 - momentum) * running_var + momentum * x.var(axis=(0, 2, 3)) * m / (m - 1)
    x_hat = (x - new_mean[None, :, None, None]) / np.sqrt(new_var[None, :, None, None] + eps)
    return gamma[None, :, None, None] * x_hat + beta[None, :, None, None], new_mean, new_var
