def rf_stride_one(num_layers, kernel_size):
    # Bug: multiplies layers by kernel size, as if the fields did not overlap.
    return int(num_layers * kernel_size)
