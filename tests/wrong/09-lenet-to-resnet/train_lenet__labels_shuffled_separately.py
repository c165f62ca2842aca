def train_lenet(model, images, labels):
    # Bug: images and labels are shuffled with two different permutations, so they no longer match.
    x = torch.from_numpy(np.asarray(images, dtype=np.float32)).unsqueeze(1)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(5):
        x = x[torch.randperm(len(x))]
        y = y[torch.randperm(len(y))]
        for start in range(0, len(x), 32):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[start:start + 32]), y[start:start + 32])
            loss.backward()
            optimizer.step()
    return model
