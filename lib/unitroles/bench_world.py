"""Benchmarks of the synthetic world and the mini models: images per second rendered
(:func:`bench_world`), and trained and evaluated (:func:`bench_training`), on the CPU.

Each prints its table (unless ``verbose=False``) and returns its rows, a list of dicts.
"""

from __future__ import annotations

import numpy as np
import torch

from . import scenes, timing, train


def bench_world(n: int, repeats: int, verbose: bool = True) -> list[dict]:
    """Images per second of the synthetic world (parameters, rasterising, masks, noise)."""
    if verbose:
        print(f"\n## synthetic world: {n} images a run, median of {repeats}")
        print(f"{'size':>6} {'images/s':>10}")
    rows = []
    for size in (32, 48, 64):
        world = scenes.SceneWorld(size=size)
        world.sample("train", np.arange(64))
        offset = iter(range(0, 10**9, n))
        rate = timing.median_rate(
            lambda w=world, it=offset: w.sample("train", np.arange(o := next(it), o + n)),
            n,
            repeats,
        )
        rows.append({"size": size, "images_per_s": rate})
        if verbose:
            print(f"{size:>6} {rate:>10,.0f}")
    return rows


def bench_training(repeats: int, verbose: bool = True) -> list[dict]:
    """Training and inference throughput of the mini models at 48 px (images per second)."""
    if verbose:
        print(f"\n## mini models at 48 px, batch 64, median of {repeats}")
        print(f"{'model':>14} {'train img/s':>12} {'eval img/s':>12}")
    x = torch.randn(64, 3, 48, 48)
    y = torch.randint(0, 24, (64,))
    rows = []
    for arch in ("alexnet-mini", "vgg16-mini", "resnet18-mini"):
        model = train.build(train.Recipe("bench", arch=arch), 24)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def step(model=model, opt=opt):
            for _ in range(5):
                loss = torch.nn.functional.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()

        step()
        train_rate = timing.median_rate(step, 5 * 64, repeats)
        model.eval()
        with torch.no_grad():
            eval_rate = timing.median_rate(
                lambda m=model: [m(x) for _ in range(5)], 5 * 64, repeats
            )
        rows.append(
            {"arch": arch, "train_images_per_s": train_rate, "eval_images_per_s": eval_rate}
        )
        if verbose:
            print(f"{arch:>14} {train_rate:>12,.0f} {eval_rate:>12,.0f}")
    return rows
