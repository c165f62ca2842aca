"""Two-process grading, piece by piece: the wire codec, and the trusted link to a real kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from autograder.wire import Codec, WireError, dumps, loads


def _pair():
    refs: dict = {}

    def make_ref(obj):
        refs[id(obj)] = obj
        return {"$": "ref", "id": id(obj), "type": type(obj).__qualname__, "mro": []}

    student = Codec("s", make_ref=make_ref, resolve_ref=lambda t: refs[t["id"]])
    trusted = Codec("t", resolve_ref=lambda t: ("remote", t["id"]))
    return trusted, student


def _send(x, a, b):
    return b.decode(loads(dumps(a.encode(x))))


def test_values_cross_unchanged():
    t, s = _pair()
    x = {
        "a": (1, 2.5, float("nan"), None, True, -(2**70)),
        3: [np.arange(6.0).reshape(2, 3), np.float32(1.5), np.int64(7)],
        (1, "k"): {1, 2},
        "c": 1 + 2j,
        "b": b"xy",
        "s": slice(1, None, 2),
        "r": range(3),
        "dt": np.dtype("float32"),
        "t": torch.arange(4, dtype=torch.int16),
        "size": torch.Size([2, 3]),
        "tdt": torch.bfloat16,
    }
    y = _send(x, t, s)
    assert y["a"][:2] == (1, 2.5) and np.isnan(y["a"][2]) and y["a"][3:] == (None, True, -(2**70))
    assert type(y[3][1]) is np.float32 and type(y[3][2]) is np.int64
    assert np.array_equal(y[3][0], x[3][0]) and y[3][0].dtype == np.float64
    assert y[(1, "k")] == {1, 2} and y["c"] == 1 + 2j and y["b"] == b"xy"
    assert y["s"] == slice(1, None, 2) and y["r"] == range(3) and y["dt"] == np.float32
    assert y["t"].dtype == torch.int16 and torch.equal(y["t"], x["t"])
    assert y["size"] == torch.Size([2, 3]) and y["tdt"] is torch.bfloat16


def test_torch_modules_cross_by_value_and_come_back_as_the_same_object():
    t, s = _pair()
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3))
    there = _send(net, t, s)
    x = torch.randn(2, 1, 4, 4)
    assert type(there) is nn.Sequential and torch.allclose(net(x), there(x))
    for p in there[0].parameters():  # the student freezes the convolution, replaces the head
        p.requires_grad_(False)
    there[3] = nn.Linear(32, 5)
    back = _send(there, s, t)
    assert back is net
    assert [p.requires_grad for p in net.parameters()] == [False, False, True, True]
    assert net[3].out_features == 5 and net(x).shape == (2, 5)


def test_a_module_copys_other_state_changed_by_the_test_is_sent_back():
    """Tensors changed in place follow their ``_version``; the rest of a module copy's state
    (training flag, attributes, requires_grad, a replaced parameter or child) is compared with
    what crossed, and a changed module is among the updates the next request carries."""
    t, s = _pair()
    net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    copy = _send(net, s, t)  # the student's model, received by value on the trusted side
    assert t.changed_tensors() == [], "nothing changed yet"
    copy.eval()
    copy[1].p = 0.25
    copy[0].bias.requires_grad_(False)
    copy[2].weight = nn.Parameter(torch.zeros(2, 4))
    copy[0] = nn.Linear(3, 4, bias=False)
    updates = t.changed_tensors()
    assert updates, "the changes are sent with the next request"
    for update in updates:
        s.decode(loads(dumps(update)))
    # (the new first layer was made after eval(): in training mode, as torch makes it)
    assert not net.training and [m.training for m in net] == [True, False, False]
    assert net[1].p == 0.25 and net[0].bias is None
    assert torch.equal(net[2].weight, torch.zeros(2, 4))
    assert t.changed_tensors() == [], "sent once"
    copy.train()
    copy[2].bias.requires_grad_(False)  # on a module the test did not otherwise touch
    for update in t.changed_tensors():
        s.decode(loads(dumps(update)))
    assert net.training and not net[2].bias.requires_grad


def test_a_generator_advances_on_both_sides():
    t, s = _pair()
    rng = np.random.default_rng(0)
    there = _send(rng, t, s)
    there.random(5)
    assert _send(there, s, t) is rng
    assert rng.random() == np.random.default_rng(0).random(6)[-1]


def test_student_objects_become_references_and_trusted_ones_are_refused():
    t, s = _pair()

    class Mine:
        pass

    obj = Mine()
    assert _send(obj, s, t) == ("remote", id(obj))
    assert _send(lambda: 1, s, t)[0] == "remote"
    with pytest.raises(WireError, match="cannot send"):
        t.encode(iter([1]))

    class Block(nn.Module):  # a module class the student wrote: never rebuilt on the other side
        def forward(self, x):
            return x

    assert _send(nn.Sequential(Block()), s, t)[0] == "remote"


_CELL = """
import numpy as np
_w = np.arange(6.0).reshape(2, 3)
def helper(t):
    return t + 1
