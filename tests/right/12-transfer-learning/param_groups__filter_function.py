def param_groups(model, lr, backbone_factor=0.1):
    # Correct, written differently: filter() over the parameters and the head's set of ids.
    head_ids = set(map(id, model[-1].parameters()))
    trainable = list(filter(lambda p: p.requires_grad, model.parameters()))
    backbone = [p for p in trainable if id(p) not in head_ids]
    head = [p for p in trainable if id(p) in head_ids]
    return [{"params": backbone, "lr": float(lr) * backbone_factor},
            {"params": head, "lr": float(lr)}]
