def fine_tune(pretrained, images, labels, num_classes=10, lr=1e-3, epochs=60, batch_size=20,
              seed=0):
    # Correct, written differently: a DataLoader with a seeded generator for the shuffling.
    from torch.utils.data import DataLoader, TensorDataset

    model = copy.deepcopy(pretrained)
    torch.manual_seed(seed)
    model = replace_head(freeze(model, 6), num_classes)
    optimizer = torch.optim.Adam(param_groups(model, lr, backbone_factor=0.1))
    data = TensorDataset(torch.tensor(np.asarray(images), dtype=torch.float32),
                         torch.tensor(np.asarray(labels), dtype=torch.long))
    loader = DataLoader(data, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = nn.CrossEntropyLoss()(model(xb), yb)
            loss.backward()
            optimizer.step()
    model.eval()
    return model
