def corr2d_multi_in_out(x, k):
    # Right: nested Python lists of floats built pixel by pixel, converted with np.array.
    c_out, c_in, kh, kw = np.shape(k)
    h, w = np.shape(x)[1] - kh + 1, np.shape(x)[2] - kw + 1
    out = []
    for o in range(c_out):
        plane = []
        for i in range(h):
            plane.append([float(np.sum(x[:, i:i + kh, j:j + kw] * k[o])) for j in range(w)])
        out.append(plane)
    return np.array(out)
