def train_lenet(model, images, labels):
    # Bug: a learning rate of 1 for Adam; the weights blow up and the network predicts one class.
    x = torch.from_numpy(np.asarray(images, dtype=np.float32)).unsqueeze(1)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
    model.train()
    for _ in range(5):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 32):
            idx = order[start:start + 32]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
    return model
