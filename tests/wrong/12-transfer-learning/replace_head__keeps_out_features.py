def replace_head(model, num_classes):
    # Bug: re-creates the head with its old number of outputs.
    old = model[-1]
    model[len(model) - 1] = nn.Linear(old.in_features, old.out_features)
    return model
