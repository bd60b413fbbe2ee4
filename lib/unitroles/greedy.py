"""Greedy unit ablation (Zhou et al. 2018, Fig. 4), built on the engine, and its cached form.

Per class, units are removed one at a time, each time the one whose removal (with those already
removed) lowers that class's accuracy most, against removal in random orders. The search evaluates
every remaining unit at each step as a batch of unit sets on the engine
(:meth:`unitroles.engine.Engine.logits`). Apart from the engine and from :mod:`unitroles.sweeps` so
that single-unit sweeps are not keyed by this code, nor greedy results by theirs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import engine as engine_module
from . import sweeps, zoo
from .engine import Ablations, Engine, unit_sets
from .store import Store, code_version

__all__ = ["GreedyResult", "cached_greedy", "greedy_ablation"]


@dataclass
class GreedyResult:
    """Class accuracy (%) after ablating 0..steps units, greedy vs random order.

    ``greedy`` is ``(classes, steps + 1)``; ``random`` is ``(classes, orders, steps + 1)``;
    ``order`` is ``(classes, steps)``, the units greedy picked.
    """

    classes: list[int]
    greedy: np.ndarray
    random: np.ndarray
    order: np.ndarray


@torch.no_grad()
def greedy_ablation(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    classes: Sequence[int],
    steps: int,
    *,
    random_orders: int = 5,
    seed: int = 0,
    device=None,
    chunk_ablations: int = 64,
    progress: bool = False,
) -> GreedyResult:
    """Per class, ablate units one at a time, each time adding the unit whose removal (with those
    already removed) lowers that class's accuracy most; ties go to the larger class loss.

    Accuracy is measured on the class's own images in ``images``. The baseline removes units in
    ``random_orders`` random orders (seeded).
    """
    engine = Engine(model, layer, device=device)
    rng = np.random.default_rng(seed)
    greedy_curve, random_curve, orders = [], [], []
    iterator = classes
    if progress:
        from tqdm import tqdm

        iterator = tqdm(classes, desc="greedy ablation", unit="class")
    for k in iterator:
        mask = labels == k
        if not mask.any():
            raise ValueError(f"class {k} has no images to ablate on")
        act = engine.activations(images[mask])
        y = labels[mask].to(act.device)
        units = act.shape[1]
        if steps > units:
            raise ValueError(f"steps={steps} exceeds the layer's {units} units")

        def evaluate(abl: Ablations, act=act, y=y) -> tuple[np.ndarray, np.ndarray]:
            acc, loss = [], []
            for _, logits in engine.logits(act, abl, chunk_ablations):
                a, n, c = logits.shape
                acc.append((logits.argmax(-1) == y).double().mean(1))
                ce = F.cross_entropy(logits.reshape(a * n, c), y.repeat(a), reduction="none")
                loss.append(ce.view(a, n).double().mean(1))
            return 100 * torch.cat(acc).cpu().numpy(), torch.cat(loss).cpu().numpy()

        removed: list[int] = []
        base_acc, _ = evaluate(unit_sets(units, [[]]))
        curve = [base_acc[0]]
        for _ in range(steps):
            candidates = [u for u in range(units) if u not in removed]
            acc, loss = evaluate(unit_sets(units, [removed + [u] for u in candidates]))
            best = np.lexsort((-loss, acc))[0]  # lowest accuracy, then highest loss
            removed.append(candidates[best])
            curve.append(acc[best])
        greedy_curve.append(curve)
        orders.append(removed)
        rand = []
        for _ in range(random_orders):
            perm = rng.permutation(units)[:steps].tolist()
            acc, _ = evaluate(unit_sets(units, [perm[:t] for t in range(steps + 1)]))
            rand.append(acc)
        random_curve.append(rand)
    return GreedyResult(
        list(classes), np.array(greedy_curve), np.array(random_curve), np.array(orders)
    )


def cached_greedy(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    classes,
    steps: int,
    *,
    random_orders: int = 5,
    seed: int = 0,
    store: Store | None = None,
    device=None,
    progress: bool = True,
) -> GreedyResult:
    """:func:`greedy_ablation`, cached in ``store`` by content (:func:`sweeps.cached_arrays`)."""
    this = sys.modules[__name__]
    classes = [int(k) for k in classes]
    key_parts = (
        sweeps.model_fingerprint(model), zoo.resolve_layer(model, layer),
        sweeps.tensor_fingerprint(images, labels), classes, steps, random_orders, seed,
        code_version(engine_module, this),
    )  # fmt: skip

    def compute():
        r = greedy_ablation(
            model, layer, images, labels, classes, steps, random_orders=random_orders,
            seed=seed, device=device, progress=progress,
        )  # fmt: skip
        return {"classes": r.classes, "greedy": r.greedy, "random": r.random, "order": r.order}

    arrays = sweeps.cached_arrays(store or Store(), "greedy", f"greedy-{layer}", key_parts, compute)
    return GreedyResult(
        arrays["classes"].tolist(), arrays["greedy"], arrays["random"], arrays["order"]
    )
