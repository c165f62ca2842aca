class MotionNet(nn.Module):
    # Correct, written differently: a class of my own with its own forward, not an nn.Sequential.
    # It counts its training steps, and says once that one ran, where it ran.

    def __init__(self, num_directions):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool3d((1, 2, 2))
        self.conv2 = nn.Conv3d(8, 16, kernel_size=3, padding=1)
        self.head = nn.Linear(16, num_directions)
        self.training_steps = 0

    def forward(self, clips):
        if self.training and torch.is_grad_enabled():
            if self.training_steps == 0:
                print("MotionNet.forward: first training step, in the kernel that holds the model")
            self.training_steps += 1
        h = self.pool(torch.relu(self.conv1(clips)))
        h = torch.relu(self.conv2(h))
        return self.head(h.amax(dim=(2, 3, 4)))


def build_motion_model(num_directions):
    """An nn.Module mapping clips (N, 1, 8, 24, 24) to logits (N, num_directions)."""
    return MotionNet(num_directions)
