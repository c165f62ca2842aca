def replace_head(model, num_classes):
    # Correct, written differently: the last child found through children() and setattr by name.
    names = [name for name, _ in model.named_children()]
    old = list(model.children())[-1]
    setattr(model, names[-1], nn.Linear(old.weight.shape[1], num_classes, bias=True))
    return model
