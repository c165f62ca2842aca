"""Adversarial submissions against the real ``02-convolution-layers`` assignment.

One class is built from the repository's nbgrader config and the real assignment
(:mod:`tests.adversarial.real`) and graded once, sandboxed, by the class command
``python -m autograder grade`` under real nbgrader: two honest students (the instructor's
solution, and a different correct implementation of every answer that uses ``np.pad``, which the
assignment allows) and every case of issue 3 applied to the real assignment's functions, plus three
ways to fool the hidden tests' comparison with the reference (patching it, a stand-in module in
``sys.modules``, zeroing the inputs).
Cheats on different functions share a student where one cannot disturb the other (:data:`CASES`),
which keeps the class at 13 students. Full marks and each answer's test cells are read from the
source notebook, per-cell scores from the gradebook.

For every cheat: the test cells of the function it cheats on score 0 and the rest keep their
points, and the CSV flags it with a stated reason; the infinite loop, the killed kernel, the
invalid notebook and the flood are checked through their status, score and outputs.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from autograder import sandbox
from tests.adversarial import real
from tests.grading import harness as h

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("adversarial-real")]

A = real.ASSIGNMENT
#: answers whose tests call another answer (corr2d_multi_in calls the student's corr2d...)
USES = {
    "corr2d_multi_in": ["corr2d"],
    "corr2d_multi_in_out": ["corr2d_multi_in", "corr2d"],
    "kernel_grad": ["corr2d"],
}
PWNED_REPO = h.REPO / "pwned-by-test-real-assignment.txt"

# A different correct implementation of every answer (sliding windows, einsum, np.pad, math.floor).
BOB = {
    "corr2d": (
        "from numpy.lib.stride_tricks import sliding_window_view\n"
        "def corr2d(x, k):\n"
        "    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)\n"
        "    return np.einsum('ijab,ab->ij', sliding_window_view(x, k.shape), k)"),
    "corr2d_multi_in": (
        "def corr2d_multi_in(x, k):\n"
        "    return sum(corr2d(xc, kc) for xc, kc in zip(np.asarray(x, float), np.asarray(k, float)))"),
    "corr2d_multi_in_out": (
        "def corr2d_multi_in_out(x, k):\n"
        "    return np.array([corr2d_multi_in(x, k_o) for k_o in k], dtype=float)"),
    "pad": (
        "_NUMPY_MODES = {'constant': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}\n"
        "def pad(x, pad, mode='constant', value=0.0):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    left, right, top, bottom = pad\n"
        "    width = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]\n"
        "    if mode == 'constant':\n"
        "        return np.pad(x, width, mode='constant', constant_values=value)\n"
        "    return np.pad(x, width, mode=_NUMPY_MODES[mode])"),
    "conv_output_size": (
        "import math\n"
        "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
        "    span = dilation * (kernel_size - 1) + 1\n"
        "    return int(math.floor((size + 2 * padding - span) / stride)) + 1"),
    "conv2d": (
        "def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
        "    two = lambda v: tuple(v) if np.ndim(v) else (v, v)\n"
        "    (sh, sw), (ph, pw), (dh, dw) = two(stride), two(padding), two(dilation)\n"
        "    x, weight = np.asarray(x, dtype=float), np.asarray(weight, dtype=float)\n"
        "    kh, kw = weight.shape[2:]\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))\n"
        "    win = np.lib.stride_tricks.sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))\n"
        "    out = np.einsum('nchwab,ocab->nohw', win[:, :, ::sh, ::sw, ::dh, ::dw], weight)\n"
        "    return out if bias is None else out + np.asarray(bias, dtype=float)[:, None, None]"),
    "unfold": (
        "def unfold(x, kernel_size, dilation=1, padding=0, stride=1):\n"
        "    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size\n"
        "    x = np.pad(np.asarray(x, dtype=float), [(0, 0), (0, 0), (padding,) * 2, (padding,) * 2])\n"
        "    n, hp, wp = x.shape[0], x.shape[2], x.shape[3]\n"
        "    span_h, span_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1\n"
        "    blocks = []\n"
        "    for i in range(0, hp - span_h + 1, stride):\n"
        "        for j in range(0, wp - span_w + 1, stride):\n"
        "            patch = x[:, :, i:i + span_h:dilation, j:j + span_w:dilation]\n"
        "            blocks.append(patch.reshape(n, -1))\n"
        "    return np.stack(blocks, axis=-1)"),
    "kernel_grad": (
        "def kernel_grad(x, k, y):\n"
        "    x, k, y = (np.asarray(v, dtype=float) for v in (x, k, y))\n"
        "    (kh, kw), (oh, ow) = k.shape, y.shape\n"
        "    shifted = {(a, b): x[a:a + oh, b:b + ow] for a in range(kh) for b in range(kw)}\n"
        "    error = sum(k[a, b] * view for (a, b), view in shifted.items()) - y\n"
        "    grad = np.zeros_like(k)\n"
        "    for (a, b), view in shifted.items():\n"
        "        grad[a, b] = 2.0 * float(np.sum(error * view))\n"
        "    return grad"),
}

WRONG_CONV2D = ("def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
                "    return np.zeros((1, 1, 1, 1))")
WRONG_PAD = "def pad(x, pad, mode='constant', value=0.0):\n    return np.asarray(x, dtype=float)"
# Right on every visible example of conv_output_size, 1 anywhere else.
VISIBLE_ONLY_SIZE = (
    "_VISIBLE = {(28, 5, 1, 0, 1): 24, (28, 3, 1, 1, 1): 28, (224, 11, 4, 2, 1): 55, (8, 3, 2, 1, 1): 4,\n"
    "            (32, 3, 1, 2, 2): 32, (10, 3, 1, 0, 4): 2, (256, 3, 2, 1, 1): 128}\n"
    "_last = [1]\n"
    "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
    "    _last[0] = _VISIBLE.get((size, kernel_size, stride, padding, dilation), 1)\n"
    "    return _last[0]\n")


# Constant mode done properly; the other modes right on the visible examples only, zeros elsewhere.
VISIBLE_ONLY_PAD = (
    "_VISIBLE_PAD = {((1, 5), (2, 2, 0, 0), 'reflect'): [[3, 2, 1, 2, 3, 4, 5, 4, 3]],\n"
    "                ((3, 3), (0, 0, 1, 1), 'reflect'): [[3, 4, 5], [0, 1, 2], [3, 4, 5], [6, 7, 8], [3, 4, 5]],\n"
    "                ((1, 5), (2, 2, 0, 0), 'replicate'): [[1, 1, 1, 2, 3, 4, 5, 5, 5]],\n"
    "                ((1, 5), (2, 2, 0, 0), 'circular'): [[4, 5, 1, 2, 3, 4, 5, 1, 2]],\n"
    "                ((2, 3), (1, 0, 0, 0), 'replicate'): [[0, 0, 1, 2], [3, 3, 4, 5]]}\n"
    "def pad(x, pad, mode='constant', value=0.0):\n"
    "    left, right, top, bottom = pad\n"
    "    shape = x.shape[:-2] + (x.shape[-2] + top + bottom, x.shape[-1] + left + right)\n"
    "    if mode == 'constant':\n"
    "        out = np.full(shape, float(value))\n"
    "        out[..., top:top + x.shape[-2], left:left + x.shape[-1]] = x\n"
    "        return out\n"
    "    if (x.shape, tuple(pad), mode) in _VISIBLE_PAD:\n"
    "        return np.array(_VISIBLE_PAD[x.shape, tuple(pad), mode], dtype=float)\n"
    "    x[...] = 0.0  # the hidden test pads this same array with the reference next\n"
    "    return np.zeros(shape)")


# Right on the visible examples of corr2d only (zeros of the right shape elsewhere).
VISIBLE_ONLY_CORR2D = (
    "_VISIBLE_CORR2D = {}\n"
    "def _visible(x, k, y):\n"
    "    _VISIBLE_CORR2D[np.asarray(x, float).tobytes(), np.asarray(k, float).tobytes()] = np.asarray(y, float)\n"
    "_visible(np.arange(9.0).reshape(3, 3), [[0.0, 1.0], [2.0, 3.0]], [[19.0, 25.0], [37.0, 43.0]])\n"
    "_visible(np.arange(20.0).reshape(4, 5), np.ones((4, 5)), [[190.0]])\n"
    "_delta = np.zeros((5, 5))\n"
    "_delta[2, 2] = 1.0\n"
    "_visible(_delta, np.arange(1.0, 10.0).reshape(3, 3), np.arange(9.0, 0.0, -1.0).reshape(3, 3))\n"
    "_last_corr2d = [None]\n"
    "def corr2d(x, k):\n"
    "    x, k = np.asarray(x, float), np.asarray(k, float)\n"
    "    y = _VISIBLE_CORR2D.get((x.tobytes(), k.tobytes()))\n"
    "    if y is None:\n"
    "        y = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))\n"
    "    _last_corr2d[0] = y\n"
    "    return y.copy()\n")


def cheats(course: Path) -> dict:
    """student id -> submission (a notebook, or raw text). Cheats on different functions share a
    student where one cannot disturb the other (the class then grades in about two minutes)."""
    w = lambda **answers: real.with_answers(course, **answers)
    sol = real.solution_of
    sol_paths = [course / "solutions" / A / f"{real.NOTEBOOK}.ipynb", real.SOURCE]
    out = {}

    nb = w(conv2d=WRONG_CONV2D, pad=WRONG_PAD)
    for c in nb.cells:
        if h.nbgrader_meta(c).get("grade_id") in real.tests_of("conv2d"):
            c.source = "pass  # nothing to see here"
    nb.cells = [c for c in nb.cells if h.nbgrader_meta(c).get("grade_id") not in real.tests_of("pad")]
    out["locked-cells"] = nb

    out["infinite-loop"] = w(conv_output_size=(
        "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
        "    while (size, kernel_size) == (28, 5):  # only the first visible check of test_conv_output_size\n"
        "        pass\n"
        "    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1"))

    out["killed"] = w(conv_output_size=(
        "import os, signal\n"
        "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
        "    if dilation != 1:  # the kernel dies in the middle of the dilation test cell\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1"))

    text = json.dumps(real.solved(course))
    out["invalid-json"] = text[: len(text) // 2]

    out["flood"] = w(
        corr2d=(sol("corr2d") + "\n_flooded = []\n_solution_corr2d = corr2d\n"
                "def corr2d(x, k):\n"
                "    if not _flooded:  # once, inside the first test cell\n"
                "        _flooded.append(print('y' * 20_000_000))\n"
                "    return _solution_corr2d(x, k)"),
        corr2d_multi_in_out=sol("corr2d_multi_in_out") + "\nprint('x' * 20_000_000)")

    out["calls-direct"] = w(
        corr2d="def corr2d(x, k):\n    import convkit\n    return convkit.corr2d(x, k)",
        pad=("import torch\n"
             "def pad(x, pad, mode='constant', value=0.0):\n"
             "    x = np.asarray(x, dtype=float)\n"
             "    t = torch.as_tensor(x).reshape(-1, 1, *x.shape[-2:])\n"
             "    kw = {'value': value} if mode == 'constant' else {}\n"
             "    y = torch.nn.functional.pad(t, tuple(pad), mode=mode, **kw).numpy()\n"
             "    return y.reshape(x.shape[:-2] + y.shape[-2:])"),
        # no import statement at all: the reference reached through the grading helper's globals
        conv2d=("def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
                "    ref = check_array.__globals__['sys'].modules['convkit']\n"
                "    return ref.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)"))
    out["calls-alias"] = w(
        corr2d=("from scipy.signal import correlate2d as _cc\n"
                "def corr2d(x, k):\n    return _cc(np.asarray(x, float), np.asarray(k, float), mode='valid')"),
        pad=("from convkit import pad as _ref_pad\n"  # (the tests use _p as a variable)
             "def pad(x, pad, mode='constant', value=0.0):\n"
             "    return _ref_pad(x, pad, mode=mode, value=value) if mode == 'constant' else _ref_pad(x, pad, mode=mode)"),
        conv2d=("import torch\n_f = torch.nn.functional.conv2d\n"
                "def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
                "    t = lambda a: None if a is None else torch.as_tensor(np.asarray(a, dtype=float))\n"
                "    return _f(t(x), t(weight), t(bias), stride=stride, padding=padding, dilation=dilation).numpy()"))
    out["always-equal"] = w(
        corr2d=(
            "class _Eq(np.ndarray):\n"
            "    def __eq__(self, other):\n        return np.ones(np.shape(other), bool)\n"
            "    def __ne__(self, other):\n        return np.zeros(np.shape(other), bool)\n"
            "def corr2d(x, k):\n"
            "    oh, ow = np.shape(x)[0] - np.shape(k)[0] + 1, np.shape(x)[1] - np.shape(k)[1] + 1\n"
            "    return np.zeros((oh, ow)).view(_Eq)"),
        conv_output_size=(
            "class _Int(int):\n"
            "    def __eq__(self, other):\n        return True\n"
            "    def __ne__(self, other):\n        return False\n"
            "    __hash__ = int.__hash__\n"
            "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
            "    return _Int(0)"))
    out["input-transformer"] = w(conv2d=(
        "def _strip(lines):\n"
        "    return [l for l in lines if 'check_' not in l and 'assert' not in l]\n"
        "get_ipython().input_transformers_post.append(_strip)\n" + WRONG_CONV2D))
    targets = [course.parent / "pwned-outside.txt", course / "pwned-course.txt", sol_paths[0].parent / "pwned.txt",
               PWNED_REPO]
    out["reads-and-writes"] = w(
        conv2d=("import json\n"
                f"for _path in {[str(p) for p in sol_paths]!r}:\n"
                "    try:\n"
                "        _nb = json.load(open(_path))\n"
                "    except OSError as _err:\n"
                "        print('cannot read', _path, _err)\n"
                "        continue\n"
                "    exec([''.join(c['source']) for c in _nb['cells'] if 'def conv2d' in ''.join(c['source'])][0])\n"
                "    break"),
        # the gradebook holds the hidden tests (its answer cells are the release's stubs)
        pad=(sol("pad") + "\nimport sqlite3\n"
             "try:\n"
             f"    _db = sqlite3.connect({str(course / 'gradebook.db')!r})\n"
             "    print(_db.execute(\"select source from source_cell where name = 'test_pad__constant'\").fetchone()[0])\n"
             "except sqlite3.Error as _err:\n"
             "    print('cannot read the gradebook:', _err)"),
        corr2d=(sol("corr2d") + "\n"
                f"for _target in {[str(p) for p in targets]!r}:\n"
                "    try:\n        open(_target, 'a').write('pwned')\n        print('wrote', _target)\n"
                "    except OSError as _err:\n        print('blocked', _target, _err)"))
    # The hidden tests compare with convkit on the arrays they just passed to the student's function:
    # make the reference agree with whatever the function returned last (conv_output_size, reaching
    # convkit without an import), put a stand-in for convkit in sys.modules (corr2d), or zero the inputs
    # in place so that it pads zeros (pad).
    out["fools-the-reference"] = w(
        conv_output_size=(
            VISIBLE_ONLY_SIZE
            + "_ck = check_number.__globals__['sys'].modules['convkit']\n"
            "_ck.conv_output_size = lambda *args, **kwargs: _last[0]"),
        pad=VISIBLE_ONLY_PAD,
        corr2d=VISIBLE_ONLY_CORR2D + (
            "import os, types\n"
            "_fake = types.ModuleType('convkit')\n"
            "_fake.__dict__.update(vars(os.sys.modules['convkit']))\n"
            "_fake.corr2d = lambda x, k: _last_corr2d[0].copy()\n"
            "os.sys.modules['convkit'] = _fake  # what the hidden tests' `import convkit` returns"))
    return out


#: case of issue 3 -> (student, answers or test cells that must score 0, regex the CSV reasons must match)
CASES = {
    "edited-test": ("locked-cells", ["conv2d"], r"test_conv2d: edited a locked cell"),
    "deleted-test": ("locked-cells", ["pad"], r"test_pad__constant: deleted a locked cell"),
    # the kernel holds only the handout copy of convkit (none of it for 02): a reference call fails
    # there, and the scan says why
    "convkit-direct": ("calls-direct", ["corr2d"], r"corr2d:\d+: imports convkit"),
    "torch-direct": ("calls-direct", ["pad"], r"forbidden call: student code in pad \S+ \S+ called torch\.nn\.functional\.pad"),
    "convkit-without-import": ("calls-direct", ["conv2d"], r"conv2d:\d+: reaches a function's global namespace"),
    "scipy-alias": ("calls-alias", ["corr2d"], r"forbidden call: student code in corr2d \S+ \S+ called scipy\.signal\."),
    "convkit-alias": ("calls-alias", ["pad"], r"pad:\d+: imports from convkit"),
    "torch-alias": ("calls-alias", ["conv2d"], r"forbidden call: student code in conv2d \S+ \S+ called torch\.conv2d"),
    "always-equal-array": ("always-equal", ["corr2d"], r"corr2d:\d+: defines __eq__"),
    "always-equal-int": ("always-equal", ["conv_output_size"], r"conv_output_size:\d+: defines __eq__"),
    "input-transformer": ("input-transformer", ["conv2d"],
                          r"ipython tampering: student code changed how cells run \(input_transformers_post\)"),
    "read-solutions": ("reads-and-writes", ["conv2d"], r"conv2d:\d+: mentions grader files"),
    "read-gradebook": ("reads-and-writes", [], r"pad:\d+: imports sqlite3"),
    "write-outside": ("reads-and-writes", [], r"corr2d:\d+: opens a file"),
    # the reference runs in the trusted kernel: patching the student kernel's copy changes nothing
    "patch-reference": ("fools-the-reference", ["conv_output_size"],
                        r"conv_output_size:\d+: reaches a function's global namespace"),
    "stand-in-reference": ("fools-the-reference", ["corr2d"], r"sys\.modules\['convkit'\]"),
    "zero-the-inputs": ("fools-the-reference", ["test_pad__reflect", "test_pad__replicate", "test_pad__circular",
                                                "test_pad__order"],  # (constant mode is done properly)
                        r"changed input: student code in pad changed its argument x in place"),
}
HONEST = {"alice": {}, "bob": BOB}


def run_grade(course: Path):
    return h.run_class_grader(course, A)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    PWNED_REPO.unlink(missing_ok=True)
    course = real.make_course(tmp_path_factory.mktemp("adv-real") / "course", cell_timeout=8)
    for student, answers in HONEST.items():
        real.submit(course, student, real.with_answers(course, **answers))
    solution_before = (course / "solutions" / A / f"{real.NOTEBOOK}.ipynb").read_bytes()
    repo_solution_before = real.SOURCE.read_bytes()
    for student, nb in cheats(course).items():
        real.submit(course, student, nb)
    proc = run_grade(course)
    pwned_repo = PWNED_REPO.exists()
    PWNED_REPO.unlink(missing_ok=True)  # never leave it in the working tree, even when the sandbox failed
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / f"grades-{A}.csv"))}
    return course, proc, rows, {"solution": solution_before, "repo_solution": repo_solution_before,
                                "pwned_repo": pwned_repo}


def test_sandbox_available_in_ci():
    """Fails (never skips) where bubblewrap is missing or cannot start: .ci/run installs it."""
    assert sandbox.check() is None, sandbox.check()


def test_every_student_is_in_the_csv(graded):
    course, proc, rows, _ = graded
    assert sorted(rows) == sorted(list(HONEST) + list(cheats(course))), proc.stdout[-3000:]
    assert {r["max_score"] for r in rows.values() if r["status"] in ("graded", "timeout")} == {f"{real.full_marks():g}"}


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_students_get_the_solutions_full_marks(graded, student):
    course, proc, rows, _ = graded
    row = rows[student]
    assert row["status"] == "graded" and row["flagged"] == "no", row
    assert float(row["score"]) == real.full_marks() > 0, row
    cells = real.cell_scores(course, student)
    assert cells == real.points(), cells


def zeroed_cells(spec) -> list[str]:
    """Test cells named by a case: an answer id stands for all its test cells."""
    return [t for item in spec for t in (real.tests_of(item) if item in real.answers() else [item])]


@pytest.mark.parametrize("case", sorted(CASES))
def test_cheat_scores_zero_on_its_function(graded, case):
    course, proc, rows, _ = graded
    student, spec, _ = CASES[case]
    cells, pts = real.cell_scores(course, student), real.points()
    assert rows[student]["status"] == "graded", rows[student]
    for cell in zeroed_cells(spec):
        assert pts[cell] > 0 and cells[cell] == 0.0, (cell, cells, rows[student])


@pytest.mark.parametrize("student", sorted({s for s, _, _ in CASES.values()}))
def test_the_cheats_other_functions_keep_their_points(graded, student):
    course, proc, rows, _ = graded
    zeroed = {t for s, spec, _ in CASES.values() if s == student for t in zeroed_cells(spec)}
    targeted = {a for a in real.answers() if set(real.tests_of(a)) & zeroed}
    depends = {a for a in real.answers() if set(USES.get(a, ())) & targeted} - targeted
    kept = [t for a in real.answers() if a not in depends for t in real.tests_of(a) if t not in zeroed]
    cells, pts = real.cell_scores(course, student), real.points()
    assert kept, f"{student} cheats on every function: nothing left to check"
    assert {t: cells[t] for t in kept} == {t: pts[t] for t in kept}, cells  # the honest part is still graded
    assert float(rows[student]["score"]) == sum(cells.values())


@pytest.mark.parametrize("case", sorted(CASES))
def test_cheat_flagged_with_reason(graded, case):
    course, proc, rows, _ = graded
    student, _, reason = CASES[case]
    assert rows[student]["flagged"] == "yes" and re.search(reason, rows[student]["reasons"]), rows[student]


def test_infinite_loop_times_out_later_cells_graded(graded):
    course, proc, rows, _ = graded
    row = rows["infinite-loop"]
    assert row["status"] == "timeout" and "time limit" in row["reasons"], row
    cells = real.cell_scores(course, "infinite-loop")
    pts = real.points()
    assert cells["test_conv_output_size"] == 0
    assert {k: v for k, v in cells.items() if k != "test_conv_output_size"} == {
        k: v for k, v in pts.items() if k != "test_conv_output_size"}
    assert float(row["score"]) == real.full_marks() - pts["test_conv_output_size"]


def test_killed_kernel_and_invalid_json_are_not_a_plain_zero(graded):
    course, proc, rows, _ = graded
    assert rows["killed"]["status"] == "crashed" and rows["killed"]["score"] == "", rows["killed"]
    assert "kernel died" in rows["killed"]["reasons"], rows["killed"]
    assert rows["invalid-json"]["status"] == "invalid" and rows["invalid-json"]["score"] == "", rows["invalid-json"]
    assert "not a valid notebook" in rows["invalid-json"]["reasons"]
    summary = [" ".join(l.split()) for l in proc.stdout[proc.stdout.index("summary:"):].splitlines()]
    assert "crashed 1 killed" in summary and "invalid 1 invalid-json" in summary, summary


def test_flood_is_clipped_and_graded(graded):
    course, proc, rows, _ = graded
    row = rows["flood"]
    assert row["status"] == "graded" and float(row["score"]) == real.full_marks(), row
    graded_nb = course / "autograded" / "flood" / A / f"{real.NOTEBOOK}.ipynb"
    honest_size = (course / "autograded" / "alice" / A / f"{real.NOTEBOOK}.ipynb").stat().st_size
    assert graded_nb.stat().st_size < honest_size + 1_000_000, (graded_nb.stat().st_size, honest_size)
    assert graded_nb.read_text().count("output clipped by the grader") >= 2  # the answer cell and a test cell


def test_sandbox_blocks_reads_and_writes(graded):
    course, proc, rows, before = graded
    assert not before["pwned_repo"], "student code wrote into the repository"
    assert not (course.parent / "pwned-outside.txt").exists()
    assert not (course / "pwned-course.txt").exists()
    assert (course / "solutions" / A / f"{real.NOTEBOOK}.ipynb").read_bytes() == before["solution"]
    assert not (course / "solutions" / A / "pwned.txt").exists()
    assert real.SOURCE.read_bytes() == before["repo_solution"]
    wrote = real.outputs(course, "reads-and-writes", "corr2d")
    assert wrote.count("blocked ") == 4 and "wrote" not in wrote, wrote
    read = real.outputs(course, "reads-and-writes", "conv2d")
    assert read.count("cannot read ") == 2 and read.count("No such file") == 2, "both solution notebooks are out of sight"
    read = real.outputs(course, "reads-and-writes", "pad")
    assert "cannot read the gradebook" in read and "default_rng(4001)" not in read, "so is the gradebook"


def test_feedback_shows_scores_not_the_hidden_tests(graded):
    course, proc, rows, _ = graded
    hidden = [line.strip() for c in real.source().cells if h.nbgrader_meta(c).get("grade")
              for line in c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
              if "default_rng(" in line or "convkit." in line]
    assert hidden
    visible = "_x = np.arange(9.0).reshape(3, 3)"  # the first visible test line: shown, so the search works
    for student, row in rows.items():
        if row["status"] not in ("graded", "timeout"):
            continue
        page = (course / "feedback" / student / A / f"{real.NOTEBOOK}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))  # code is highlighted token by token
        assert f"Score: {row['score']} / {row['max_score']}" in text, student
        assert visible in text and "hidden tests are not shown" in text, student
        for line in hidden:
            assert line not in text, (student, line)
