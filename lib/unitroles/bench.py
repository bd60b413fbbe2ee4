"""Benchmarks (``make bench``): not tests. Each prints medians of several runs measured side by
side in one process, on this machine.

    python -m unitroles.bench [--quick]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from . import scenes, train


def _median_rate(fn, items: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        rates.append(items / (time.perf_counter() - start))
    return statistics.median(rates)


def bench_world(n: int, repeats: int) -> None:
    """Images per second of the synthetic world (parameters, rasterising, masks, noise)."""
    print(f"\n## synthetic world: {n} images a run, median of {repeats}")
    print(f"{'size':>6} {'images/s':>10}")
    for size in (32, 48, 64):
        world = scenes.SceneWorld(size=size)
        world.sample("train", np.arange(64))
        offset = iter(range(0, 10**9, n))
        rate = _median_rate(
            lambda w=world: w.sample("train", np.arange(o := next(offset), o + n)), n, repeats
        )
        print(f"{size:>6} {rate:>10,.0f}")


def bench_training(repeats: int) -> None:
    """Training and inference throughput of the mini models at 48 px (images per second)."""
    print(f"\n## mini models at 48 px, batch 64, median of {repeats}")
    print(f"{'model':>14} {'train img/s':>12} {'eval img/s':>12}")
    x = torch.randn(64, 3, 48, 48)
    y = torch.randint(0, 24, (64,))
    for arch in ("alexnet-mini", "vgg16-mini", "resnet18-mini"):
        model = train.build(train.Recipe("bench", arch=arch), 24)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def step():
            for _ in range(5):
                loss = torch.nn.functional.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()

        step()
        train_rate = _median_rate(step, 5 * 64, repeats)
        model.eval()
        with torch.no_grad():
            eval_rate = _median_rate(lambda: [model(x) for _ in range(5)], 5 * 64, repeats)
        print(f"{arch:>14} {train_rate:>12,.0f} {eval_rate:>12,.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="unitroles benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer, smaller runs")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 5
    print(
        f"# unitroles bench: torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{platform.processor() or platform.machine()}"
    )
    bench_world(512 if args.quick else 2048, repeats)
    bench_training(repeats)


if __name__ == "__main__":
    main()
