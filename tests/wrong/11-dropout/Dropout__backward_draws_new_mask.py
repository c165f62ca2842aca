class Dropout:
    # Bug: backward draws a fresh mask instead of reusing the one of the forward pass.
    def __init__(self, p, rng):
        self.p, self.rng, self.training = p, rng, True

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def _factor(self, shape):
        if not self.training:
            return np.ones(shape)
        if self.p == 1.0:
            return np.zeros(shape)
        return (self.rng.random(shape) >= self.p) / (1.0 - self.p)

    def forward(self, x):
        return x * self._factor(x.shape)

    def backward(self, grad_output):
        return grad_output * self._factor(grad_output.shape)
