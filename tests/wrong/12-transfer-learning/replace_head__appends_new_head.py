def replace_head(model, num_classes):
    # Bug: stacks a new layer after the old head instead of replacing it.
    model.append(nn.Linear(model[-1].out_features, num_classes))
    return model
