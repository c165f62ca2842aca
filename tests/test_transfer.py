"""convkit.training.transfer: freezing, head replacement, parameter groups, features, the 8x8 adaptation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from convkit.training import fewlabel as FL
from convkit.training import transfer as T
from convkit.models import LeNet5


def lenet(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(*LeNet5("modern"))


def sgd_step(model, lr=0.1):
    """One SGD step over *all* parameters (frozen ones included) on a random batch."""
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-3)
    x, y = torch.randn(8, 1, 28, 28), torch.arange(8) % 10
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()


@pytest.mark.parametrize("up_to", [0, 1, 3, 6, 9, 12])
def test_freeze_by_depth_sets_flags_and_survives_an_optimizer_step(up_to):
    net = lenet()
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    T.freeze(net, up_to)
    for n, p in net.named_parameters():
        assert p.requires_grad == (int(n.split(".")[0]) >= up_to), n
    if up_to == 12:
        assert T.trainable_names(net) == []
        return
    sgd_step(net)
    for n, p in net.named_parameters():
        same = torch.equal(p, before[n])
        assert same == (int(n.split(".")[0]) < up_to), n


def test_eval_mode_freezes_nothing():
    net = lenet().eval()
    before = net[0].weight.detach().clone()
    sgd_step(net)
    assert not torch.equal(net[0].weight, before)
    assert len(T.trainable_names(net)) == 10


def test_freeze_by_prefix_and_unfreeze():
    net = lenet()
    T.freeze(net, prefixes=("0", "3"))
    assert T.trainable_names(net) == ["7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"]
    T.unfreeze(net, prefixes="3")
    assert "3.weight" in T.trainable_names(net) and "0.weight" not in T.trainable_names(net)
    T.unfreeze(net)
    assert len(T.trainable_names(net)) == 10
    # "1" must not match "11": prefixes are whole name components.
    T.freeze(net, prefixes="1")
    assert len(T.trainable_names(net)) == 10


def test_freeze_bad_arguments():
    net = lenet()
    with pytest.raises(ValueError, match="exactly one"):
        T.freeze(net)
    with pytest.raises(ValueError, match="exactly one"):
        T.freeze(net, 2, prefixes="0")
    with pytest.raises(ValueError, match="up_to"):
        T.freeze(net, 13)
    with pytest.raises(ValueError, match="up_to"):
        T.freeze(net, -1)
    with pytest.raises(TypeError, match="up_to"):
        T.freeze(net, 2.0)
    with pytest.raises(TypeError, match="prefixes"):
        T.freeze(net, prefixes=[0])
    with pytest.raises(TypeError, match="model"):
        T.freeze("net", 1)


@pytest.mark.parametrize("num_classes", [1, 5, 10, 37])
def test_replace_head_shape_trainable_and_rest_untouched(num_classes):
    net = T.freeze(lenet(), 11)
    old_head = net[11]
    before = {k: v.clone() for k, v in net.state_dict().items() if not k.startswith("11.")}
    T.replace_head(net, num_classes)
    assert net[11] is not old_head and isinstance(net[11], nn.Linear)
    assert (net[11].in_features, net[11].out_features) == (84, num_classes)
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, num_classes)
    assert T.trainable_names(net) == ["11.weight", "11.bias"]
    after = {k: v for k, v in net.state_dict().items() if not k.startswith("11.")}
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    assert len(net) == 12


def test_replace_head_nested_module_and_errors():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Flatten(), nn.Linear(4, 6), nn.ReLU())
            self.classifier = nn.Sequential(nn.Dropout(0.1), nn.Linear(6, 3))

        def forward(self, x):
            return self.classifier(self.features(x))

    net = Net()
    assert T.head_name(net) == "classifier.1"
    T.replace_head(net, 7)
    assert net.classifier[1].out_features == 7 and net(torch.zeros(2, 2, 2)).shape == (2, 7)
    with pytest.raises(ValueError, match="nn.Linear"):
        T.replace_head(nn.Sequential(nn.Conv2d(1, 1, 1)), 2)
    with pytest.raises(ValueError, match="num_classes"):
        T.replace_head(net, 0)
    with pytest.raises(TypeError, match="num_classes"):
        T.replace_head(net, 2.5)


@pytest.mark.parametrize("up_to", [0, 6, 8, 11])
@pytest.mark.parametrize("lr, factor", [(1e-3, 0.1), (0.05, 0.5), (2e-2, 1.0)])
def test_param_groups_rates_and_membership(up_to, lr, factor):
    net = T.replace_head(T.freeze(lenet(), up_to), 4)
    groups = T.param_groups(net, lr, factor)
    opt = torch.optim.Adam(groups)
    head = {id(p) for p in net[11].parameters()}
    trainable = {id(p) for p in net.parameters() if p.requires_grad}
    assert opt.param_groups[-1]["lr"] == pytest.approx(lr)
    assert {id(p) for p in opt.param_groups[-1]["params"]} == head
    seen = [id(p) for g in opt.param_groups for p in g["params"]]
    assert len(seen) == len(set(seen)) and set(seen) == trainable
    if up_to == 11:
        assert len(opt.param_groups) == 1
    else:
        assert len(opt.param_groups) == 2
        assert opt.param_groups[0]["lr"] == pytest.approx(lr * factor)
        assert not head & {id(p) for p in opt.param_groups[0]["params"]}


def test_param_groups_errors():
    net = lenet()
    with pytest.raises(ValueError, match="lr"):
        T.param_groups(net, 0.0)
    with pytest.raises(TypeError, match="backbone_factor"):
        T.param_groups(net, 1e-3, "0.1")
    with pytest.raises(ValueError, match="head"):
        T.param_groups(T.freeze(net, 12), 1e-3)


def test_extract_features_is_the_input_of_the_head():
    net = lenet().train()
    x = np.random.default_rng(0).random((37, 1, 28, 28), dtype=np.float32)
    feats = T.extract_features(net, x, batch_size=10)
    with torch.no_grad():
        expected = net.eval()[:11](torch.from_numpy(x)).numpy()
    net.train()
    assert feats.shape == (37, 84) and feats.dtype == np.float32
    np.testing.assert_allclose(feats, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(T.extract_features(net, x[:, 0]), expected, rtol=1e-5, atol=1e-6)
    assert net.training  # mode restored


def test_extract_features_uses_eval_mode():
    net = nn.Sequential(nn.Flatten(), nn.Dropout(0.9), nn.Linear(4, 2))
    x = np.ones((5, 2, 2), dtype=np.float32)
    np.testing.assert_array_equal(T.extract_features(net, x), x.reshape(5, 4))


def test_linear_probe_logistic_and_svm():
    rng = np.random.default_rng(1)
    centres = rng.normal(0, 4, (3, 5))
    y = np.repeat(np.arange(3), 30)
    f = centres[y] + rng.normal(0, 1, (90, 5))
    for kind in ("logistic", "svm"):
        clf = T.linear_probe(f, y, kind=kind)
        assert clf.score(f, y) > 0.95
    with pytest.raises(ValueError, match="kind"):
        T.linear_probe(f, y, kind="tree")
    with pytest.raises(ValueError, match="features"):
        T.linear_probe(f[:, 0], y)
    with pytest.raises(ValueError, match="labels"):
        T.linear_probe(f, y[:-1])


def test_digits8_as_mnist_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.random((6, 8, 8))
    ours = FL.digits8_as_mnist(x)
    ref = F.pad(F.interpolate(torch.from_numpy(x[:, None]), size=(20, 20), mode="bilinear", align_corners=False), (4, 4, 4, 4))
    assert ours.shape == (6, 1, 28, 28) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="images"):
        FL.digits8_as_mnist(np.zeros((2, 28, 28)))


@pytest.mark.parametrize("per_class, seed", [(1, 0), (10, 0), (10, 1), (50, 3)])
def test_few_label_split(per_class, seed):
    from convkit.data import load_digits8

    _, y = load_digits8()
    lab, rest = FL.few_label_split(y, per_class, seed)
    assert np.bincount(y[lab]).tolist() == [per_class] * 10
    assert len(np.intersect1d(lab, rest)) == 0 and len(lab) + len(rest) == len(y)
    lab2, _ = FL.few_label_split(y, per_class, seed)
    np.testing.assert_array_equal(lab, lab2)
    if seed:
        assert not np.array_equal(lab, FL.few_label_split(y, per_class, seed + 10)[0])
    with pytest.raises(ValueError, match="per_class"):
        FL.few_label_split(y, 1000)


def test_train_few_learns_and_repeats():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(2), 20)
    x = (rng.normal(0, 1, (40, 1, 4, 4)) + 2 * y[:, None, None, None]).astype(np.float32)

    def run():
        torch.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
        return FL.train_few(net, x, y, lr=0.05, epochs=20, batch_size=8, seed=3)

    a, b = run(), run()
    assert FL.accuracy(a, x, y) > 0.9
    assert torch.equal(a[1].weight, b[1].weight)
    assert not a.training


def test_train_few_respects_groups_and_frozen_layers():
    torch.manual_seed(0)
    net = T.freeze(nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2)), 2)
    before = net[1].weight.detach().clone()
    x = np.random.default_rng(0).random((10, 1, 4, 4), dtype=np.float32)
    FL.train_few(net, x, np.arange(10) % 2, groups=T.param_groups(net, 1e-2), epochs=2)
    assert torch.equal(net[1].weight, before)
