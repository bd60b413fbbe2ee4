"""When do single units matter? Zhou et al.'s Fig. 3 numbers against a layer's units per class.

Zhou et al. (2018) find that at AlexNet-Places365's conv5, more than half of the 256 units drop
some class by over 10 pts and one drops a class by 50, while the overall accuracy barely moves.
That network has 0.7 conv5 units a class and classifies about half of its validation images
right. A layer with several units a class, on a model far from its decision boundaries, has
spare evidence for every class: removing one unit costs little. This module measures the three
headline numbers of Fig. 3 on one model (:func:`headline`), over a sweep of conv5 widths
(:func:`sweep`), and states the regime the book's world aims at (:data:`REGIME`), fixed before
any verdict was seen (issue 25).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import drop_curves, sweeps
from .evaluation import Setup

__all__ = ["PAPER", "REGIME", "Target", "headline", "regime_table", "sweep"]

# Zhou et al. 2018, sec. 3.1-3.2 and Fig. 1, 3: AlexNet conv5 on Places365.
PAPER = {
    "units": 256,
    "classes": 365,
    "units_per_class": 256 / 365,
    "accuracy": 50.6,  # % top-1, the baseline of Fig. 1
    "over": 50.0,  # % of units whose max class drop exceeds 10 pts: "more than half"
    "largest": 50.0,  # pts, the largest max class drop at conv5
    "overall": 0.2,  # pts, the bed unit's overall drop (Fig. 1); Fig. 3: "below 1%"
}


@dataclass(frozen=True)
class Target:
    """One quantity of the regime the book's world aims at: ``low`` <= value <= ``high``."""

    name: str
    low: float
    high: float
    unit: str
    why: str

    def met(self, value: float) -> bool:
        return self.low <= value <= self.high

    def text(self) -> str:
        if self.low == self.high:
            return f"{self.low:g}{self.unit}"
        if self.low == -np.inf:
            return f"≤ {self.high:g}{self.unit}"
        if self.high == np.inf:
            return f"≥ {self.low:g}{self.unit}"
        return f"{self.low:g}–{self.high:g}{self.unit}"


# The regime of issue 25, set before any verdict on the new world was seen.
REGIME = (
    Target(
        "conv5 units per class", -np.inf, 1.5, "",
        "the paper's AlexNet has 0.7; the first world had 4, spare evidence for every class",
    ),
    Target(
        "baseline validation accuracy", 50.0, 70.0, "%",
        "the paper's AlexNet classifies about half of Places365 right (50.6%); the first "
        "world's baseline 88%, far from its decision boundaries",
    ),
    Target(
        "validation images a class", 100, 100, "",
        "as in Places365's validation set; one image is 1 pt of a class's accuracy",
    ),
)  # fmt: skip


def regime_table(units: int, classes: int, accuracies: Sequence[float], per_class: int):
    """The world page's table: each :data:`REGIME` target, ours, the paper's, and whether ours
    meets it. ``accuracies``: the baseline's validation accuracy (%) on each seed (the mean is
    compared; the range is shown)."""
    acc = np.asarray(accuracies, dtype=float)
    ours = {
        "conv5 units per class": (units / classes, f"{units / classes:.2f} ({units} / {classes})"),
        "baseline validation accuracy": (
            float(acc.mean()),
            f"{acc.mean():.1f}% ({acc.min():.1f}–{acc.max():.1f}, {len(acc)} seeds)",
        ),
        "validation images a class": (per_class, str(per_class)),
    }
    paper = {
        "conv5 units per class": f"{PAPER['units_per_class']:.2f} (256 / 365)",
        "baseline validation accuracy": f"{PAPER['accuracy']:.1f}%",
        "validation images a class": "100",
    }
    return pd.DataFrame(
        [
            {
                "quantity": t.name,
                "target": t.text(),
                "ours": ours[t.name][1],
                "paper": paper[t.name],
                "met": "yes" if t.met(ours[t.name][0]) else "no",
                "why this target": t.why,
            }
            for t in REGIME
        ]
    ).set_index("quantity")


def headline(setup: Setup, layer: str = "conv5", *, progress: bool = False) -> dict:
    """Fig. 3's numbers for one model's ``layer`` (every unit ablated on ``setup``'s images,
    cached): units, classes, units per class, accuracy (%), the share (%) of units whose max
    class drop exceeds 10 pts, the largest max class drop (pts), the mean of the curve's head
    (top 10%), the mean overall drop (pts) and the largest overall drop (pts)."""
    counts = sweeps.unit_sweep(
        setup.model, layer, setup.images, setup.labels, setup.num_classes, progress=progress
    )
    drops = counts.class_drop().max(1)
    overall = counts.overall_drop()
    units = len(drops)
    return {
        "units": units,
        "classes": setup.num_classes,
        "units_per_class": units / setup.num_classes,
        "accuracy": counts.base_overall_accuracy(),
        "over": drop_curves.share_over(drops),
        "largest": float(drops.max()),
        "head": drop_curves.head_mean(drops),
        "overall_mean": float(overall.mean()),
        "overall_largest": float(overall.max()),
    }


def sweep(models: dict[tuple[str, int], Setup], layer: str = "conv5", *, progress=False):
    """:func:`headline` for each model, keyed ``(recipe, seed)``: one row a model, sorted by
    units per class."""
    rows = [
        {"recipe": name, "seed": seed, **headline(setup, layer, progress=progress)}
        for (name, seed), setup in models.items()
    ]
    return pd.DataFrame(rows).sort_values(["units_per_class", "seed"]).reset_index(drop=True)
