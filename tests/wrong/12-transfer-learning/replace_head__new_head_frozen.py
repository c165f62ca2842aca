def replace_head(model, num_classes):
    # Bug: gives the new head the frozen state of the first layer, so with a frozen backbone it cannot learn.
    old = model[-1]
    new = nn.Linear(old.in_features, num_classes)
    new.requires_grad_(model[0].weight.requires_grad)
    model[len(model) - 1] = new
    return model