def layer(t, scale=2.0, *, shift=0.0):
    return scale * (_w @ helper(t)) + shift + sum(v for v in [0.0])
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
def outer(k):
    def inner(t):
        return t * k
    return inner
"""


def test_trusted_functions_cross_as_code_and_run_on_the_student_side():
    import functools

    t, s = _pair()
    ns: dict = {"__name__": "__main__"}
    exec(compile(_CELL, "<cell>", "exec"), ns)
    x = np.ones((3, 2))
    layer = _send(ns["layer"], t, s)
    assert layer.__code__.co_filename == s.code_filename  # the guard counts it as the instructor's
    assert np.array_equal(layer(x), ns["layer"](x)) and layer(x, 1.0, shift=3.0)[0, 0] == 9.0
    assert _send(ns["fact"], t, s)(5) == 120  # a function naming itself
    assert _send(ns["outer"](3.0), t, s)(2.0) == 6.0  # a closure
    assert _send(np.zeros_like, t, s) is np.zeros_like and _send(np.exp, t, s) is np.exp
    assert _send(torch.relu, t, s) is torch.relu and _send(np, t, s) is np
    part = _send(functools.partial(ns["layer"], scale=0.5), t, s)
    assert np.array_equal(part(x), ns["layer"](x, scale=0.5))
    for kind in ("func", "named", "mod", "partial"):  # the trusted side never runs sent code
        with pytest.raises(WireError, match="code does not cross"):
            t.decode({"$": kind, "name": "os", "mod": "os"})


@pytest.mark.parametrize(
    "tree",
    [
        {
            "$": "module",
            "cls": "os:system",
            "training": True,
            "attrs": {},
            "params": {},
            "buffers": {},
            "children": {},
            "tag": "s1",
        },
        {
            "$": "module",
            "cls": "torch.nn.modules.linear:Linear",
            "training": True,
            "attrs": {"__class__": 1},
            "params": {},
            "buffers": {},
            "children": {},
            "tag": "s2",
        },
        {"$": "rng", "bg": "Evil", "state": None, "tag": "s3"},
        {"$": "pickle", "v": "x"},
        ["not", "tagged"],
    ],
)
def test_malformed_or_hostile_messages_are_refused(tree):
    t, _ = _pair()
    with pytest.raises((WireError, ValueError)):
        t.decode(tree)


def test_nan_literals_are_refused_on_the_wire():
    with pytest.raises(WireError):
        loads('{"$": "float", "v": NaN}')


@pytest.fixture(scope="module")
def student_kernel():
    """A real ipykernel standing in for the student's, with answers defined in it."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    code = (
        "import numpy as np\n"
        "def corr2d(x, k):\n"
        "    print('debug line')\n"
        "    kh, kw = k.shape\n"
        "    return np.array([[np.sum(x[i:i+kh, j:j+kw] * k) for j in range(x.shape[1]-kw+1)]"
        " for i in range(x.shape[0]-kh+1)])\n"
        "def zap(x):\n"
        "    x[...] = 0\n"
        "    return x\n"
        "def check(n):\n"
        "    if n < 0:\n"
        "        raise ValueError('n must be >= 0')\n"
        "    return n\n"
        "def flip(x, p, rng):\n"
        "    return x[..., ::-1].copy() if rng.random() < p else x.copy()\n"
        "class Counter:\n"
        "    def __init__(self):\n"
        "        self.n = 0\n"
        "    def step(self):\n"
        "        self.n += 1\n"
        "        return self\n"
        "answer = 42\n"
        "import torch\n"
        "class Lin(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layer = torch.nn.Linear(3, 2)\n"
        "    def forward(self, x):\n"
        "        return self.layer(x)\n"
        "class Pair(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a = torch.nn.Linear(3, 2)\n"
        "        self.b = torch.nn.Linear(3, 2)\n"
        "    def forward(self, x):\n"
        "        return self.a(x) + self.b(x)\n"
        "def threads():\n"
        "    return torch.get_num_threads()\n"
        "class Drop(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layer = torch.nn.Linear(3, 8)\n"
        "        self.drop = torch.nn.Dropout(0.5)\n"
        "    def forward(self, x):\n"
        "        return self.drop(self.layer(x))\n"
        "model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.5))\n"
        "def predict(x):\n"
        "    return model(x)\n"
    )
    kc.execute_interactive(code, timeout=60)
    from autograder import trusted

    info = dict(km.get_connection_info(session=False))
    info["key"] = info["key"].decode()
    trusted.connect(info)  # here: each test may run in another xdist worker
    try:
        yield km
    finally:
        trusted.release()
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_trusted_link_calls_the_students_code_by_value(student_kernel, capsys):
    from autograder import trusted

    ns: dict = {}
    trusted.bind(["corr2d", "zap", "check", "flip", "Counter", "answer", "nothing", "Lin"], ns)
    assert ns["answer"] == 42 and "nothing" not in ns
    x, k = np.arange(9.0).reshape(3, 3), np.array([[0.0, 1.0], [2.0, 3.0]])
    assert np.array_equal(ns["corr2d"](x, k), [[19.0, 25.0], [37.0, 43.0]])
    assert "debug line" in capsys.readouterr().out  # the student's print reaches the test's output
    with pytest.raises(ValueError, match="n must be >= 0"):
        ns["check"](-1)
    y = np.ones(3)
    with pytest.raises(trusted.InputModifiedError, match="student code in zap changed its argument x in place"):
        ns["zap"](y)
    assert np.array_equal(y, np.ones(3))  # the trusted copy never changes
    rng = np.random.default_rng(5)
    flips = sum(np.array_equal(ns["flip"](x, 0.5, rng), x[:, ::-1]) for _ in range(40))
    ref = np.random.default_rng(5)
    assert flips == sum(ref.random() < 0.5 for _ in range(40))  # the generator advanced here
    c = ns["Counter"]()
    assert c.step() is c and c.step().n == 2


