def conv1x1(x, weight, bias=None):
    # Bug: uses W[c, o] instead of W[o, c] (transposed weight); only runs when C_in == C_out.
    x = np.asarray(x, dtype=float)
    w = np.asarray(weight, dtype=float)[:, :, 0, 0]
    out = np.einsum("co,nchw->nohw", w, x)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
