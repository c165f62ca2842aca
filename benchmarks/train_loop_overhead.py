"""Training throughput of convkit.training.train.fit against a plain PyTorch loop (LeNet-5 on the course's digits, CPU).

Usage::

    .venv/bin/python benchmarks/train_loop_overhead.py [--threads N] [--rounds R] [--batch-size B]

Both loops train the same LeNet-5 ("modern" variant) from the same initial
weights, with a fresh Adam optimizer (lr 1e-3), on the 4,000 training digits in
the same batch order, with the same number of torch threads. The plain loop
does only ``zero_grad / forward / cross_entropy / backward / step``; ``fit``
additionally keeps the per-epoch loss and accuracy (accumulated on the device,
read once per epoch), times the epoch and, with ``progress=True``, drives a tqdm
bar (written to a discarded stream here). One round times one epoch of each of
the three, in a rotating order so that all three see the same load; the script
prints the median images per second of each, and the overhead of ``fit``
relative to the plain loop: ``plain_throughput / fit_throughput - 1`` (target:
at most 10%). Wall-clock and CPU-time medians are both printed; on a shared
machine the CPU-time figure is the less disturbed one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both loops (default 1)")
    parser.add_argument("--rounds", type=int, default=7, help="timed epochs of each loop (default 7)")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    args = parser.parse_args()

    import torch
    from torch.nn import functional as F
    from torch.utils.data import DataLoader

    from convkit.data import mnist_split, to_tensor_dataset
    from convkit.models import LeNet5
    from convkit.training.train import fit

    torch.set_num_threads(args.threads)
    dataset = to_tensor_dataset(*mnist_split("train"))
    n = len(dataset)
    torch.manual_seed(0)
    init_state = {k: v.clone() for k, v in LeNet5("modern").state_dict().items()}

    def fresh():
        model = LeNet5("modern")
        model.load_state_dict(init_state)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, generator=torch.Generator().manual_seed(1))
        return model, opt, loader

    def plain_epoch():
        model, opt, loader = fresh()
        model.train()
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

    def fit_epoch(progress: bool):
        model, opt, loader = fresh()
        with contextlib.redirect_stderr(io.StringIO()):
            fit(model, loader, epochs=1, optimizer=opt, device="cpu", progress=progress)

    runs = {
        "plain PyTorch loop": plain_epoch,
        "convkit fit, progress=False": lambda: fit_epoch(False),
        "convkit fit, progress=True": lambda: fit_epoch(True),
    }
    names = list(runs)
    wall = {k: [] for k in names}
    cpu = {k: [] for k in names}
    for name in names:  # warm-up: allocator, thread pool, first-call dispatch
        runs[name]()
    for r in range(args.rounds):
        for name in names[r % 3 :] + names[: r % 3]:
            w0, c0 = time.perf_counter(), time.process_time()
            runs[name]()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"LeNet-5 (modern), {n} digits per epoch, batch {args.batch_size}, Adam, CPU, "
          f"{torch.get_num_threads()} thread(s), {args.rounds} timed epochs each, load average {load:.2f}")  # fmt: skip
    print(f"{'loop':<30} {'images/s (wall)':>16} {'images/s (CPU)':>15}")
    ips = {}
    for name in names:
        ips[name] = (n / statistics.median(wall[name]), n / statistics.median(cpu[name]))
        print(f"{name:<30} {ips[name][0]:>16,.0f} {ips[name][1]:>15,.0f}")
    base = ips[names[0]]
    for name in names[1:]:
        w, c = (base[0] / ips[name][0] - 1) * 100, (base[1] / ips[name][1] - 1) * 100
        print(f"overhead of {name[8:]:<22}: {w:+.1f}% wall, {c:+.1f}% CPU (target: at most +10%)")


if __name__ == "__main__":
    main()
