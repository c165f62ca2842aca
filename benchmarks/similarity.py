"""Scores and speed of the class grader's similarity check (:mod:`autograder.similarity`).

Part 1 prints the score (fraction of the student's cell covered by matches) of, for the answer
cells of ``02-convolution-layers``:

1. the instructor's solution against the convkit reference (and against the solution cell),
2. honest answers written differently (einsum, loops, sliding_window_view, np.pad),
3. convkit's own code pasted with every local name renamed (and the reference's core without its
   argument checks),

with the verdict under the default :class:`autograder.similarity.Thresholds`.

Part 2 times :func:`autograder.similarity.check` on a synthetic class: ``--students`` (300)
submissions of the assignment's 6 answer cells, each a variant of one of a few honest answers with
renamed variables, reordered statements, added comments and prints, plus a few pasted references
and pairs sharing an answer.

    .venv/bin/python benchmarks/similarity.py [--students 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder import similarity as S  # noqa: E402

A = "02-convolution-layers"

#: honest answers written differently from the reference and from the solution
HONEST = {
    "corr2d": {
        "einsum+sliding_window_view": (
            "from numpy.lib.stride_tricks import sliding_window_view\n"
            "def corr2d(x, k):\n"
            "    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)\n"
            "    return np.einsum('ijab,ab->ij', sliding_window_view(x, k.shape), k)"
        ),
        "loops over outputs": (
            "def corr2d(x, k):\n"
            "    x = np.array(x, dtype=float)\n"
            "    k = np.array(k, dtype=float)\n"
            "    h = x.shape[0] - k.shape[0] + 1\n"
            "    w = x.shape[1] - k.shape[1] + 1\n"
            "    out = np.empty((h, w))\n"
            "    for i in range(h):\n"
            "        for j in range(w):\n"
            "            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)\n"
            "    return out"
        ),
        "as_strided": (
            "def corr2d(x, k):\n"
            "    x = np.ascontiguousarray(x, dtype=float)\n"
            "    k = np.asarray(k, dtype=float)\n"
            "    oh, ow = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1\n"
            "    s0, s1 = x.strides\n"
            "    win = np.lib.stride_tricks.as_strided(x, (oh, ow) + k.shape, (s0, s1, s0, s1))\n"
            "    return (win * k).sum(axis=(2, 3))"
        ),
    },
    "corr2d_multi_in": {
        "sum of generator": (
            "def corr2d_multi_in(x, k):\n"
            "    return sum(corr2d(xc, kc) for xc, kc in zip(np.asarray(x, float), "
            "np.asarray(k, float)))"
        ),
        "accumulate": (
            "def corr2d_multi_in(x, k):\n"
            "    total = 0.0\n"
            "    for channel in range(len(x)):\n"
            "        total = total + corr2d(x[channel], k[channel])  # one channel at a time\n"
            "    return np.asarray(total, dtype=float)"
        ),
    },
    "corr2d_multi_in_out": {
        "list": (
            "def corr2d_multi_in_out(x, k):\n"
            "    return np.array([corr2d_multi_in(x, k_o) for k_o in k], dtype=float)"
        ),
    },
    "pad": {
        "np.pad": (
            "_NUMPY_MODES = {'constant': 'constant', 'reflect': 'reflect', 'replicate': 'edge',\n"
            "                'circular': 'wrap'}\n"
            "def pad(x, pad, mode='constant', value=0.0):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    left, right, top, bottom = pad\n"
            "    width = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]\n"
            "    if mode == 'constant':\n"
            "        return np.pad(x, width, mode='constant', constant_values=value)\n"
            "    return np.pad(x, width, mode=_NUMPY_MODES[mode])"
        ),
        "index arrays": (
            "def pad(x, pad, mode='constant', value=0.0):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    l, r, t, b = pad\n"
            "    H, W = x.shape[-2], x.shape[-1]\n"
            "    if mode == 'constant':\n"
            "        y = np.full(x.shape[:-2] + (H + t + b, W + l + r), value, dtype=float)\n"
            "        y[..., t:t + H, l:l + W] = x\n"
            "        return y\n"
            "    def idx(n, before, after):\n"
            "        i = np.arange(-before, n + after)\n"
            "        if mode == 'replicate':\n"
            "            return np.clip(i, 0, n - 1)\n"
            "        if mode == 'circular':\n"
            "            return np.mod(i, n)\n"
            "        p = 2 * n - 2\n"
            "        i = np.mod(np.abs(i), p) if p else np.zeros_like(i)\n"
            "        return np.minimum(i, p - i)\n"
            "    return x[..., idx(H, t, b)[:, None], idx(W, l, r)[None, :]]"
        ),
    },
    "conv_output_size": {
        "math.floor": (
            "import math\n"
            "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
            "    span = dilation * (kernel_size - 1) + 1\n"
            "    return int(math.floor((size + 2 * padding - span) / stride)) + 1"
        ),
    },
    "conv2d": {
        "sliding_window_view+einsum": (
            "def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
            "    two = lambda v: tuple(v) if np.ndim(v) else (v, v)\n"
            "    (sh, sw), (ph, pw), (dh, dw) = two(stride), two(padding), two(dilation)\n"
            "    x, weight = np.asarray(x, dtype=float), np.asarray(weight, dtype=float)\n"
            "    kh, kw = weight.shape[2:]\n"
            "    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))\n"
            "    win = np.lib.stride_tricks.sliding_window_view(\n"
            "        xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))\n"
            "    out = np.einsum('nchwab,ocab->nohw', win[:, :, ::sh, ::sw, ::dh, ::dw], weight)\n"
            "    return out if bias is None else out + np.asarray(bias, dtype=float)[:, None, None]"
        ),
        "loops over positions": (
            "def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
            "    def pair(v):\n"
            "        return (v, v) if isinstance(v, int) else tuple(v)\n"
            "    sh, sw = pair(stride)\n"
            "    ph, pw = pair(padding)\n"
            "    dh, dw = pair(dilation)\n"
            "    x = np.pad(np.asarray(x, float), [(0, 0), (0, 0), (ph, ph), (pw, pw)])\n"
            "    weight = np.asarray(weight, float)\n"
            "    n, c, H, W = x.shape\n"
            "    o, _, kh, kw = weight.shape\n"
            "    oh = (H - dh * (kh - 1) - 1) // sh + 1\n"
            "    ow = (W - dw * (kw - 1) - 1) // sw + 1\n"
            "    y = np.zeros((n, o, oh, ow))\n"
            "    for i in range(oh):\n"
            "        for j in range(ow):\n"
            "            win = x[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,\n"
            "                    j * sw:j * sw + dw * (kw - 1) + 1:dw]\n"
            "            y[:, :, i, j] = np.tensordot(win, weight, axes=([1, 2, 3], [1, 2, 3]))\n"
            "    if bias is not None:\n"
            "        y += np.asarray(bias, float).reshape(1, -1, 1, 1)\n"
            "    return y"
        ),
    },
}


class _Rename(ast.NodeTransformer):
    """Every argument and local name renamed (``v0``, ``v1``...); ``keep`` names stay."""

    def __init__(self, keep: set[str], prefix: str = "v") -> None:
        self.keep = keep
        self.prefix = prefix
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name in self.keep or name in dir(__builtins__):
            return name
        return self.names.setdefault(name, f"{self.prefix}{len(self.names)}")

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if isinstance(node.ctx, ast.Store) or node.id in self.names:
            node.id = self._new(node.id)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        if node.name not in self.keep:
            node.name = self._new(node.name)
        node.returns = None
        self.generic_visit(node)
        return node


def renamed(code: str, keep: set[str], prefix: str = "v") -> str:
    """``code`` with its local names and arguments renamed, annotations and docstrings gone, and a
    comment on every other line: what a student who pastes and disguises it hands in."""
    tree = ast.parse(S.normalise(code))
    # arguments and functions first, so later uses see the new names
    r = _Rename(keep | {"np", "numpy"}, prefix)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for a in node.args.args + node.args.kwonlyargs:
                r._new(a.arg)
    tree = r.visit(tree)
    lines = ast.unparse(tree).splitlines()
    return "\n".join(f"{line}  # step {i}" if i % 2 else line for i, line in enumerate(lines))


def pasted(gid: str, refs: dict, prefix: str = "v") -> dict[str, str]:
    """grade_id's convkit reference(s), pasted and renamed; for corr2d also its core only."""
    out = {}
    for label, code in refs[gid].items():
        if label != "solution":
            out[f"pasted {label.rsplit('.', 1)[-1]}, renamed"] = renamed(code, {gid}, prefix)
    if gid == "corr2d":
        out["pasted corr2d, own checks for convkit's helpers"] = (
            "from numpy.lib.stride_tricks import sliding_window_view\n"
            "def corr2d(x, k):\n"
            "    img = np.asarray(x, dtype=float)\n"
            "    ker = np.asarray(k, dtype=float).astype(img.dtype, copy=False)\n"
            "    if img.ndim != 2 or ker.ndim != 2:\n"
            "        raise ValueError(f'x and kernel must be 2-D, got {img.shape}, {ker.shape}')\n"
            "    if ker.shape[0] > img.shape[0] or ker.shape[1] > img.shape[1]:\n"
            "        raise ValueError(f'kernel of shape {ker.shape} is larger than x of shape "
            "{img.shape}')\n"
            "    if 0 in ker.shape:\n"
            "        raise ValueError(f'kernel must not be empty, got shape {ker.shape}')\n"
            "    views = sliding_window_view(img, ker.shape)\n"
            "    return np.tensordot(views, ker, axes=([2, 3], [0, 1]))"
        )
        out["pasted core of corr2d (no checks)"] = (
            "from numpy.lib.stride_tricks import sliding_window_view\n"
            "def corr2d(x, k):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    k = np.asarray(k, dtype=float).astype(x.dtype, copy=False)\n"
            "    win = sliding_window_view(x, k.shape)\n"
            "    return np.tensordot(win, k, axes=([2, 3], [0, 1]))"
        )
    return out


