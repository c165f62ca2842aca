"""Grade students concurrently on one machine: ``--jobs N``.

Each student is graded by its own ``nbgrader autograde`` process with its own private folder
(sockets, kernel reports, kernelspecs, guard token), so concurrent students share nothing but the
gradebook, whose writers take turns (:mod:`autograder.gblock`). The work happens in child
processes; the threads here only wait for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["default_jobs", "run_all"]

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_all(
    items: Iterable[T], work: Callable[[T], R], jobs: int, done: Callable[[T, R], None]
) -> dict[T, R]:
    """``work(item)`` for every item, at most ``jobs`` at a time; ``done(item, result)`` as each
    finishes (in the calling thread). Returns the results by item. An interrupt (Ctrl-C) cancels
    what has not started and waits for what runs (each child process has its own time limit).

    Raises:
        ValueError: ``jobs`` < 1.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1 (got {jobs})")
    items = list(items)
    results: dict[T, R] = {}
    if jobs == 1:
        for item in items:
            results[item] = work(item)
            done(item, results[item])
        return results
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    futures: dict[Future, T] = {}
    try:
        futures = {pool.submit(work, item): item for item in items}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: items.index(futures[f])):
                item = futures[fut]
                results[item] = fut.result()
                done(item, results[item])
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results
