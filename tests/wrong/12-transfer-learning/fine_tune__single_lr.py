def fine_tune(pretrained, images, labels, num_classes=10, lr=1e-3, epochs=60, batch_size=20,
              seed=0):
    # Bug: one learning rate for every trainable parameter: the backbone trains at the head's rate.
    model = copy.deepcopy(pretrained)
    torch.manual_seed(seed)
    freeze(model, 6)
    replace_head(model, num_classes)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    x = torch.as_tensor(images, dtype=torch.float32)
    y = torch.as_tensor(labels, dtype=torch.int64)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
    return model.eval()
