"""convkit.models.macs.count_macs and convkit.models.naive_inception.NaiveInception against
PyTorch and the counting formulas (which tests/test_counting.py checks against PyTorch)."""

import itertools

import pytest
import torch
from torch import nn

from convkit import conv_macs, conv_output_size, naive_inception_params
from convkit.models import GOOGLENET_INCEPTIONS, Inception
from convkit.models.macs import count_macs
from convkit.models.naive_inception import NaiveInception


@pytest.mark.parametrize(
    "c_in, c_out, k, stride, padding, groups, side",
    list(itertools.product((2, 4), (4, 6), (1, 3, 5), (1, 2), (0, 2), (1, 2), (7, 12))),
)
def test_count_macs_of_one_conv_is_the_formula(c_in, c_out, k, stride, padding, groups, side):
    conv = nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, groups=groups)
    out = conv_output_size(side, k, stride, padding)
    assert out >= 1
    expected = conv_macs(c_in, c_out, k, out, groups=groups, bias=False)
    assert count_macs(conv, (c_in, side, side)) == expected


def test_count_macs_adds_up_the_layers_and_leaves_the_model_alone():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 10),
    )
    before = [p.detach().clone() for p in net.parameters()]
    per_module = count_macs(net, (3, 12, 12), by_module=True)
    expected = {
        "0": conv_macs(3, 8, 3, 12, bias=False),
        "3": conv_macs(8, 16, 3, 4, bias=False),
        "5": 16 * 4 * 4 * 10,
    }
    assert per_module == {"": sum(expected.values()), **expected}
    assert count_macs(net, (3, 12, 12)) == sum(expected.values())
    assert all(p.device.type == "cpu" for p in net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


class _MakesItsOwnTensor(nn.Module):
    """A forward that makes a CPU tensor of its own, which a meta-device pass cannot mix in."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.fc = nn.Linear(3, 5)

    def forward(self, x):
        y = self.conv(x) + torch.arange(x.shape[-1], dtype=x.dtype)
        return self.fc(y.mean(dim=(2, 3)))


def test_count_macs_on_cpu_counts_what_meta_counts_and_runs_own_tensors():
    torch.manual_seed(0)
    net = _MakesItsOwnTensor()
    expected = conv_macs(2, 3, 3, 6, bias=False) + 3 * 5  # output 6 x 6
    with pytest.raises(RuntimeError):
        count_macs(net, (2, 6, 6))
    assert count_macs(net, (2, 6, 6), device="cpu") == expected
    plain = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Flatten(), nn.Linear(108, 5))
    assert count_macs(plain, (2, 6, 6), device="cpu") == count_macs(plain, (2, 6, 6))
    assert all(p.device.type == "cpu" for p in net.parameters())
    with pytest.raises(ValueError, match="device"):
        count_macs(plain, (2, 6, 6), device="cuda:0")


@pytest.mark.parametrize("name", list(GOOGLENET_INCEPTIONS))
def test_inception_blocks_macs_per_branch(name):
    cin, c1, c2, c3, c4 = GOOGLENET_INCEPTIONS[name]
    side = 7
    with torch.device("meta"):
        block = Inception(cin, c1, c2, c3, c4)
    counts = count_macs(block, (cin, side, side), by_module=True)
    assert counts["b1"] == conv_macs(cin, c1, 1, side, bias=False)
    assert counts["b2_reduce"] + counts["b2"] == conv_macs(
        cin, c2[0], 1, side, bias=False
    ) + conv_macs(c2[0], c2[1], 3, side, bias=False)
    assert counts["b3"] == conv_macs(c3[0], c3[1], 5, side, bias=False)
    assert counts["b4"] == conv_macs(cin, c4, 1, side, bias=False)
    assert counts[""] == sum(v for k, v in counts.items() if k)


@pytest.mark.parametrize("cin, c1, c2, c3", [(192, 64, 128, 32), (3, 1, 2, 5), (16, 8, 8, 8)])
def test_naive_inception_shape_parameters_and_branches(cin, c1, c2, c3):
    torch.manual_seed(0)
    block = NaiveInception(cin, c1, c2, c3)
    x = torch.randn(2, cin, 9, 9)
    y = block(x)
    assert y.shape == (2, c1 + c2 + c3 + cin, 9, 9) and block.out_channels == y.shape[1]
    assert sum(p.numel() for p in block.parameters()) == naive_inception_params(cin, c1, c2, c3)
    torch.testing.assert_close(y[:, :c1], torch.relu(block.b1(x)))
    torch.testing.assert_close(y[:, c1 + c2 : c1 + c2 + c3], torch.relu(block.b3(x)))
    torch.testing.assert_close(y[:, -cin:], nn.functional.max_pool2d(x, 3, 1, 1))


def test_bad_arguments_name_the_argument():
    with pytest.raises(TypeError, match="model"):
        count_macs("conv", (1, 4, 4))
    with pytest.raises(TypeError, match="input_shape"):
        count_macs(nn.Conv2d(1, 1, 1), 4)
    with pytest.raises(ValueError, match=r"input_shape\[1\]"):
        count_macs(nn.Conv2d(1, 1, 1), (1, 0, 4))
    with pytest.raises(TypeError, match="by_module"):
        count_macs(nn.Conv2d(1, 1, 1), (1, 4, 4), by_module=1)
    with pytest.raises(ValueError, match="c2"):
        NaiveInception(4, 1, 0, 1)
