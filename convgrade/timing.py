"""Timing a student's call, wherever it runs.

In a student's own notebook the answer runs in the same process as the test, and
``time.process_time()`` around the call measures it. Under the class grader's two-process grading
(:mod:`autograder.twoprocess`) the test runs in a trusted process and the student's function is a
remote reference: the CPU time is then measured in the student's kernel, where the work happens.
"""

from __future__ import annotations

import sys
import time

__all__ = ["timed_call"]


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
