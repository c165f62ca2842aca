def freeze(model, up_to):
    # Bug: zeroes the current gradients once; the next backward pass fills them again.
    for child in list(model.children())[:up_to]:
        for p in child.parameters():
            p.grad = None
    return model
