def param_groups(model, lr, backbone_factor=0.1):
    # Bug: every head parameter goes in the head group, frozen ones too.
    head = list(model[-1].parameters())
    head_ids = {id(p) for p in head}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    return [{"params": backbone, "lr": lr * backbone_factor}, {"params": head, "lr": lr}]
