"""Is a trained model fit to study? Convergence, nearly-dead units and object detectors.

Zhou et al.'s claims are about converged networks whose units are alive and many of which detect
objects. A model that has not converged, or whose layer is full of units that hardly ever fire,
shows other things: a nearly-dead unit scores a high class selectivity while its ablation does
nothing. This module measures, per model, what the book's world page reports:

* **nearly dead**: a unit whose mean activation (post-ReLU, spatial and image mean over the
  validation images) is under ``fraction`` (default 10%) of the median unit's;
* **object units**: units whose best IoU with an *object* concept exceeds the dissection
  threshold (0.04), whatever their best concept overall;
* **levelled off**: the training loss's fall over the last ``window`` epochs, as a fraction of its
  whole fall (small: the loss has levelled off).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import engine
from .dissection import INTERPRETABLE_IOU, Dissection

DEAD_FRACTION = 0.1


@torch.no_grad()
def mean_activations(
    model: nn.Module, layer: str, inputs: torch.Tensor, batch_size: int = 512
) -> np.ndarray:
    """Each unit's mean activation over ``inputs`` (network inputs) and positions: ``(units,)``."""
    eng = engine.Engine(model, layer)
    total = None
    for s in range(0, len(inputs), batch_size):
        act = eng.activations(inputs[s : s + batch_size]).double()
        part = act.sum((0, 2, 3)) / (act.shape[2] * act.shape[3])
        total = part if total is None else total + part
    return (total / len(inputs)).cpu().numpy()


def nearly_dead(means: np.ndarray, fraction: float = DEAD_FRACTION) -> np.ndarray:
    """Units whose mean activation is under ``fraction`` of the median unit's (bool ``(units,)``).

    A layer whose median unit is itself silent (median 0) has every unit counted nearly dead.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    means = np.asarray(means, dtype=np.float64)
    median = np.median(means)
    return means <= 0 if median <= 0 else means < fraction * median


def object_units(dissection: Dissection) -> np.ndarray:
    """Units whose best object IoU exceeds the interpretability threshold (bool ``(units,)``)."""
    return dissection.best(["object"])["iou"].to_numpy() > INTERPRETABLE_IOU


def levelled_off(loss_per_epoch: Sequence[float], window: int = 5) -> float:
    """The loss's fall over the last ``window`` epochs as a fraction of its whole fall.

    0 means flat at the end; 1 means all of the fall came in the last ``window`` epochs. A curve
    that never fell (first value not above its minimum) gives ``nan``.
    """
    loss = np.asarray(loss_per_epoch, dtype=np.float64)
    if len(loss) < 2:
        return float("nan")
    whole = loss[0] - loss.min()
    if whole <= 0:
        return float("nan")
    window = min(window, len(loss) - 1)
    return float((loss[-window - 1] - loss[-1]) / whole)


# The layer each architecture's units are studied at (Zhou et al.: conv5 / layer4; Zhao: conv5_3).
STUDIED_LAYER = {"alexnet-mini": "conv5", "resnet18-mini": "layer4", "vgg16-mini": "conv5_3"}


def model_row(trained, broden=None, transform=None) -> dict:
    """One row of the world page's model table for a :class:`~unitroles.train.Trained` model.

    Accuracies are fractions; ``late loss fall`` is :func:`levelled_off`; ``nearly dead (%)`` and
    ``object units`` are measured at the architecture's studied layer, the latter only when a
    Broden-format ``broden`` set and its ``transform`` are given (else ``None``). The weakest
    class is the one with the lowest validation accuracy.
    """
    from . import dissection, train
    from .scenes import SceneDataset

    rec, world = trained.recipe, trained.world
    layer = STUDIED_LAYER.get(rec.arch, "conv5")
    val = SceneDataset(world, "val", rec.eval_per_class)
    inputs, labels = val.tensors()
    means = mean_activations(trained.model, layer, inputs)
    correct = (train.predict(trained.model, val.images) == labels).double()
    per_class = torch.zeros(world.num_classes, dtype=torch.float64).index_add_(0, labels, correct)
    per_class /= torch.bincount(labels, minlength=world.num_classes).clamp(min=1)
    weakest = int(per_class.argmin())
    objects = None
    if broden is not None:
        d = dissection.cached_dissection(trained.model, layer, broden, transform)
        objects = int(object_units(d).sum())
    return {
        "recipe": rec.name,
        "seed": rec.seed,
        "layer": layer,
        "units": len(means),
        "train acc": trained.train_acc,
        "val acc": trained.val_acc,
        "late loss fall": levelled_off(trained.meta["loss_per_epoch"]),
        "nearly dead (%)": float(100 * nearly_dead(means).mean()),
        "object units": objects,
        "weakest class": world.class_names[weakest],
        "weakest class acc": float(per_class[weakest]),
        "train s": trained.train_seconds,
        "weights digest": trained.meta.get("weights_digest", "not recorded"),
    }


def targets(table: pd.DataFrame) -> pd.DataFrame:
    """The Zhou models' fitness targets, evaluated on a table of :func:`model_row` rows.

    ``table`` is indexed by ``(recipe, seed)``. Returns one row per target: what it asks, the
    measured value (text) and whether it is met. Accuracies are compared in pts (percentage
    points); seed means where a recipe has several seeds.
    """
    val = 100 * table["val acc"]
    base = val.loc["baseline"]
    mean = {r: float(val.loc[r].mean()) for r in ("baseline", "batchnorm", "dropout-conv5")}
    zhou = table.drop(index=[r for r in table.index.unique("recipe") if r.startswith("gen-")])
    baseline = table.loc["baseline"]
    rows = [
        (
            "baseline within 5 pts of batch norm (validation accuracy, seed means)",
            f"{mean['baseline']:.1f}% vs {mean['batchnorm']:.1f}%",
            abs(mean["baseline"] - mean["batchnorm"]) <= 5,
        ),
        (
            "dropout-conv5 within 4 pts of the baseline (seed means)",
            f"{mean['dropout-conv5']:.1f}% vs {mean['baseline']:.1f}%",
            abs(mean["dropout-conv5"] - mean["baseline"]) <= 4,
        ),
        (
            "nearly-dead units ≤ 5% in every Zhou model",
            f"at most {zhou['nearly dead (%)'].max():.1f}%",
            bool((zhou["nearly dead (%)"] <= 5).all()),
        ),
        (
            "spread of the baseline's validation accuracy over its seeds ≤ 3 pts",
            f"{base.max() - base.min():.1f} pts over {len(base)} seeds",
            float(base.max() - base.min()) <= 3,
        ),
        (
            "≥ 8 object-interpretable units in every baseline seed",
            ", ".join(str(int(n)) for n in baseline["object units"]),
            bool((baseline["object units"] >= 8).all()),
        ),
        (
            "no class of the baseline below 30% validation accuracy (every seed)",
            f"weakest {100 * baseline['weakest class acc'].min():.0f}%",
            bool((baseline["weakest class acc"] >= 0.3).all()),
        ),
    ]
    out = pd.DataFrame(rows, columns=["target", "this build", "met"]).set_index("target")
    out.attrs["baseline_val_range"] = f"{base.min():.1f}–{base.max():.1f}"
    return out


__all__ = [
    "DEAD_FRACTION",
    "STUDIED_LAYER",
    "model_row",
    "levelled_off",
    "mean_activations",
    "nearly_dead",
    "object_units",
    "targets",
]