def test_remote_modules_follow_the_tests_grad_mode_and_in_place_changes(student_kernel):
    from autograder import trusted

    ns: dict = {}
    trusted.bind(["Lin"], ns)
    m = ns["Lin"]()
    assert isinstance(m, nn.Module)  # a remote instance of the student's class passes isinstance
    x = torch.ones(4, 3)
    assert m(x).requires_grad
    with torch.no_grad():
        assert not m(x).requires_grad
        layer = m.layer  # torch's own Linear: a copy, kept in step with the student's
        layer.weight.zero_()
        layer.bias.fill_(0.5)
        assert torch.equal(m(x), torch.full((4, 2), 0.5))  # the change reached the student's kernel
    assert sum(p.numel() for p in m.parameters()) == 8
    del layer  # from now on each `m.layer` is a temporary copy, gone after its statement
    import gc

    gc.collect()
    with torch.no_grad():  # changed in place: the change still reaches the student's kernel
        m.layer.weight.fill_(1.0)
        gc.collect()
        m.layer.bias.zero_()
        gc.collect()
        assert torch.equal(m(x), torch.full((4, 2), 3.0))
    ns2: dict = {}
    trusted.bind(["Pair"], ns2)
    pair = ns2["Pair"]()
    with torch.no_grad():  # copies taken by two requests, changed, then dropped together
        for lin in (pair.a, pair.b):
            lin.weight.zero_()
            lin.bias.fill_(1.0)
        del lin
        gc.collect()
        assert torch.equal(pair(x), torch.full((4, 2), 2.0))


def test_the_tests_thread_count_holds_for_the_call(student_kernel):
    from autograder import trusted

    ns: dict = {}
    trusted.bind(["threads"], ns)
    saved = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert ns["threads"]() == 1
    finally:
        torch.set_num_threads(saved)
    assert ns["threads"]() == saved


def test_global_generators_are_shared_with_the_students_kernel(student_kernel):
    """torch.manual_seed in a test seeds the student's code, and every call draws new numbers."""
    from autograder import trusted

    info_ns: dict = {}
    code = "def draw():\n    return float(torch.rand(1)), float(np.random.rand())\n"
    from jupyter_client import BlockingKernelClient

    trusted.release()  # the end of a test cell: the student's kernel leaves the request loop
    kc = BlockingKernelClient()
    kc.load_connection_info(student_kernel.get_connection_info())
    kc.start_channels()
    try:
        kc.execute_interactive(code, timeout=60)  # would wait behind a running loop
    finally:
        kc.stop_channels()
    trusted.bind(["draw"], info_ns)
    torch.manual_seed(3)
    np.random.seed(4)
    first, second = info_ns["draw"](), info_ns["draw"]()
    torch.manual_seed(3)
    np.random.seed(4)
    expected = [(float(torch.rand(1)), float(np.random.rand())) for _ in range(2)]
    assert [first, second] == expected


def test_a_tests_eval_reaches_the_students_model(student_kernel):
    """A test that switches a copy of a student's model to eval mode (or sets a dropout's ``p``)
    changes the student's own object too: a student function that uses its global model, or the
    student's class that holds the layer, then computes in that mode."""
    from autograder import trusted

    ns: dict = {}
    trusted.bind(["Drop", "model", "predict"], ns)
    x = torch.ones(256, 3)
    with torch.no_grad():
        remote = ns["Drop"]()
        remote.drop.eval()  # a temporary copy of torch's Dropout, changed and dropped at once
        assert torch.equal(remote(x), remote(x)), "dropout is off in the student's kernel"
        remote.drop.train()
        remote.drop.p = 0.0
        assert torch.equal(remote(x), remote(x)), "p = 0 reached the student's layer"
        model = ns["model"]  # the student's global model, a copy here
        assert model.training
        a, b = ns["predict"](x), ns["predict"](x)
        assert not torch.equal(a, b), "in training mode dropout draws a new mask each call"
        model.eval()
        assert torch.equal(ns["predict"](x), model(x)), "predict() used the model in eval mode"
    trusted.bind(["model"], ns)  # the next test cell's binding reads the student's model again
    assert ns["model"] is model and not model.training, "and finds it as the test left it"
