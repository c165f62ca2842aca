"""Timing a student's call and running course helpers on a student's model, wherever it runs.

In a student's own notebook the answer runs in the same process as the test, and
``time.process_time()`` around the call measures it. Under the class grader's two-process grading
(:mod:`autograder.twoprocess`) the test runs in a trusted process and the student's function is a
remote reference: the CPU time is then measured in the student's kernel, where the work happens.
"""

from __future__ import annotations

import importlib
import sys
import time

__all__ = ["run_with_model", "timed_call"]


def timed_call(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)``; return ``(result, cpu_seconds, wall_seconds)``.

    ``cpu_seconds`` is the CPU time of the process that ran the call (all its threads).

    Examples::

        >>> result, cpu, wall = timed_call(sum, range(1000))
        >>> result, cpu >= 0.0, wall >= 0.0
        (499500, True, True)
    """
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    result = fn(*args, **kwargs)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    trusted = sys.modules.get("autograder.trusted")
    if trusted is not None and type(fn) is trusted.Remote:
        cpu = trusted.last_cpu_seconds()
    return result, cpu, wall


def run_with_model(target: str, model, *args, **kwargs):
    """Call the course helper ``target`` (``"package.module:function"``) on the student's
    ``model``, in the process where the model lives.

    A model built from torch's own layers comes to the test by value and is trained right here;
    an instance of a class the student wrote stays in the student's kernel under two-process
    grading, and then the helper (a training loop, a timing) runs there, on it.

    Examples::

        >>> run_with_model("builtins:len", [1, 2, 3])
        3
    """
    trusted = sys.modules.get("autograder.trusted")
    if trusted is not None and type(model) is trusted.Remote:
        return trusted.run_in_student(target, model, *args, **kwargs)
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(model, *args, **kwargs)
