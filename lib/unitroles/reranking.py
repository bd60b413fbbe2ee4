"""The ROF test again under other rank orders, on the first images of each class.

The exercises of Zhao et al.'s Fig. 1 and Fig. 2 pages ask what a unit's turning point and role
owe to the ranking. To stay quick they rerun the test on the first images a class of the page's
training and test sets (:func:`first_images`, :func:`exercise_sizes`), with the page's activation
ranking and with others (:func:`rerank`, :func:`weight_order`), so that rows differ in the
ranking alone; :func:`curve_row` and :func:`role_row` are the rows their tables show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from .rof import rof_curves, unit_ranking
from .roles import ROLES, Taxonomy
from .scenes import normalize

SPLITS = ("train", "test")

Images = dict[str, tuple[torch.Tensor, torch.Tensor]]
"""Per split, ``(images (n, 3, H, W) normalized, labels (n,))``."""


def exercise_sizes(tax: Taxonomy, most: int) -> dict[str, int]:
    """Images a class per split for an exercise: ``most``, or fewer where the page's sets have
    fewer for some class (``tax.train.images``, ``tax.test.images``)."""
    return {split: min(most, int(getattr(tax, split).images.min())) for split in SPLITS}


def first_images(world, per_class: Mapping[str, int]) -> Images:
    """The first ``per_class[split]`` images a class of each split of the synthetic ``world``,
    normalized for the model; image ``i`` depends on the split and ``i`` only, so these are the
    start of the page's image sets."""
    images = {}
    for split, n in per_class.items():
        x, y, _ = world.render_split(split, n)
        images[split] = (normalize(x), y)
    return images


def head(images: Images, per_class: Mapping[str, int], classes: int) -> Images:
    """The first ``per_class[split] * classes`` images of each split of ``images`` (rendered
    class-balanced, a whole round of the classes at a time: the first images a class)."""
    return {s: tuple(arr[: n * classes] for arr in images[s]) for s, n in per_class.items()}


def weight_order(model: nn.Module, layer: str, images: Images, classes: int) -> np.ndarray:
    """``(K, N)`` the units of ``layer`` ranked by their filter's L1 norm (the same order for
    every class), from the training images of ``images``."""
    return unit_ranking(model, layer, *images["train"], classes, rank_by="weight")


def rerank(
    model: nn.Module,
    layer: str,
    images: Images,
    order: np.ndarray,
    class_names: Sequence[str],
    rank_by: str = "activation",
) -> Taxonomy:
    """The ROF test of every class on ``images``' training and test split, units switched on
    in ``order`` ``(K, N)``; ``rank_by`` names the order."""
    curves = [rof_curves(model, layer, *images[s], order) for s in SPLITS]
    return Taxonomy(*curves, tuple(class_names), layer, rank_by)


def curve_row(s_train: pd.DataFrame, s_test: pd.DataFrame, units: int, early: float) -> dict:
    """One ranking's row of the Fig. 1 exercises from the train and test
    :func:`~unitroles.rof.rof_summary`: median turning points (% of the ``units``), the median
    part of the test fall made by the first ``early`` of the units, the median test minimum
    (nats) and the classes whose test curve rises after its turning point (%)."""
    return {
        "median n0, train (% of units)": 100 * s_train["n0_fraction"].median(),
        "median n0, test (% of units)": 100 * s_test["n0_fraction"].median(),
        f"median part of the test fall made by {early:.0%} of the units": s_test[
            "early_recovery"
        ].median(),
        "median E(n0), test (nats)": s_test["loss_min"].median(),
        "classes with n0 < N, test (%)": 100 * (s_test["n0"] < units).mean(),
    }


def role_row(tax: Taxonomy) -> dict:
    """One (model, ranking)'s row of the Fig. 2 exercises: the median turning points over classes
    (units) and the mean proportion of the layer's units in each role (%)."""
    proportions = tax.proportions()
    return {
        "median n0, train": np.median(tax.n0_train),
        "median n0, test": np.median(tax.n0_test),
    } | {f"{r} (%)": 100 * proportions[r].mean() for r in ROLES}


def largest_moves(before: Mapping[str, float], after: Mapping[str, float]) -> str:
    """Which role grows most and which shrinks most between two :func:`role_row` rows, in
    words with both proportions (% of the units)."""
    change = {r: after[f"{r} (%)"] - before[f"{r} (%)"] for r in ROLES}
    up, down = max(change, key=change.get), min(change, key=change.get)
    return (
        f"{up} grows most ({before[f'{up} (%)']:.0f}% → {after[f'{up} (%)']:.0f}% of the units) "
        f"and {down} shrinks most ({before[f'{down} (%)']:.0f}% → {after[f'{down} (%)']:.0f}%)"
    )
