def param_groups(model, lr, backbone_factor=0.1):
    # Bug: decides per child (by its first parameter) instead of per parameter, so a child that
    # is only partly frozen goes in or out as a whole.
    backbone = []
    for child in list(model.children())[:-1]:
        params = list(child.parameters())
        if params and params[0].requires_grad:
            backbone += params
    head = list(model[-1].parameters())
    return [{"params": backbone, "lr": lr * backbone_factor}, {"params": head, "lr": lr}]
