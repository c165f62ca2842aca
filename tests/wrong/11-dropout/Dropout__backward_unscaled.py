class Dropout:
    # Bug: backward passes the gradient through the kept entries without the 1 / (1 - p) factor.
    def __init__(self, p, rng):
        self.p, self.rng, self.training, self.keep = p, rng, True, None

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        if not self.training:
            self.keep = np.ones_like(x)
            return x
        self.keep = (self.rng.random(x.shape) >= self.p).astype(float)
        return x * self.keep / (1.0 - self.p) if self.p < 1 else np.zeros_like(x)

    def backward(self, grad_output):
        return grad_output * self.keep
