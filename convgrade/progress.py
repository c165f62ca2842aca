"""Progress lines while a test cell trains a student's model (exercises 09 and 12).

A training test runs for 10-15 s; without output the student sees only ``[*]``.
:func:`epoch_progress` counts the examples a model sees in training mode (a forward hook, so it
works with any training loop the student writes) and prints a line each time a whole epoch's
worth has gone through. It lives outside ``convkit`` so that a test watching for calls into
``convkit`` (chapter 09's budget test) does not see it.

Under the class grader's two-process grading the model is trained in the student's kernel and
crosses without its hooks: nothing is printed there, which keeps the graded notebooks short.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["epoch_progress"]

#: Share of an epoch's examples after which the epoch counts as done (a loop that drops the last
#: incomplete batch sees a little less than the whole set).
_DONE = 0.99


@contextlib.contextmanager
def epoch_progress(
    model: Any, samples_per_epoch: int, label: str, every: int = 1
) -> Iterator[None]:
    """Print ``"<label>: epoch k, <n> examples, <t> s"`` every ``every`` epochs while ``model``
    trains inside the ``with`` block.

    Args:
        model: a ``torch.nn.Module``; a copy made inside the block (``copy.deepcopy``) reports too.
        samples_per_epoch: examples in one epoch (the training set's length).
        label: what the lines start with (the student's function).
        every: print one line each ``every`` epochs.

    Examples::

        >>> import torch
        >>> net = torch.nn.Linear(2, 1)
        >>> with epoch_progress(net, 4, "fit"):
        ...     for _ in range(2):
        ...         _ = net(torch.zeros(2, 2)), net(torch.zeros(2, 2))   # doctest: +ELLIPSIS
        fit: epoch 1, 4 examples, ... s
        fit: epoch 2, 8 examples, ... s
    """
    if samples_per_epoch <= 0:
        raise ValueError(f"samples_per_epoch must be positive, got {samples_per_epoch}")
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    state = {"seen": 0, "epoch": 0, "open": True}
    start = time.perf_counter()

    def hook(module, inputs, output):
        if not state["open"] or not module.training or not inputs:
            return
        first = inputs[0]
        state["seen"] += int(first.shape[0]) if getattr(first, "ndim", 0) else 1
        while state["seen"] >= (state["epoch"] + _DONE) * samples_per_epoch:
            state["epoch"] += 1
            if state["epoch"] % every == 0:
                seconds = time.perf_counter() - start
                print(
                    f"{label}: epoch {state['epoch']}, {state['seen']:,} examples, {seconds:.1f} s",
                    flush=True,
                )

    handle = model.register_forward_hook(hook)
    try:
        yield
    finally:
        state["open"] = False  # copies made inside the block keep the hook: make it inert
        handle.remove()
