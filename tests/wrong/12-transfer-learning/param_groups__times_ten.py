def param_groups(model, lr, backbone_factor=0.1):
    # Bug: divides by the factor, so the backbone learns ten times faster than the head.
    head = list(model[-1].parameters())
    head_ids = {id(p) for p in head}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    return [{"params": backbone, "lr": lr / backbone_factor}, {"params": head, "lr": lr}]
