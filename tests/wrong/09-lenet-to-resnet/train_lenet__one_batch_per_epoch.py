def train_lenet(model, images, labels):
    # Bug: the inner loop stops after the first batch, so each epoch sees 32 digits.
    x = torch.from_numpy(np.asarray(images, dtype=np.float32)).unsqueeze(1)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(5):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 32):
            idx = order[start:start + 32]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            break
    return model
