def replace_head(model, num_classes):
    # Bug: writes the new head at index 11 (LeNet-5's head) instead of the last index.
    model[11] = nn.Linear(model[11].in_features, num_classes)
    return model
