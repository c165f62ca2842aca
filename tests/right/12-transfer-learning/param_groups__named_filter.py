def param_groups(model, lr, backbone_factor=0.1):
    # Correct, written differently: named parameters of model[:-1] and model[-1], filtered.
    backbone = [p for _, p in model[:-1].named_parameters() if p.requires_grad]
    head = [p for _, p in model[-1].named_parameters() if p.requires_grad]
    return [dict(params=backbone, lr=lr * backbone_factor), dict(params=head, lr=lr)]
