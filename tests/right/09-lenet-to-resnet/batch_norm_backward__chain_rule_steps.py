import sys


def batch_norm_backward(grad_out, x, gamma, eps):
    # Right: the chain rule step by step through mean, variance and x_hat (the computational
    # graph of the forward pass), with a debug print to stderr.
    axes = (0, 2, 3)
    m = x.shape[0] * x.shape[2] * x.shape[3]
    g = gamma.reshape(1, -1, 1, 1)
    mu = x.sum(axis=axes, keepdims=True) / m
    xc = x - mu
    var = (xc**2).sum(axis=axes, keepdims=True) / m
    std = np.sqrt(var + eps)
    x_hat = xc / std
    d_xhat = grad_out * g
    d_var = (d_xhat * xc).sum(axis=axes, keepdims=True) * -0.5 * std**-3
    d_mu = -(d_xhat / std).sum(axis=axes, keepdims=True)
    d_mu = d_mu - 2.0 * d_var * xc.sum(axis=axes, keepdims=True) / m
    grad_x = d_xhat / std + d_var * 2.0 * xc / m + d_mu / m
    print(f"batch_norm_backward: M = {m}", file=sys.stderr)
    return grad_x, (grad_out * x_hat).sum(axis=axes), grad_out.sum(axis=axes)
