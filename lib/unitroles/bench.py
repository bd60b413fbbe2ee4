"""Benchmarks (``make bench``): not tests. Each prints medians of several runs measured side by
side in one process, on this machine.

    python -m unitroles.bench [--quick]
    python -m unitroles.bench --gpu [--images N] [--units N] [--image-size PX]

Sections (each is a function that prints its table and returns its rows, a list of dicts, so a
notebook can call it):

* :func:`bench_world`: images per second of the synthetic world.
* :func:`bench_training`: training and inference throughput of the mini models.
* :func:`bench_conv5`: the ablation engine against the hook-based reference on a full single-unit
  sweep of alexnet-mini's conv5, on the book profile's validation set; the counts of the units the
  reference ran are checked to be identical to the engine's.
* :func:`bench_layers`: the same comparison for every conv layer, conv1 .. conv5.
* :func:`bench_rof`: ROF curves (Zhao et al. 2023) of every class at vgg16-mini's conv5_3, all
  ``N + 1`` points: the engine's prefix sum against the plain loop of masked full forward passes;
  the curves of the classes the reference ran are checked to equal the engine's.
* :func:`bench_gpu` (``--gpu``): torchvision AlexNet at 224 px, random weights and images, conv5;
  engine against reference, and the engine's time against the floor set by the suffix's FLOPs at
  the device's measured matmul rate. Sizes are parameters, so it also runs on a CPU with tiny
  sizes (that is how the test suite runs it).

**Throughput** is images x ablations per second. The engine's is measured on the full sweep. The
reference runs one full forward pass per ablation plus one clean pass, so it is timed on ``k``
units (``k + 1`` passes) and its time is scaled to the ``U + 1`` passes of a full sweep of ``U``
units. The **FLOP bound** is the ratio the engine would reach if both paths ran at the same FLOP
rate: the reference's ``(U + 1)`` full passes over the engine's work per image (the prefix once,
the clean suffix once, the first linear map twice with the linear-head shortcut, and the rest of
the suffix once per ablation), counting multiply-accumulates of every ``Linear`` and ``Conv2d``.
It is a *dense* bound: the engine skips, exactly, the (ablation, image) pairs whose ablated units
are zero all over the image, so a measured ratio can exceed it.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import cost, engine, reference, scenes, timing, train, zoo
from .store import Store
from .timing import machine, side_by_side, work  # re-exported: bench.machine() etc.

CONV_LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5")


# --------------------------------------------------------------------------------------------------
# Engine against reference


def compare(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    *,
    units: int | None = None,
    ref_units: int = 8,
    engine_repeats: int = 5,
    ref_repeats: int = 3,
    device: torch.device | str = "cpu",
    chunk_images: int = 256,
    chunk_ablations: int = 64,
    batch_size: int = 256,
) -> dict:
    """Time a single-unit sweep of ``layer`` by the engine (all ``units``, default every unit)
    and by the reference (``ref_units`` units spread over the layer), interleaved; check that
    the reference's counts equal the engine's rows for those units. Returns one row.
    """
    device = torch.device(device)
    eng = engine.Engine(model, layer, device=device)
    w = work(eng, images[:1])
    channels = eng.activations(images[:1]).shape[1]
    units = channels if units is None else min(units, channels)
    ablations = engine.single_units(channels)[0:units]
    ref_units = min(ref_units, units)
    picked = np.unique(np.linspace(0, units - 1, ref_units).round().astype(int)).tolist()
    ref_ablations = cost.subset(ablations, picked)
    n = len(labels)

    def run_engine():
        return eng.sweep(
            images,
            labels,
            ablations,
            num_classes,
            chunk_images=chunk_images,
            chunk_ablations=chunk_ablations,
        )

    def run_reference():
        return reference.reference_sweep(
            model, layer, images, labels, ref_ablations, num_classes, batch_size=batch_size
        )

    # warm-up (kernels, allocator, the engine's head lookup) on one chunk of images
    w_n = min(n, chunk_images)
    eng.sweep(images[:w_n], labels[:w_n], ablations[0:1], num_classes)
    reference.reference_sweep(model, layer, images[:w_n], labels[:w_n], ablations[0:1], num_classes)

    timed = side_by_side(
        {"engine": (run_engine, engine_repeats), "reference": (run_reference, ref_repeats)},
        device,
    )
    eng_times, fast = timed["engine"]
    ref_times, ref = timed["reference"]
    identical = bool(
        torch.equal(fast.correct[picked], ref.correct)
        and torch.equal(fast.base_correct, ref.base_correct)
    )
    scale = ref.loss.abs().clamp(min=1e-12)
    loss_diff = float(((fast.loss[picked] - ref.loss).abs() / scale).max())
    engine_s = statistics.median(eng_times)
    reference_s = statistics.median(ref_times)
    engine_rate = n * units / engine_s
    scale = (units + 1) / (len(picked) + 1)  # the reference's k + 1 passes -> a full sweep's
    reference_full_s = reference_s * scale
    reference_rate = n * units / reference_full_s
    # The spread of the ratio over the repeats: its lowest value pairs the slowest engine run with
    # the fastest reference run, its highest the other way round.
    ratio_low = min(ref_times) * scale / max(eng_times)
    ratio_high = max(ref_times) * scale / min(eng_times)
    return {
        "layer": layer,
        "units": units,
        "images": n,
        "ref_units": len(picked),
        "engine_s": engine_s,
        "reference_s": reference_s,
        "engine_rate": engine_rate,
        "reference_rate": reference_rate,
        "ratio": engine_rate / reference_rate,
        "ratio_low": ratio_low,
        "ratio_high": ratio_high,
        "engine_times": list(eng_times),
        "reference_times": list(ref_times),
        "reference_pass_s": reference_s / (len(picked) + 1),
        "flop_ratio": w.flop_ratio(units),
        "identical": identical,
        "loss_rel_diff": loss_diff,
        "engine_runs": len(eng_times),
        "reference_runs": len(ref_times),
        "shortcut": w.head > 0,
        "macs_prefix": w.prefix,
        "macs_suffix": w.suffix,
        "macs_head": w.head,
        "device": str(device),
    }


# --------------------------------------------------------------------------------------------------
# The book's workload: alexnet-mini on the book profile's validation set


@dataclass
class Workload:
    """A model, its description, network inputs and labels."""

    model: nn.Module
    weights: str
    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int

    def first(self, per_class: int) -> Workload:
        """The first ``per_class`` images of each class (labels cycle through the classes)."""
        n = per_class * self.num_classes
        return dataclasses.replace(self, images=self.images[:n], labels=self.labels[:n])


def alexnet_mini(
    weights: str = "store",
    world: scenes.SceneWorld | None = None,
    *,
    data_scale: float = 1.0,
    epoch_scale: float = 1.0,
) -> tuple[nn.Module, str]:
    """The book's alexnet-mini (``baseline`` recipe) and a description of its weights.

    ``weights``: ``"store"`` loads the trained baseline if the store (``$UNITROLES_CACHE``) holds
    it, else random weights; ``"train"`` trains it when missing; ``"random"`` never loads.
    """
    if weights not in ("store", "train", "random"):
        raise ValueError(f"weights must be 'store', 'train' or 'random', got {weights!r}")
    world = world or scenes.SceneWorld()
    rec = train.recipe("baseline").scaled(data_scale, epoch_scale)
    store = Store()
    if weights == "train" or (weights == "store" and train.available(rec, world, store)):
        trained = train.train(rec, world, store=store, progress=False)
        return trained.model.eval(), f"trained baseline (val accuracy {trained.val_acc:.3f})"
    model = train.build(rec, world.num_classes).eval()
    why = "" if weights == "random" else f"; no trained baseline in store {store.root}"
    return model, f"random weights (seed {rec.seed}{why})"


def scene_workload(
    per_class: int = 100,
    *,
    weights: str = "store",
    world: scenes.SceneWorld | None = None,
    data_scale: float = 1.0,
    epoch_scale: float = 1.0,
) -> Workload:
    """alexnet-mini and the first ``per_class`` validation images of each class (the book
    profile's validation set at 100: 24 classes x 100 images at 48 px)."""
    world = world or scenes.SceneWorld()
    model, description = alexnet_mini(
        weights, world, data_scale=data_scale, epoch_scale=epoch_scale
    )
    images, labels, _ = world.render_split("val", per_class)
    return Workload(model, description, scenes.normalize(images), labels, world.num_classes)


def _rate(x: float) -> str:
    return f"{x:,.0f}"


def bench_conv5(
    workload: Workload | None = None,
    *,
    per_class: int = 100,
    weights: str = "store",
    engine_repeats: int = 5,
    ref_repeats: int = 3,
    ref_units: int = 8,
    target: float = 50.0,
    verbose: bool = True,
) -> list[dict]:
    """Engine against reference on a full single-unit sweep of alexnet-mini's conv5, CPU.

    Asserts that the counts of the units the reference ran are identical to the engine's rows.
    """
    workload = workload or scene_workload(per_class, weights=weights)
    row = compare(
        workload.model,
        "conv5",
        workload.images,
        workload.labels,
        workload.num_classes,
        ref_units=ref_units,
        engine_repeats=engine_repeats,
        ref_repeats=ref_repeats,
    )
    row.update(target=target, weights=workload.weights, model="alexnet-mini")
    if verbose:
        print(
            f"\n## engine vs reference, CPU: alexnet-mini conv5, {row['images']} images x "
            f"{row['units']} units\n{workload.weights}\n"
            f"engine: all {row['units']} units, median of {row['engine_runs']}; reference: "
            f"{row['ref_units']} units + its clean pass, median of {row['reference_runs']}, "
            f"scaled to the {row['units'] + 1} passes of a full sweep"
        )
        print(f"{'':>10} {'images x ablations / s':>24} {'seconds':>9}")
        print(f"{'engine':>10} {_rate(row['engine_rate']):>24} {row['engine_s']:>9.2f}")
        print(f"{'reference':>10} {_rate(row['reference_rate']):>24} {row['reference_s']:>9.2f}")
        print(
            f"ratio {row['ratio']:.1f}x (spread {row['ratio_low']:.1f}-{row['ratio_high']:.1f}x "
            f"over the repeats; it {against_target(row, target)} the target {target:g}x; "
            f"FLOP bound {row['flop_ratio']:.1f}x)"
        )
    assert row["identical"], (
        f"engine and reference counts differ on conv5 (units of the reference subset): {row}"
    )
    assert row["loss_rel_diff"] < 1e-3, f"loss sums differ by {row['loss_rel_diff']:.2e}"
    if verbose:
        print(
            f"counts of the {row['ref_units']} reference units: identical to the engine's rows "
            f"(loss sums within {row['loss_rel_diff']:.1e} relative)"
        )
    return [row]


def bench_layers(
    workload: Workload | None = None,
    *,
    per_class: int = 100,
    weights: str = "store",
    layers: Sequence[str] = CONV_LAYERS,
    repeats: int = 3,
    ref_units: int = 4,
    verbose: bool = True,
) -> list[dict]:
    """Engine against reference for every conv layer of alexnet-mini, CPU (one row per layer)."""
    workload = workload or scene_workload(per_class, weights=weights)
    if verbose:
        print(
            f"\n## engine vs reference by layer, CPU: alexnet-mini, {len(workload.labels)} "
            f"images, all units; reference on {ref_units} units; median of {repeats}\n"
            f"{workload.weights}"
        )
        print(
            f"{'layer':>6} {'units':>5} {'engine img·abl/s':>17} {'reference img·abl/s':>20} "
            f"{'ratio':>7} {'FLOP bound':>10} {'counts':>10}"
        )
    rows = []
    for layer in layers:
        row = compare(
            workload.model,
            layer,
            workload.images,
            workload.labels,
            workload.num_classes,
            ref_units=ref_units,
            engine_repeats=repeats,
            ref_repeats=repeats,
        )
        row.update(weights=workload.weights, model="alexnet-mini")
        rows.append(row)
        if verbose:
            print(
                f"{layer:>6} {row['units']:>5} {_rate(row['engine_rate']):>17} "
                f"{_rate(row['reference_rate']):>20} {row['ratio']:>6.1f}x "
                f"{row['flop_ratio']:>9.1f}x {'identical' if row['identical'] else 'DIFFER':>10}"
            )
    return rows


# --------------------------------------------------------------------------------------------------
# The ROF test (Zhao et al. 2023): prefix sums against the plain masked loop


def rof_workload(
    per_class: int = 100,
    *,
    weights: str = "store",
    world: scenes.SceneWorld | None = None,
) -> Workload:
    """vgg16-mini ``gen-A`` (model A of the role-taxonomy pages) and the first ``per_class`` test
    images of each class. ``weights``: ``"store"`` loads the trained model if the store holds it,
    else random weights; ``"random"`` never loads."""
    if weights not in ("store", "random"):
        raise ValueError(f"weights must be 'store' or 'random', got {weights!r}")
    world = world or scenes.SceneWorld()
    rec = train.recipe("gen-A")
    store = Store()
    if weights == "store" and train.available(rec, world, store):
        trained = train.train(rec, world, store=store, progress=False)
        model, description = trained.model, f"trained gen-A (test accuracy {trained.test_acc:.3f})"
    else:
        model = train.build(rec, world.num_classes)
        why = "" if weights == "random" else f"; no trained gen-A in store {store.root}"
        description = f"random weights (seed {rec.seed}{why})"
    images, labels, _ = world.render_split("test", per_class)
    return Workload(model.eval(), description, scenes.normalize(images), labels, world.num_classes)


def bench_rof(
    workload: Workload | None = None,
    *,
    per_class: int = 100,
    weights: str = "store",
    layer: str = "conv5_3",
    repeats: int = 3,
    ref_repeats: int = 1,
    ref_classes: int = 2,
    verbose: bool = True,
) -> list[dict]:
    """ROF curves of every class at ``layer`` (all ``N + 1`` points), CPU: the engine's prefix
    sum (:func:`unitroles.roles.rof_curves`) against the plain loop of masked full forward passes
    (:func:`unitroles.roles.reference_rof_curves`, ``K (N + 1)`` passes).

    Units are ranked per class by activation L1 on the workload's own images (the bench times the
    curves, not the ranking). The reference runs on the first ``ref_classes`` classes and its time
    is scaled to all ``K`` classes (the classes have equally many images); its curves must equal
    the engine's rows for those classes: accuracies identical, losses within 1e-4 relative.
    """
    from . import roles

    workload = workload or rof_workload(per_class, weights=weights)
    model, x, y, k = workload.model, workload.images, workload.labels, workload.num_classes
    order = roles.unit_ranking(model, layer, x, y, k, device="cpu")
    ref_classes = min(ref_classes, k)
    mine = y < ref_classes
    roles.rof_curves(model, layer, x[mine], y[mine], order[:ref_classes], device="cpu")  # warm-up
    timed = side_by_side(
        {
            "engine": (lambda: roles.rof_curves(model, layer, x, y, order, device="cpu"), repeats),
            "reference": (
                lambda: roles.reference_rof_curves(
                    model, layer, x[mine], y[mine], order[:ref_classes]
                ),
                ref_repeats,
            ),
        }
    )
    (eng_times, fast), (ref_times, ref) = timed["engine"], timed["reference"]
    engine_s = statistics.median(eng_times)
    reference_full_s = statistics.median(ref_times) * k / ref_classes
    rel = np.abs(fast.loss[:ref_classes] - ref.loss) / np.maximum(np.abs(ref.loss), 1e-12)
    units = order.shape[1]
    row = {
        "layer": layer,
        "units": units,
        "classes": k,
        "images": len(y),
        "ref_classes": ref_classes,
        "points": k * (units + 1),
        "engine_s": engine_s,
        "reference_s": reference_full_s,
        "ratio": reference_full_s / engine_s,
        "identical": bool(np.array_equal(fast.accuracy[:ref_classes], ref.accuracy)),
        "loss_rel_diff": float(rel.max()),
        "engine_runs": len(eng_times),
        "reference_runs": len(ref_times),
        "prefix_sum": engine.Engine(model, layer, device="cpu").head(units) is not None,
        "weights": workload.weights,
        "model": "vgg16-mini",
    }
    if verbose:
        print(
            f"\n## ROF curves, CPU: vgg16-mini {layer}, {k} classes x {units + 1} points, "
            f"{len(y)} images\n{workload.weights}\n"
            f"engine ({'prefix sum' if row['prefix_sum'] else 'masked suffix passes'}): all "
            f"classes, median of {len(eng_times)}; reference (masked full passes): "
            f"{ref_classes} classes, median of {len(ref_times)}, scaled to {k} classes"
        )
        print(f"{'':>10} {'seconds':>9}")
        print(f"{'engine':>10} {engine_s:>9.2f}")
        print(f"{'reference':>10} {reference_full_s:>9.2f}")
        print(f"ratio {row['ratio']:.1f}x")
    assert row["identical"], f"ROF accuracies differ between engine and reference: {row}"
    assert row["loss_rel_diff"] < 1e-4, f"ROF losses differ by {row['loss_rel_diff']:.2e}"
    if verbose:
        print(
            f"curves of the {ref_classes} reference classes: accuracies identical to the engine's, "
            f"losses within {row['loss_rel_diff']:.1e} relative"
        )
    return [row]


def against_target(row: dict, target: float) -> str:
    """How a row's ratio compares with ``target``, given its spread over the repeats: ``"meets"``
    when even its lowest value reaches the target, ``"falls short of"`` when even its highest
    does not, and ``"is within the run-to-run spread of"`` otherwise (the repeats disagree, so
    the run does not decide). One run has no spread: its ratio decides."""
    low, high = row.get("ratio_low", row["ratio"]), row.get("ratio_high", row["ratio"])
    if low >= target:
        return "meets"
    if high < target:
        return "falls short of"
    return "is within the run-to-run spread of"


# --------------------------------------------------------------------------------------------------
# GPU mode: torchvision AlexNet at 224 px


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
    print(f"{'engine':>10} {_rate(row['engine_rate']):>24} {row['engine_s']:>9.3f}")
    print(
        f"{'reference':>10} {_rate(row['reference_rate']):>24} {row['reference_s']:>9.3f}"
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


# --------------------------------------------------------------------------------------------------
# The synthetic world and training


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


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
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
    info = machine(device)
    print(
        f"# unitroles bench: torch {info['torch']}, {info['torch_threads']} threads, "
        f"{info['cpu_count']} CPUs ({info['cpu']}), device {info['device']}"
    )
    if args.gpu:
        if device.type != "cuda":
            print("no CUDA device: the GPU mode runs on the CPU (its targets are for a GPU)")
        bench_gpu(
            images=args.images,
            units=args.units,
            image_size=args.image_size,
            ref_units=args.ref_units,
            repeats=3 if args.quick else 5,
            device=device,
        )
        return
    repeats = 3 if args.quick else 5
    bench_world(512 if args.quick else 2048, repeats)
    bench_training(repeats)
    workload = scene_workload(100)
    bench_conv5(workload, engine_repeats=5, ref_repeats=3, ref_units=8)
    if args.quick:  # a quarter of the images for the per-layer table
        workload = workload.first(25)
    bench_layers(workload, repeats=3, ref_units=4)
    bench_rof(rof_workload(25 if args.quick else 100), repeats=repeats)


if __name__ == "__main__":
    main()
