"""Chapter 10's fast recipe, five seeds: accuracy on the 1,000 test digits and CPU seconds.

Usage::

    .venv/bin/python benchmarks/ch10_recipe.py [--seeds 0 1 2 3 4] [--threads 1]
    .venv/bin/python benchmarks/ch10_recipe.py --val [--set epochs=16 lr=0.3 ...]

Each seed trains one network with :func:`convkit.training.recipe.train_recipe` at its default settings
(the recipe fixed on validation digits: a fixed number of epochs, so a fixed number of optimizer
steps) on all 4,000 training digits, on one CPU thread, and classifies the 1,000 held-out test
digits with one view and with the five test-time views of :data:`convkit.training.recipe.SHIFT_VIEWS`.
CPU time is :func:`time.process_time` around the training only (prediction takes about a second
more). The targets of issue 14: at least 99.0% with every seed (at most 10 errors) in at most 90 s
of CPU time, and a mean margin of at least 3 digits (mean errors at most 7). The script prints the
per-seed figures, mean +- sd, the margin and whether the targets were met (measured CPU
seconds depend on the machine; the script reports them and always exits 0).

``--val`` is how the recipe was developed, without looking at the test digits: seed ``s``
trains on the 3,500 digits of ``mnist_train_val(500, seed=s)`` and counts errors on its 500
validation digits (each seed its own validation split); ``--set name=value`` overrides a
:func:`~convkit.training.recipe.train_recipe` argument (values are Python literals). The
targets are not checked in this mode.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import statistics

import numpy as np
import torch

from convkit.data import mnist_split, mnist_train_val
from convkit.training.recipe import SHIFT_VIEWS, predict_proba, train_recipe


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--val", action="store_true", help="validation digits, not test digits")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name] = ast.literal_eval(value)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} thread(s), load average {os.getloadavg()[0]:.1f}"
          + (f", validation digits, {overrides}" if args.val else ""))
    rows = []
    for seed in args.seeds:
        if args.val:
            (x_train, y_train), (x_test, y_test) = mnist_train_val(500, seed=seed)
        else:
            (x_train, y_train), (x_test, y_test) = mnist_split("train"), mnist_split("test")
        r = train_recipe(x_train, y_train, seed=seed, device="cpu", **overrides)
        err = {}
        for name, views in (("1 view", SHIFT_VIEWS[:1]), ("5 views", SHIFT_VIEWS)):
            pred = predict_proba(r.model, x_test, mean=r.mean, std=r.std, views=views).argmax(1)
            err[name] = int((pred.numpy() != y_test).sum())
        rows.append((seed, r.cpu_seconds, r.wall_seconds, err["1 view"], err["5 views"]))
        print(f"seed {seed}: {r.steps} steps, {r.cpu_seconds:5.1f} s CPU ({r.wall_seconds:5.1f} s wall), "
              f"{'validation' if args.val else 'test'} errors {err['1 view']} (1 view) "
              f"{err['5 views']} (5 views)", flush=True)
    allowed = int(0.01 * len(y_test) + 1e-9)
    cpu = [r[1] for r in rows]
    sd = statistics.stdev(cpu) if len(cpu) > 1 else float("nan")
    print(f"CPU seconds: {statistics.mean(cpu):.1f} +- {sd:.1f} (max {max(cpu):.1f})")
    ok = max(cpu) <= 90
    for col, name in ((3, "1 view"), (4, "5 views")):
        errors = np.array([r[col] for r in rows])
        acc = 100 * (1 - errors / len(y_test))
        margin = allowed - errors.mean()
        acc_sd = acc.std(ddof=1) if len(acc) > 1 else float("nan")
        print(f"{name}: accuracy {acc.mean():.2f}% +- {acc_sd:.2f} "
              f"(errors {errors.tolist()}), mean margin {margin:.1f} digits "
              f"(target: >= 3), worst seed {acc.min():.1f}%")
        if name == "5 views":
            ok = ok and margin >= 3 and errors.max() <= allowed
    if not args.val:
        print("targets met" if ok else "target missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
