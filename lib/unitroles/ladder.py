"""Zhao et al.'s ladder over seeds: what the Zhao pages measure on each seed of the five models.

The book trains every rung ``gen-A`` … ``gen-E`` from the seeds :data:`unitroles.recipes.
LADDER_SEEDS`. A page that compares the five models measures its quantity on each seed's ladder
(one :func:`unitroles.generalization.generalization_roles` result, ``{"model A": ModelRoles,
…}``) and lets the seeds vote on each check (:func:`unitroles.study.seed_checks`); a page that
shows one model's curves shows the first seed. This module holds the per-seed measurements the
pages share: accuracies (Table 1), curve divergence (Fig. 3), role points and their separation
(Fig. 4) and mean role proportions (Table 2).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import generalization
from .role_figures import ROLE_SPACE

WELL, POOR = ("model A", "model B"), ("model D", "model E")
"""The well and the poorly generalized pair of Zhao et al.'s Fig. 4 reading ("A and B are quite
similar"; C, D and E "completely different")."""


def accuracy_rows(trained_by_seed: Mapping[int, Mapping[str, object]]) -> pd.DataFrame:
    """Table 1 over seeds: one row per (model, seed) of :func:`unitroles.train.summary`, from
    ``{seed: {"model A": Trained, …}}``."""
    from . import train

    rows = [r for models in trained_by_seed.values() for r in train.summary(dict(models))]
    return seeded(pd.DataFrame(rows))


def seeded(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with an integer ``seed`` column: a missing one (the paper profile's checkpoints,
    one a model) is seed 0."""
    rows = rows.copy()
    seed = pd.to_numeric(rows["seed"], errors="coerce") if "seed" in rows else 0
    rows["seed"] = seed.fillna(0).astype(int) if "seed" in rows else 0
    return rows


def spearman(a, b) -> float:
    """Spearman correlation of two series over the models, rounded to 6 digits (0.9 is 0.9,
    not 0.8999…, for a check's line)."""
    return round(float(pd.Series(a).corr(pd.Series(b), method="spearman")), 6)


def divergence(models: Mapping[str, generalization.ModelRoles]) -> dict:
    """One seed's curve divergence (Fig. 3, claim R4): ``gaps`` and per-model means of
    ``divergence`` and ``shape_divergence`` (Series, A → E), their Spearman ρ with the gap
    (``rho``, ``rho_shape``), the partial Spearman ρ of a class's divergence with the model's
    place in the ladder, each class's loss gap held fixed (``partial``), the (model, class)
    ``points`` and model A's mean core proportion (``core_a``, a fraction)."""
    points = generalization.divergence_points(dict(models))
    means = points.groupby("model", sort=False)[["divergence", "shape_divergence"]].mean()
    gaps = pd.Series({name: m.gap for name, m in models.items()})
    first = next(iter(models.values()))
    return {
        "gaps": gaps,
        "divergence": means["divergence"],
        "shape_divergence": means["shape_divergence"],
        "rho": spearman(gaps, means["divergence"]),
        "rho_shape": spearman(gaps, means["shape_divergence"]),
        "partial": generalization.partial_spearman(
            points["divergence"], points["rank"], points["loss_gap"]
        ),
        "points": points,
        "core_a": float(first.taxonomy.proportions()["core"].mean()),
    }


def role_points(models: Mapping[str, generalization.ModelRoles]) -> pd.DataFrame:
    """One row per (model, class) of one seed: its core, overfitted and confusing proportions (%
    of the layer), with ``model`` and ``class`` columns."""
    return pd.concat(
        {name: m.taxonomy.proportions()[list(ROLE_SPACE)] * 100 for name, m in models.items()},
        names=["model", "class"],
    ).reset_index()


def separation(points: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """How well a class's point tells its model (Fig. 4, claim R6): leave-one-out
    nearest-centroid accuracy (fraction) and the number of points, over the five models
    (``"five"``) and for :data:`WELL` against :data:`POOR` (``"two"``)."""
    xyz, groups = points[list(ROLE_SPACE)].to_numpy(), points["model"].to_numpy()
    pair = points["model"].isin(WELL + POOR).to_numpy()
    two = np.where(np.isin(groups[pair], WELL), "well", "poor")
    return {
        "five": (generalization.nearest_centroid_loo(xyz, groups), len(xyz)),
        "two": (generalization.nearest_centroid_loo(xyz[pair], two), int(pair.sum())),
    }


def role_means(ladder: Mapping[int, Mapping[str, generalization.ModelRoles]]) -> pd.DataFrame:
    """Table 2 over seeds: one row per (model, seed), each role's mean proportion over classes
    (% of the layer) and the model's ``gap`` (fraction)."""
    return pd.DataFrame(
        [
            {
                "model": name, "seed": seed, "gap": m.gap,
                **(100 * m.taxonomy.proportions().mean()).to_dict(),
            }
            for seed, models in ladder.items()
            for name, m in models.items()
        ]
    )  # fmt: skip


def pooled_proportions(
    ladder: Mapping[int, Mapping[str, generalization.ModelRoles]],
) -> dict[str, pd.DataFrame]:
    """Per model, the role proportions of every class of every seed in one frame (for a mean ±
    standard deviation over classes and seeds together, :func:`unitroles.roles.mean_std`)."""
    first = next(iter(ladder.values()))
    return {
        name: pd.concat([models[name].taxonomy.proportions() for models in ladder.values()])
        for name in first
    }


__all__ = [
    "POOR", "WELL", "accuracy_rows", "divergence", "pooled_proportions", "role_means",
    "role_points", "seeded", "separation", "spearman",
]  # fmt: skip
