"""Benchmarks (``make bench``): not tests. Each prints medians of several runs measured side by
side in one process, on this machine.

    python -m unitroles.bench [--quick]
    python -m unitroles.bench --gpu [--images N] [--units N] [--image-size PX]

This module is the command line; the sections are functions that print their table and return
their rows (a list of dicts), so a notebook can call them:

* :func:`unitroles.bench_world.bench_world`: images per second of the synthetic world.
* :func:`unitroles.bench_world.bench_training`: training and inference throughput of the mini
  models.
* :func:`unitroles.bench_engine.bench_conv5`: the ablation engine against the hook-based
  reference on a full single-unit sweep of alexnet-mini's conv5, on the book profile's validation
  set; the counts of the units the reference ran are checked to be identical to the engine's.
* :func:`unitroles.bench_engine.bench_layers`: the same comparison for every conv layer.
* :func:`unitroles.bench_rof.bench_rof`: ROF curves (Zhao et al. 2023) of every class at
  vgg16-mini's conv5_3: the engine's prefix sum against the plain loop of masked full passes.
* :func:`unitroles.bench_gpu.bench_gpu` (``--gpu``): torchvision AlexNet at 224 px, engine
  against reference, and the engine's time against the floor set by the suffix's FLOPs at the
  device's measured matmul rate.

Timing, the machine and counting work are :mod:`unitroles.timing` (sweep plans use them too).
"""

from __future__ import annotations

import argparse

import torch

from . import bench_engine, bench_gpu, bench_rof, bench_world, engine, timing


def main(argv: list[str] | None = None) -> None:
    """``python -m unitroles.bench``: every CPU section in turn, or with ``--gpu`` the GPU mode
    alone (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description="unitroles benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer, smaller runs")
    parser.add_argument(
        "--gpu",
        action="store_true",
        help="only the GPU mode: torchvision AlexNet conv5 at 224 px (CUDA when present, else "
        "CPU: then use tiny --images/--units/--image-size)",
    )
    parser.add_argument("--images", type=int, default=10_000, help="GPU mode: images")
    parser.add_argument("--units", type=int, default=256, help="GPU mode: conv5 units swept")
    parser.add_argument("--image-size", type=int, default=224, help="GPU mode: px (>= 63)")
    parser.add_argument("--ref-units", type=int, default=4, help="GPU mode: reference units")
    parser.add_argument("--device", default=None, help="GPU mode: device (default: cuda if any)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device) if args.device else engine.default_device()
    info = timing.machine(device)
    print(
        f"# unitroles bench: torch {info['torch']}, {info['torch_threads']} threads, "
        f"{info['cpu_count']} CPUs ({info['cpu']}), device {info['device']}"
    )
    if args.gpu:
        if device.type != "cuda":
            print("no CUDA device: the GPU mode runs on the CPU (its targets are for a GPU)")
        bench_gpu.bench_gpu(
            images=args.images,
            units=args.units,
            image_size=args.image_size,
            ref_units=args.ref_units,
            repeats=3 if args.quick else 5,
            device=device,
        )
        return
    repeats = 3 if args.quick else 5
    bench_world.bench_world(512 if args.quick else 2048, repeats)
    bench_world.bench_training(repeats)
    workload = bench_engine.scene_workload(100)
    bench_engine.bench_conv5(workload, engine_repeats=5, ref_repeats=3, ref_units=8)
    if args.quick:  # a quarter of the images for the per-layer table
        workload = workload.first(25)
    bench_engine.bench_layers(workload, repeats=3, ref_units=4)
    bench_rof.bench_rof(bench_rof.rof_workload(25 if args.quick else 100), repeats=repeats)


if __name__ == "__main__":
    main()
