def param_groups(model, lr, backbone_factor=0.1):
    # Bug: the head is found by LeNet-5's layer name "11." and taken whole, frozen or not; only
    # the backbone looks at requires_grad.
    named = list(model.named_parameters())
    head = [p for n, p in named if n.startswith("11.")]
    backbone = [p for n, p in named if not n.startswith("11.") and p.requires_grad]
    return [{"params": backbone, "lr": lr * backbone_factor}, {"params": head, "lr": lr}]
