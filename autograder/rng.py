"""numpy's and torch's global random generators, shared by the two kernels of two-process grading.

A test that calls ``torch.manual_seed(0)`` or ``np.random.seed(1)`` and then the student's function
must seed the student's code as it would in one process, and each call must draw new numbers. So
the trusted side sends the global generators' states with a call when they changed since the last
one, the student's kernel adopts them, and it sends the new states back when the call drew numbers
(:mod:`autograder.trusted`, :mod:`autograder.serve`).
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["global_states", "same", "set_global_states"]


def global_states() -> dict:
    """``{"numpy": ..., "torch": ...}``: the global generators' states (torch's once imported)."""
    out: dict = {"numpy": np.random.get_state(legacy=False)}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch"] = torch.get_rng_state().numpy()
    return out


def set_global_states(states) -> None:
    """Adopt states made by :func:`global_states` (parts that are missing or malformed are left)."""
    if not isinstance(states, dict):
        return
    if isinstance(states.get("numpy"), dict):
        np.random.set_state(states["numpy"])
    if isinstance(states.get("torch"), np.ndarray):
        import torch

        torch.set_rng_state(torch.from_numpy(states["torch"].astype(np.uint8)))


def same(a, b) -> bool:
    """Whether two trees of states (dicts, numbers, strings, numpy arrays) are equal.

    Examples::

        >>> same(global_states(), global_states())
        True
        >>> s = global_states(); _ = np.random.rand(); same(s, global_states())
        False
    """
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b)
        )
    return type(a) is type(b) and a == b
