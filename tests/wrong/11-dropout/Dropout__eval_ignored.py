class Dropout:
    # Bug: eval() sets the flag but forward never looks at it.
    def __init__(self, p, rng):
        self.p, self.rng, self.training, self.factor = p, rng, True, None

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        if self.p == 1.0:
            self.factor = np.zeros_like(x)
        else:
            self.factor = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self.factor

    def backward(self, grad_output):
        return grad_output * self.factor
