def conv1x1(x, weight, bias=None):
    # Bug: never adds the bias.
    x = np.asarray(x, dtype=float)
    w = np.asarray(weight, dtype=float)[:, :, 0, 0]
    return np.einsum("oc,nchw->nohw", w, x)
