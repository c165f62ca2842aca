def replace_head(model, num_classes):
    # Bug: reads the width from model[-3].out_features (LeNet-5's Linear, ReLU, Linear ending)
    # instead of the old head's in_features.
    model[len(model) - 1] = nn.Linear(model[-3].out_features, num_classes)
    return model
