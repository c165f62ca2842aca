def freeze(model, up_to):
    # Bug: also freezes child number up_to.
    for child in list(model.children())[:up_to + 1]:
        for p in child.parameters():
            p.requires_grad_(False)
    return model
