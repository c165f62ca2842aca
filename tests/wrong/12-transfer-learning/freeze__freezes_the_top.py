def freeze(model, up_to):
    # Bug: freezes the last up_to children (the head side) instead of the first ones.
    children = list(model.children())
    for child in children[len(children) - up_to:] if up_to else []:
        for p in child.parameters():
            p.requires_grad_(False)
    return model
