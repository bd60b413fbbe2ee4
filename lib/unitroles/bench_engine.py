"""Benchmarks of the ablation engine against the hook-based reference, on the book's workload.

* :func:`bench_conv5`: a full single-unit sweep of alexnet-mini's conv5 on the book profile's
  validation set; the counts of the units the reference ran are checked to be identical to the
  engine's.
* :func:`bench_layers`: the same comparison for every conv layer, conv1 .. conv5.
* :func:`compare`: one such comparison, for any model and layer (also the GPU mode's,
  :mod:`unitroles.bench_gpu`); :func:`against_target` says how its ratio compares with a target.

**Throughput** is images x ablations per second. The engine's is measured on the full sweep. The
reference runs one full forward pass per ablation plus one clean pass, so it is timed on ``k``
units (``k + 1`` passes) and its time is scaled to the ``U + 1`` passes of a full sweep of ``U``
units. The **FLOP bound** is the ratio the engine would reach if both paths ran at the same FLOP
rate: the reference's ``(U + 1)`` full passes over the engine's work per image (the prefix once,
the clean suffix once, the first linear map twice with the linear-head shortcut, and the rest of
the suffix once per ablation), counting multiply-accumulates of every ``Linear`` and ``Conv2d``
(:func:`unitroles.timing.work`). It is a *dense* bound: the engine skips, exactly, the (ablation,
image) pairs whose ablated units are zero all over the image, so a measured ratio can exceed it.

Each section prints its table (unless ``verbose=False``) and returns its rows, a list of dicts,
so a notebook can call it (the performance page does). ``python -m unitroles.bench`` runs them all.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import cost, engine, reference, scenes, train
from .store import Store
from .timing import side_by_side, work

CONV_LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5")


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
    rec = train.recipe("baseline").scaled(data_scale, epoch_scale)
    world = train.world_of(rec, world)
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
    profile's validation set at 100: 48 classes x 100 images at 48 px) of the baseline's world
    (``world``'s size and seed, the recipe's scenes)."""
    world = train.world_of(train.recipe("baseline"), world)
    model, description = alexnet_mini(
        weights, world, data_scale=data_scale, epoch_scale=epoch_scale
    )
    images, labels, _ = world.render_split("val", per_class)
    return Workload(model, description, scenes.normalize(images), labels, world.num_classes)


def format_rate(x: float) -> str:
    """A throughput as the tables print it: ``12,345``."""
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
        print(f"{'engine':>10} {format_rate(row['engine_rate']):>24} {row['engine_s']:>9.2f}")
        print(
            f"{'reference':>10} {format_rate(row['reference_rate']):>24} {row['reference_s']:>9.2f}"
        )
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
                f"{layer:>6} {row['units']:>5} {format_rate(row['engine_rate']):>17} "
                f"{format_rate(row['reference_rate']):>20} {row['ratio']:>6.1f}x "
                f"{row['flop_ratio']:>9.1f}x {'identical' if row['identical'] else 'DIFFER':>10}"
            )
    return rows


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
