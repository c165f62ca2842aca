def corr2d_multi_in_out(x, k):
    # Right: one output channel at a time into a Python list, converted at the end.
    outputs = []
    for o in range(len(k)):
        outputs.append(corr2d_multi_in(x, k[o]))
    return np.array(outputs)
