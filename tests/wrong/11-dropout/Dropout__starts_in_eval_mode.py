class Dropout:
    # Bug: a new layer starts in evaluation mode (a fresh PyTorch module is in training mode).
    def __init__(self, p, rng):
        self.p, self.rng, self.training, self.factor = p, rng, False, None

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        if not self.training:
            self.factor = np.ones_like(x)
        elif self.p == 1.0:
            self.factor = np.zeros_like(x)
        else:
            self.factor = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self.factor

    def backward(self, grad_output):
        return grad_output * self.factor
