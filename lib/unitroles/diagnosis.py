"""Why a claim of Zhou et al. (2018) may not show on the synthetic world: computed diagnoses.

A page whose claim does not hold on converged models says why, from numbers of its own run. The
diagnoses here are the ones several pages share:

* :func:`drop_resolution` — how large single-unit class drops are, measured in images: with about
  100 evaluation images a class, a drop of 1 pt is one image more misclassified, and a layer with
  several units per class (:func:`unitroles.study.scale_comparison`) loses little when one goes.
  Correlations with a drop that takes only a few distinct small values are bounded near zero.
* :func:`concept_mix` — what the units' best concepts are: on the synthetic world the scene
  labels are the classes, so a unit whose best concept is a scene matches a whole class's image
  region, not an object inside it, and its IoU measures class selectivity again.
* :func:`duplication` — how many units share each matched concept: training with channel dropout
  makes a network keep several copies of what it needs, which can keep the count of interpretable
  units up while the concepts they match become fewer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def drop_resolution(tables: Sequence[pd.DataFrame], images_per_class: Sequence[int]) -> dict:
    """How coarse the max class drop is, over the tables of several instances.

    ``tables``: :meth:`unitroles.study.UnitStudy.table` per instance (``max_class_drop`` in pts);
    ``images_per_class``: the fewest evaluation images of a class, per instance. Returns medians
    over instances: ``median_drop`` (pts, the median unit's max class drop), ``share_small``
    (fraction of units whose max class drop is at most 2 images' worth), ``images`` (per class)
    and ``distinct`` (distinct values the max class drop takes).
    """
    if not tables or len(tables) != len(images_per_class):
        raise ValueError("give one table and one image count per instance")
    medians, small, distinct = [], [], []
    for table, n in zip(tables, images_per_class):
        drop = table["max_class_drop"].to_numpy(float)
        step = 100.0 / n  # pts per image
        medians.append(np.median(drop))
        small.append(float((drop <= 2 * step + 1e-9).mean()))
        distinct.append(len(np.unique(np.round(drop, 6))))
    return {
        "median_drop": float(np.median(medians)),
        "share_small": float(np.median(small)),
        "images": int(np.median(images_per_class)),
        "distinct": int(np.median(distinct)),
    }


def concept_mix(tables: Sequence[pd.DataFrame], *, interpretable_only: bool = True) -> pd.Series:
    """Share of units (the interpretable ones by default) whose best concept is in each Broden
    category, pooled over instances (fractions summing to 1; categories with none left out)."""
    rows = pd.concat([t[t["interpretable"]] if interpretable_only else t for t in tables])
    if rows.empty:
        return pd.Series(dtype=float, name="share")
    return rows["category"].value_counts(normalize=True).rename("share")


def within_category_r(
    tables: Sequence[pd.DataFrame], spearman, *, attribute: str = "iou", min_units: int = 6
) -> pd.DataFrame:
    """Spearman r of ``attribute`` with the max class drop among the units of one best-concept
    category, per instance: rows categories, columns instances (NaN where fewer than
    ``min_units`` units). ``spearman(x, y) -> (r, p)`` is :func:`unitroles.study.spearman`."""
    out = {}
    for i, table in enumerate(tables):
        col = {}
        for category, group in table.groupby("category"):
            if len(group) >= min_units:
                col[category] = spearman(group[attribute], group["max_class_drop"])[0]
        out[i] = col
    return pd.DataFrame(out)


def duplication(best: pd.DataFrame) -> dict:
    """Units per matched concept in one dissection: ``best`` has one row per unit with
    ``concept`` and ``interpretable`` (:meth:`unitroles.dissection.Dissection.best`). Returns
    ``units`` (interpretable units), ``concepts`` (distinct concepts they match) and
    ``per_concept`` (units / concepts; 0 when none)."""
    kept = best[best["interpretable"]]
    units, concepts = len(kept), kept["concept"].nunique()
    return {
        "units": units,
        "concepts": concepts,
        "per_concept": units / concepts if concepts else 0.0,
    }


__all__ = ["concept_mix", "drop_resolution", "duplication", "within_category_r"]
