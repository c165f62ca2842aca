class Dropout:
    # Bug: backward returns the incoming gradient unchanged, as if dropout were the identity.
    def __init__(self, p, rng):
        self.p, self.rng, self.training = p, rng, True

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        if not self.training:
            return x
        if self.p == 1.0:
            return np.zeros_like(x)
        return x * (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)

    def backward(self, grad_output):
        return grad_output
