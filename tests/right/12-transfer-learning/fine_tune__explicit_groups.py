def fine_tune(pretrained, images, labels, num_classes=10, lr=1e-3, epochs=60, batch_size=20,
              seed=0):
    # Correct, written differently: the two groups written out here, index slices for batches.
    model = copy.deepcopy(pretrained)
    torch.manual_seed(seed)
    freeze(model, 6)
    replace_head(model, num_classes)
    backbone = [p for p in model[:-1].parameters() if p.requires_grad]
    optimizer = torch.optim.Adam([{"params": backbone, "lr": lr / 10},
                                  {"params": model[-1].parameters()}], lr=lr)
    x = torch.from_numpy(np.asarray(images, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels).astype(np.int64))
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for idx in torch.split(order, batch_size):
            optimizer.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
    return model.eval()