def load():
    import nbformat

    refs = S.references(REPO / "solutions" / A)
    release = nbformat.read(REPO / "exercises" / A / f"{A}.ipynb", as_version=4)
    handout = S.answer_cells(release)
    source = nbformat.read(REPO / "solutions" / A / f"{A}.ipynb", as_version=4)
    solution = S.answer_cells(source)
    return refs, handout, solution


def scores(refs, handout, solution, t: S.Thresholds):
    """(grade_id, kind, label, score against convkit, score against the solution, size, flagged)
    for the three groups of answers."""
    rows = []
    for gid in sorted(refs):
        cases = [("1 solution", "instructor's solution", solution[gid])]
        cases += [("2 honest", name, code) for name, code in HONEST.get(gid, {}).items()]
        cases += [("3 pasted", name, code) for name, code in pasted(gid, refs).items()]
        for kind, name, code in cases:
            student = {"s": {gid: code}}
            ref_only = {gid: {k: v for k, v in refs[gid].items() if k != "solution"}}
            sol_only = {gid: {"solution": refs[gid]["solution"]}}
            loose = S.Thresholds(
                noise=t.noise, reference=1e-9, solution=1e-9, pair=t.pair, min_chars=0
            )  # report every score
            r1 = S.check(A, student, ref_only, handout, loose)
            r2 = S.check(A, student, sol_only, handout, loose)
            size = S.Fingerprint(
                S.normalise(code),
                t.noise,
                S.Fingerprint(S.normalise(handout[gid]), t.noise).all_hashes,
            ).size
            flagged = bool(S.check(A, student, refs, handout, t).matches)
            best1 = max((m.score for m in r1.matches), default=0.0)
            best2 = max((m.score for m in r2.matches), default=0.0)
            rows.append((gid, kind, name, best1, best2, size, flagged))
    return rows


