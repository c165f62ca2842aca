def rf_stride_one(num_layers, kernel_size):
    # Bug: off by one layer, 1 + (L - 1)(K - 1).
    return int(1 + (num_layers - 1) * (kernel_size - 1))
