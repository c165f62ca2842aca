def freeze(model, up_to):
    # Bug: eval() switches dropout/batch norm to inference mode but freezes no parameter.
    for child in list(model.children())[:up_to]:
        child.eval()
    return model