def _own_touches(code: str, rng: random.Random) -> str:
    """A student's own statements between the lines (checks, prints, intermediate names): honest
    answers of one idea differ by such things even when their names do not count."""
    out = []
    for line in code.splitlines():
        out.append(line)
        indent = line[: len(line) - len(line.lstrip())]
        if line.rstrip().endswith(":"):
            indent += "    "
        if line.lstrip().startswith("return"):
            continue
        if rng.random() < 0.35:
            out.append(
                indent
                + rng.choice(
                    [
                        f"assert np.all(np.isfinite(np.asarray(x, float))), {rng.randint(0, 99)}",
                        f"print('step', {rng.randint(0, 99)}, np.shape(x))",
                        f"_n = {rng.randint(0, 9)} * len(np.shape(x)) + {rng.randint(0, 9)}",
                        f"assert np.ndim(x) >= {rng.randint(0, 4)}",
                        f"if np.size(x) == {rng.randint(0, 9)}: print('none', {rng.randint(0, 9)})",
                        "pass",
                    ]
                )
            )
    return "\n".join(out)


def synthetic_class(n: int, refs, solution, seed: int) -> dict[str, dict[str, str]]:
    """``n`` students: each cell a variant of an honest answer (the solution where there is no
    other), with the student's own names, comments or a print; every 50th student pastes the
    references (renamed), every 30th hands in a neighbour's conv2d."""
    rng = random.Random(seed)
    pool = {gid: list(HONEST.get(gid, {}).values()) or [solution[gid]] for gid in solution}
    keep = {"corr2d", "corr2d_multi_in", "sliding_window_view", *solution}
    out: dict[str, dict[str, str]] = {}
    for i in range(n):
        prefix = f"{rng.choice(['a', 'tmp', 'val', 'my_', 'q', 'arr'])}{i}_"
        cells = {}
        for gid, options in pool.items():
            code = rng.choice(options)
            variant = rng.random()
            if variant < 0.5:
                code = renamed(code, keep, prefix)
            elif variant < 0.75:
                code = code.replace("\n", f"\n    # student {i} thinks\n", 1)
            cells[gid] = _own_touches(S.normalise(code), rng)
        if i % 50 == 7:
            cells.update({g: next(iter(pasted(g, refs, prefix).values())) for g in refs})
        if i % 30 == 11 and f"s{i - 1:03d}" in out:
            cells["conv2d"] = out[f"s{i - 1:03d}"]["conv2d"]
        out[f"s{i:03d}"] = cells
    return out


