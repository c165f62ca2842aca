def conv3d_output_shape(input_shape, weight_shape, stride=1, padding=0, dilation=1):
    # Bug: rounds the division up (a last, partial window is counted).
    def triple(v):
        return (int(v),) * 3 if np.ndim(v) == 0 else tuple(int(a) for a in v)

    n, _, *sizes = input_shape
    c_out, _, *kernel = weight_shape
    out = [-(-(size + 2 * p - d * (k - 1) - 1) // s) + 1
           for size, k, s, p, d in zip(sizes, kernel, triple(stride), triple(padding), triple(dilation))]
    return (int(n), int(c_out), *out)
