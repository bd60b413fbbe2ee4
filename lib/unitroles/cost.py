"""What a sweep will cost, said before it runs: its planned work and an estimated time on the
current device, from :mod:`unitroles.timing`'s work count and a timed sample of the sweep itself.

The paper profile's sweeps run for hours on full-size data, so :func:`unitroles.sweeps.cached_sweep`
prints the plan of every sweep on full-size inputs (:data:`FULL_SIZE` px and up) before it starts,
then shows a progress bar with the time left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from . import engine, timing

FULL_SIZE = 128  # inputs at least this many pixels high: the papers' models, the paper profile
SAMPLE_IMAGES = 16
SAMPLE_ABLATIONS = 16


@dataclass(frozen=True)
class Plan:
    """A sweep's work: ``images x ablations`` suffix passes, MACs, and the estimated seconds."""

    images: int
    ablations: int
    macs: int  # multiply-accumulates, with the engine's linear-head shortcut (timing.Work)
    seconds: float  # estimated from a timed sample on ``device``
    device: str

    @property
    def suffix_passes(self) -> int:
        return self.images * self.ablations

    def __str__(self) -> str:
        return (
            f"planned: {self.images:,} images x {self.ablations:,} ablations = "
            f"{self.suffix_passes:,} suffix passes ({self.macs / 1e9:,.1f} GMAC); estimated "
            f"{duration(self.seconds)} on {self.device} (timed on a sample; "
            "python -m unitroles.bench measures the engine in full)"
        )


def duration(seconds: float) -> str:
    """``"45 s"``, ``"12 min"``, ``"3.4 h"``."""
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def is_full_size(images: torch.Tensor) -> bool:
    return images.dim() == 4 and images.shape[-2] >= FULL_SIZE


def plan_sweep(
    eng, images, labels, ablations, num_classes: int, *, total: int | None = None, **chunks
) -> Plan:
    """The plan of ``eng.sweep(images, labels, ablations, num_classes)`` (or of ``total``
    ablations like them): its work from :func:`unitroles.timing.work`, its time from a sweep of at
    most :data:`SAMPLE_IMAGES` images x :data:`SAMPLE_ABLATIONS` ablations on the same device,
    scaled by the images x ablations (the per-ablation suffix dominates; the per-image prefix is
    in the sample too)."""
    work = timing.work(eng, images[:1])
    n, a = len(images), len(ablations) if total is None else total
    m, k = min(n, SAMPLE_IMAGES), min(len(ablations), SAMPLE_ABLATIONS)
    sample = subset(ablations, range(k))
    eng.sweep(images[:1], labels[:1], subset(ablations, [0]), num_classes)  # warm-up
    seconds, _ = timing.seconds(
        lambda: eng.sweep(images[:m], labels[:m], sample, num_classes, **chunks), eng.device
    )
    macs = n * (work.prefix + work.suffix + 2 * work.head) + n * a * work.per_ablation
    estimate = seconds * (n / m) * (a / k) if m and k else 0.0
    name = str(eng.device)
    if eng.device.type == "cuda":
        name += f" ({torch.cuda.get_device_name(eng.device)})"
    return Plan(n, a, int(macs), float(estimate) if math.isfinite(estimate) else 0.0, name)


def subset(ablations: engine.Ablations, rows: Sequence[int]) -> engine.Ablations:
    """The ablations of ``ablations`` at ``rows``, in that order."""
    rows = list(rows)
    names = tuple(ablations.names[i] for i in rows) if ablations.names else ()
    d = None if ablations.directions is None else ablations.directions[rows]
    return engine.Ablations(ablations.keep[rows], d, names)