def _skeleton(code: str) -> str:
    """``code`` as copydetect sees it, numbers replaced by 0."""
    import re

    from copydetect.utils import filter_code

    return re.sub(r"\d+", "0", filter_code(code, "cell.py", "python")[0])


def _cpu() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    t = S.Thresholds()
    print(f"load average {os.getloadavg()[0]:.2f}; thresholds {t}")
    refs, handout, solution = load()
    print("\n# scores: fraction of the student's cell covered (vs convkit, vs the solution cell)")
    print(
        f"{'cell':20s} {'kind':10s} {'answer':42s} {'convkit':>7s} {'solution':>8s} "
        f"{'size':>5s} flagged"
    )
    for gid, kind, name, s1, s2, size, flagged in scores(refs, handout, solution, t):
        print(
            f"{gid:20s} {kind:10s} {name[:42]:42s} {s1:7.2f} {s2:8.2f} {size:5d} "
            f"{'YES' if flagged else 'no'}"
        )
    cls = synthetic_class(a.students, refs, solution, a.seed)
    start, cpu = time.perf_counter(), _cpu()
    report = S.check(A, cls, refs, handout, t)
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    cells = sum(len(c) for c in cls.values())
    flagged = sorted({m.student for m in report.matches})
    print(f"\n# synthetic class: {len(cls)} students x {cells // len(cls)} cells = {cells} cells")
    print(
        f"check: {took:.2f} s wall, {cpu:.2f} s CPU (with the worker processes), "
        f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}"
    )
    pasters = sorted(s for s in cls if int(s[1:]) % 50 == 7)
    copiers = sorted(s for s in cls if int(s[1:]) % 30 == 11)
    print(f"{len(report.matches)} matches, {len(flagged)} students flagged: {', '.join(flagged)}")
    sources = sorted(f"s{int(s[1:]) - 1:03d}" for s in copiers)
    print(f"  pasted the references: {', '.join(pasters)}")
    print(f"  handed in the previous student's conv2d: {', '.join(copiers)}")
    caught = [
        s for s in copiers if any(m.student == s and m.grade_id == "conv2d" for m in report.matches)
    ]
    print(f"  copies of conv2d caught: {len(caught)} of {len(copiers)}")
    others = sorted(set(flagged) - set(pasters) - set(copiers) - set(sources))
    theirs = [m for m in report.matches if m.student in others]
    same = sum(_skeleton(m.code) == _skeleton(m.other_code) for m in theirs)
    per_cell: dict[str, int] = {}
    for m in theirs:
        per_cell[m.grade_id] = per_cell.get(m.grade_id, 0) + 1
    print(
        f"  other students flagged: {len(others)}, {len(theirs)} matches, {same} of them between "
        "cells identical up to names and numbers (the same base answer with the same random "
        "touches)"
    )
    print(f"  their matches per cell: {per_cell}")
    # the prefilter skips comparisons; comparing every pair must flag the same
    start, cpu = time.perf_counter(), _cpu()
    every = S.check(A, cls, refs, handout, dataclasses.replace(t, prefilter=False))
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    same = sorted(m.item for m in every.matches) == sorted(m.item for m in report.matches)
    print(
        f"without the prefilter (every pair compared): {took:.2f} s wall, {cpu:.2f} s CPU, "
        f"{len(every.matches)} matches, {'the same' if same else 'NOT the same'} as with it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
