"""Timing, the machine, and counting work: what benchmarks and sweep plans both measure.

A low module: the benchmarks (:mod:`unitroles.bench` and its sections, ``bench_*``) and
:mod:`unitroles.cost` (a sweep's plan and estimated time) both use it, and it imports neither.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import engine


def median_rate(fn, items: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        rates.append(items / (time.perf_counter() - start))
    return statistics.median(rates)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds(fn: Callable[[], object], device: torch.device) -> tuple[float, object]:
    """Wall time of ``fn()`` (CUDA work included) and its result."""
    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return time.perf_counter() - start, result


def side_by_side(
    runs: dict[str, tuple[Callable[[], object], int]], device: torch.device | str = "cpu"
) -> dict[str, tuple[list[float], object]]:
    """Time several functions interleaved in one process: round ``r`` runs each function that
    still has repeats left, so slow drifts of the machine's load hit them all alike.

    ``runs`` maps a name to ``(fn, repeats)``; returns ``{name: (seconds of each run, last
    result)}``.
    """
    device = torch.device(device)
    out: dict[str, tuple[list[float], object]] = {name: ([], None) for name in runs}
    for r in range(max(repeats for _, repeats in runs.values())):
        for name, (fn, repeats) in runs.items():
            if r < repeats:
                seconds_, result = seconds(fn, device)
                out[name] = (out[name][0] + [seconds_], result)
    return out


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(device: torch.device | str | None = None) -> dict:
    """What the numbers were measured on: CPU, core count, torch threads and version, device."""
    device = torch.device(device) if device is not None else torch.device("cpu")
    info = {
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": "cpu",
    }
    if device.type == "cuda":
        info["device"] = torch.cuda.get_device_name(device)
    return info


# --------------------------------------------------------------------------------------------------
# Counting work: multiply-accumulates of the Linear and Conv2d layers


def macs_per_image(module: nn.Module, x: torch.Tensor) -> dict[nn.Module, int]:
    """MACs per input image of every ``Linear`` / ``Conv2d`` that ``module(x)`` calls."""
    macs: dict[nn.Module, int] = {}

    def hook(m, _inputs, out):
        if isinstance(m, nn.Linear):
            count = out.numel() * m.in_features
        else:
            count = out.numel() * (m.in_channels // m.groups) * int(np.prod(m.kernel_size))
        macs[m] = macs.get(m, 0) + count // x.shape[0]

    layers = [m for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    handles = [m.register_forward_hook(hook) for m in layers]
    try:
        with torch.no_grad():
            module(x)
    finally:
        for h in handles:
            h.remove()
    return macs


@dataclass(frozen=True)
class Work:
    """MACs per image of an engine's pieces.

    ``prefix``: input to the layer. ``suffix``: the layer to the logits (all of it, what the
    reference and the engine without the shortcut run per ablation). ``head``: the suffix's first
    ``Linear`` / ``Conv2d`` when the linear-head shortcut applies (0 otherwise); with the shortcut
    it runs once per image and the engine runs ``suffix - head`` per ablation.
    """

    prefix: int
    suffix: int
    head: int

    @property
    def per_ablation(self) -> int:
        """Suffix MACs per image per ablation that the engine runs (shortcut applied)."""
        return self.suffix - self.head

    def engine(self, units: int) -> int:
        """Engine MACs per image for ``units`` ablations: the prefix and the clean suffix once,
        the head twice (clean pre-activation and per-channel contributions), the rest per unit."""
        return self.prefix + self.suffix + 2 * self.head + units * self.per_ablation

    def reference(self, units: int) -> int:
        """Reference MACs per image: one full pass per ablation and one clean pass."""
        return (units + 1) * (self.prefix + self.suffix)

    def flop_ratio(self, units: int) -> float:
        return self.reference(units) / self.engine(units)


def work(eng: engine.Engine, image: torch.Tensor) -> Work:
    """MACs per image of ``eng``'s prefix, suffix and linear head, counted on ``image (1, ...)``."""
    image = image.to(eng.device)
    prefix = sum(macs_per_image(eng.split.prefix, image).values())
    act = eng.activations(image)
    suffix = macs_per_image(eng.split.suffix, act)
    head = eng.head(act.shape[1])
    head_macs = suffix.get(head.linear, 0) if head is not None else 0
    return Work(prefix, sum(suffix.values()), head_macs)
