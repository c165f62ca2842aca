def conv3d_output_shape(input_shape, weight_shape, stride=1, padding=0, dilation=1):
    # Bug: treats the convolution as 2D on every frame: the number of frames never changes.
    def triple(v):
        return (int(v),) * 3 if np.ndim(v) == 0 else tuple(int(a) for a in v)

    n, _, depth, *sizes = input_shape
    c_out, _, _, *kernel = weight_shape
    s3, p3, d3 = triple(stride), triple(padding), triple(dilation)
    out = [(size + 2 * p - d * (k - 1) - 1) // s + 1 for size, k, s, p, d in zip(sizes, kernel, s3[1:], p3[1:], d3[1:])]
    return (int(n), int(c_out), int(depth), *out)
