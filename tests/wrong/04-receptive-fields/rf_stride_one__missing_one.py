def rf_stride_one(num_layers, kernel_size):
    # Bug: forgets the pixel the input unit itself covers.
    return int(num_layers * (kernel_size - 1))
