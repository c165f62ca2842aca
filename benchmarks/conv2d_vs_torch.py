"""Median time of convkit.conv2d vs torch.nn.functional.conv2d (float32, CPU, same thread count).

Usage::

    .venv/bin/python benchmarks/conv2d_vs_torch.py [--threads N] [--repeats R]

Prints, for each configuration, both medians and the ratio convkit / torch, and
checks that the two outputs agree. numpy's BLAS threads are capped with
threadpoolctl when it is installed; otherwise the usual environment variables
are set *before* numpy is imported, which is why the imports below come after
the argument parsing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

CONFIGS = [
    # name, N, C, H=W, out_channels, k, padding
    ("small: N=32, C=3, 32x32 -> 16, k=3, pad=1", 32, 3, 32, 16, 3, 1),
    ("large: N=8, C=64, 56x56 -> 64, k=3, pad=1", 8, 64, 56, 64, 3, 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for both libraries (default 1)")
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per configuration (default 15)")
    args = parser.parse_args()

    try:
        import threadpoolctl
    except ImportError:  # fall back on the environment, read by BLAS when numpy loads it
        threadpoolctl = None
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import numpy as np
    import torch
    import torch.nn.functional as F

    from convkit import conv2d

    torch.set_num_threads(args.threads)
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(limits=args.threads)
        blas = [(i["internal_api"], i["num_threads"]) for i in threadpoolctl.threadpool_info()]
        how = "threadpoolctl"
    else:
        blas = [("BLAS from environment variables", args.threads)]
        how = "environment variables"
    print(f"numpy {np.__version__}, torch {torch.__version__}")
    print(f"threads: torch.get_num_threads() = {torch.get_num_threads()}, numpy BLAS ({how}) = {blas}")
    print(f"median of {args.repeats} calls (convkit and torch alternating) after 2 warm-up calls, float32")
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n")

    def median_seconds(fns):
        """Median wall-clock and CPU time of each function.

        Calls alternate between the functions so both see the same machine load. The CPU time
        (time.process_time) is also reported: on a shared machine it is much less disturbed by
        other processes than the wall clock, and with one thread it is the same quantity.
        """
        for fn in fns:
            for _ in range(2):
                fn()
        wall = [[] for _ in fns]
        cpu = [[] for _ in fns]
        for _ in range(args.repeats):
            for fn, w_, c_ in zip(fns, wall, cpu):
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                c_.append(time.process_time() - c0)
                w_.append(time.perf_counter() - t0)
        return [statistics.median(ts) for ts in wall], [statistics.median(ts) for ts in cpu]

    rng = np.random.default_rng(0)
    for name, n, c, hw, o, k, p in CONFIGS:
        x = rng.standard_normal((n, c, hw, hw), dtype=np.float32)
        w = rng.standard_normal((o, c, k, k), dtype=np.float32)
        b = rng.standard_normal(o, dtype=np.float32)
        xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        with torch.no_grad():
            ours, ref = conv2d(x, w, b, padding=p), F.conv2d(xt, wt, bt, padding=p).numpy()
        err = float(np.max(np.abs(ours - ref)) / np.max(np.abs(ref)))
        with torch.no_grad():
            (t_ours, t_torch), (c_ours, c_torch) = median_seconds(
                [lambda: conv2d(x, w, b, padding=p), lambda: F.conv2d(xt, wt, bt, padding=p)]
            )
        print(f"{name}")
        print(f"    {'':16}{'wall ms':>10}{'CPU ms':>10}")
        print(f"    {'convkit.conv2d':16}{t_ours * 1e3:10.2f}{c_ours * 1e3:10.2f}")
        print(f"    {'torch F.conv2d':16}{t_torch * 1e3:10.2f}{c_torch * 1e3:10.2f}")
        print(f"    ratio convkit/torch = {t_ours / t_torch:.2f} (wall), {c_ours / c_torch:.2f} (CPU); "
              f"max relative difference {err:.1e}")

if __name__ == "__main__":
    main()
