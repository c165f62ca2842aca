def param_groups(model, lr, backbone_factor=0.1):
    # Bug: frozen parameters are put in the backbone group too.
    head = list(model[-1].parameters())
    head_ids = {id(p) for p in head}
    backbone = [p for p in model.parameters() if id(p) not in head_ids]
    return [{"params": backbone, "lr": lr * backbone_factor}, {"params": head, "lr": lr}]
