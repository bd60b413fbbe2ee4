"""The GPU mode of the benchmarks (``python -m unitroles.bench --gpu``): torchvision AlexNet at
224 px, the papers' setting.

:func:`bench_gpu` sweeps conv5 of AlexNet (random weights and images) by the engine and by the
reference (:func:`unitroles.bench_engine.compare`), and sets the engine's time against the floor
given by the suffix's FLOPs at the device's measured float32 matmul rate (:func:`matmul_rate`).
Sizes are parameters, so it also runs on a CPU with tiny sizes (that is how the test suite runs
it).
"""

from __future__ import annotations

import statistics

import torch

from . import engine, timing, zoo
from .bench_engine import compare, format_rate
from .timing import machine


def matmul_rate(device: torch.device | str, size: int | None = None, repeats: int = 5) -> float:
    """Median FLOP/s of a ``size x size`` float32 ``torch.mm`` on ``device`` (2 size^3 FLOPs)."""
    device = torch.device(device)
    size = size or (8192 if device.type == "cuda" else 1024)
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    torch.mm(a, b)  # warm-up
    times = [timing.seconds(lambda: torch.mm(a, b), device)[0] for _ in range(repeats)]
    return 2 * size**3 / statistics.median(times)


def bench_gpu(
    *,
    images: int = 10_000,
    units: int = 256,
    image_size: int = 224,
    ref_units: int = 4,
    repeats: int = 3,
    ref_repeats: int = 3,
    device: torch.device | str | None = None,
    chunk_images: int = 256,
    chunk_ablations: int = 64,
    matmul_size: int | None = None,
    ratio_target: float = 20.0,
    floor_target: float = 3.0,
    seed: int = 0,
    verbose: bool = True,
) -> list[dict]:
    """torchvision AlexNet (random weights, 1000 classes) at ``image_size`` px on random images:
    a single-unit sweep of the first ``units`` units of conv5 over ``images`` images, engine
    against reference, and the engine's time against the floor set by the suffix's FLOPs at the
    device's measured float32 matmul rate.

    The floor counts the suffix's MACs with the linear-head shortcut: the first ``Linear``
    (9216 -> 4096) runs once per image, the rest of the suffix once per image per ablation. The
    floor without the shortcut (the whole suffix per ablation) is returned too, as is the
    prefix's share (conv1 .. conv5, once per image; not in the floor). Default device: CUDA when
    present, else CPU (use tiny sizes there; AlexNet needs ``image_size >= 63``).
    """
    device = torch.device(device) if device is not None else engine.default_device()
    if image_size < 63:
        raise ValueError(f"torchvision AlexNet needs image_size >= 63, got {image_size}")
    torch.manual_seed(seed)
    model = zoo.build_model("alexnet", 1000).eval().to(device)
    x = torch.randn(images, 3, image_size, image_size, device=device)
    y = torch.randint(0, 1000, (images,), device=device)
    rate = matmul_rate(device, matmul_size)
    row = compare(
        model,
        "conv5",
        x,
        y,
        1000,
        units=units,
        ref_units=ref_units,
        engine_repeats=repeats,
        ref_repeats=ref_repeats,
        device=device,
        chunk_images=chunk_images,
        chunk_ablations=chunk_ablations,
        batch_size=chunk_images,
    )
    n, u = row["images"], row["units"]
    per_ablation = row["macs_suffix"] - row["macs_head"]
    floor_flops = 2 * (n * u * per_ablation + n * row["macs_head"])
    row.update(
        model="alexnet",
        image_size=image_size,
        weights="random weights",
        matmul_flops=rate,
        matmul_precision=torch.get_float32_matmul_precision(),
        suffix_macs_shortcut=per_ablation,
        suffix_macs_no_shortcut=row["macs_suffix"],
        floor_s=floor_flops / rate,
        floor_no_shortcut_s=2 * n * u * row["macs_suffix"] / rate,
        prefix_s_at_rate=2 * n * row["macs_prefix"] / rate,
        ratio_target=ratio_target,
        floor_target=floor_target,
        **{"device_name": machine(device)["device"]},
    )
    row["time_over_floor"] = row["engine_s"] / row["floor_s"]
    if verbose:
        _print_gpu(row)
    return [row]


def _print_gpu(row: dict) -> None:
    g = lambda m: f"{m / 1e6:,.1f}M"  # MACs
    print(
        f"\n## GPU mode: torchvision alexnet conv5, {row['image_size']} px, random weights, "
        f"{row['images']:,} images x {row['units']} units on {row['device']} "
        f"({row['device_name']})"
    )
    print(
        f"matmul rate: {row['matmul_flops'] / 1e12:,.2f} TFLOP/s (float32 torch.mm, precision "
        f"'{row['matmul_precision']}', median of 5)"
    )
    print(
        f"suffix MACs per image per ablation: {g(row['suffix_macs_shortcut'])} with the "
        f"linear-head shortcut (its first Linear, {g(row['macs_head'])} MACs, runs once per "
        f"image), {g(row['suffix_macs_no_shortcut'])} without"
    )
    print(
        f"floor (suffix FLOPs with the shortcut / matmul rate): {row['floor_s']:.3g} s; without "
        f"the shortcut {row['floor_no_shortcut_s']:.3g} s; the prefix (conv1..conv5, "
        f"{g(row['macs_prefix'])} MACs per image, not in the floor) is "
        f"{row['prefix_s_at_rate']:.3g} s at that rate"
    )
    print(f"{'':>10} {'images x ablations / s':>24} {'seconds':>9}")
    print(f"{'engine':>10} {format_rate(row['engine_rate']):>24} {row['engine_s']:>9.3f}")
    print(
        f"{'reference':>10} {format_rate(row['reference_rate']):>24} {row['reference_s']:>9.3f}"
        f"   ({row['ref_units']} units + clean pass, scaled to a full sweep)"
    )
    ok = lambda flag: "met" if flag else "NOT met"
    print(
        f"ratio {row['ratio']:.1f}x (target >= {row['ratio_target']:g}x: "
        f"{ok(row['ratio'] >= row['ratio_target'])}; FLOP bound {row['flop_ratio']:.1f}x)"
    )
    print(
        f"engine time / floor {row['time_over_floor']:.2f}x (target <= {row['floor_target']:g}x: "
        f"{ok(row['time_over_floor'] <= row['floor_target'])})"
    )
    print(
        f"counts of the {row['ref_units']} reference units: "
        f"{'identical' if row['identical'] else 'DIFFER'} "
        f"(loss sums within {row['loss_rel_diff']:.1e} relative)"
    )
