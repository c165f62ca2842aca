def replace_head(model, num_classes):
    # Bug: resets every layer's weights, throwing the pretrained features away.
    old = model[-1]
    model[len(model) - 1] = nn.Linear(old.in_features, num_classes)
    for m in model:
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return model
