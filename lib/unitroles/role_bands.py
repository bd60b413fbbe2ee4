"""The four roles as bands of one rank order (Zhao et al. 2023, Fig. 2).

Both active sets of a class are prefixes of the same rank order (the units switched on before
each curve's turning point), so a class's roles read off its rank order as bands: core first,
then overfitted (the training curve turns later) or generalizing (the test curve does), then
confusing. This module reads a :class:`~unitroles.roles.Taxonomy` that way, for one class
(:func:`class_roles`, :func:`class_table`) and for every class of the five models
(:func:`partition_summary`, :func:`band_counts`), and compares two rankings' roles
(:func:`role_crosstab`). The page's claim R2 reads :func:`partition_checks`; its words and glue
come from :func:`partition_ours`, :func:`shown_glue`, :func:`shown_takeaway` and
:func:`band_exercise`; :func:`judge` gathers them (a :class:`~unitroles.report.Judged`) beside
the paper's statement (:data:`PAPER`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import tables, verdicts
from .report import Judged
from .roles import ROLES, Taxonomy, is_partition

PAPER = (
    "two turning points, one on training and one on test images, give every unit one of four "
    "roles for a class (a sketch)."
)
"""Zhao et al.'s Fig. 2, in words: the statement R2's takeaway quotes."""
NOTE = (
    "An identity: the partition holds by definition, so its check tests our code, not the paper. "
    "How the units split among the roles is what the next pages compare."
)
"""R2's takeaway's caveat."""

DEFINITIONS = {
    "core": "U0(train) ∩ U0(test)  (3)",
    "overfitted": "U0(train) ∩ (Ul − U0(test))  (4)",
    "generalizing": "U0(test) ∩ (Ul − U0(train))  (5)",
    "confusing": "(Ul − U0(train)) ∩ (Ul − U0(test))  (6)",
}
"""Each role's definition in the paper's notation, with its equation number."""


def ranked_roles(tax: Taxonomy) -> np.ndarray:
    """``(K, N)`` the roles (indices into :data:`~unitroles.roles.ROLES`) of each class's units
    in that class's rank order: column ``i`` is the unit switched on ``i + 1``-th."""
    return np.take_along_axis(tax.roles(), tax.train.order, axis=1)


def class_roles(tax: Taxonomy, k: int) -> dict[str, int]:
    """Class ``k``'s two turning points (``n0_train``, ``n0_test``) and its number of units in
    each role (keys :data:`~unitroles.roles.ROLES`)."""
    sets = tax.sets()
    return {"n0_train": int(tax.n0_train[k]), "n0_test": int(tax.n0_test[k])} | {
        r: int(sets[r][k].sum()) for r in ROLES
    }


def in_words(counts: Mapping[str, int]) -> str:
    """``"3 core, 0 overfitted, 2 generalizing, 91 confusing"`` from role counts."""
    return ", ".join(f"{counts[r]} {r}" for r in ROLES)


def rank_span(tax: Taxonomy, k: int, role: str) -> str:
    """The ranks (1 = switched on first) of class ``k``'s units in ``role``: ``"first–last"``,
    one rank alone, or ``"—"`` when the role is empty."""
    at = np.flatnonzero(ranked_roles(tax)[k] == ROLES.index(role)) + 1
    if not len(at):
        return "—"
    return f"{at[0]}–{at[-1]}" if len(at) > 1 else str(at[0])


def class_table(taxonomies: Mapping[str, Taxonomy], k: int) -> pd.DataFrame:
    """For class ``k``: each role's definition, then per model its units in the role and their
    ranks (:func:`rank_span`); one row a role, columns ``(model, "units" | "ranks")``."""
    table = {("", "paper's definition (eq.)"): DEFINITIONS}
    for name, tax in taxonomies.items():
        counts = class_roles(tax, k)
        table[(name, "units")] = {r: counts[r] for r in ROLES}
        table[(name, "ranks")] = {r: rank_span(tax, k, r) for r in ROLES}
    return pd.DataFrame(table)


def partition_summary(taxonomies: Mapping[str, Taxonomy]) -> pd.DataFrame:
    """One row per model: its classes; those whose roles partition the layer (eq. 7); those
    whose roles form bands of the rank order (core, then overfitted or generalizing, then
    confusing); and those with both overfitted and generalizing units (none, under one ranking).
    """
    rows = {}
    for name, tax in taxonomies.items():
        sets, ranked = tax.sets(), ranked_roles(tax)
        band = np.where(ranked == 3, 2, ranked)  # core 0, overfitted 1 | generalizing 2, confusing
        rows[name] = {
            "classes": len(ranked),
            "classes partitioned (7)": int(is_partition(sets).sum()),
            "classes in bands (core, o|g, confusing)": int(
                (np.diff(band, axis=1) >= 0).all(1).sum()
            ),
            "classes with both overfitted and generalizing units": int(
                (sets["overfitted"].any(1) & sets["generalizing"].any(1)).sum()
            ),
        }
    return pd.DataFrame(rows).T


def band_counts(n0_train, n0_test, units: int) -> dict[str, np.ndarray]:
    """The role counts when both active sets are prefixes of one rank order of ``units`` units:
    core ``min(n0_train, n0_test)``, overfitted ``max(n0_train - n0_test, 0)``, generalizing
    ``max(n0_test - n0_train, 0)``, confusing ``units - max(n0_train, n0_test)``."""
    return {
        "core": np.minimum(n0_train, n0_test),
        "overfitted": np.maximum(n0_train - n0_test, 0),
        "generalizing": np.maximum(n0_test - n0_train, 0),
        "confusing": units - np.maximum(n0_train, n0_test),
    }


def band_count_matches(taxonomies: Mapping[str, Taxonomy]) -> int:
    """The (class, model) pairs whose role counts :func:`band_counts` gives exactly."""
    matches = 0
    for tax in taxonomies.values():
        c = tax.counts()
        predicted = band_counts(c["n0_train"], c["n0_test"], tax.units)
        matches += int(np.all([c[r] == predicted[r] for r in ROLES], axis=0).sum())
    return matches


def role_crosstab(before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    """(Class, unit) pairs counted by role under one ranking (rows, ``before``) and another
    (columns, ``after``); ``before`` and ``after`` are role indices of the same pairs."""
    return pd.crosstab(
        pd.Categorical([ROLES[i] for i in before], ROLES),
        pd.Categorical([ROLES[i] for i in after], ROLES),
        rownames=["activation ranking"], colnames=["weight ranking"], dropna=False,
    )  # fmt: skip


def core_flow(before: np.ndarray, after: np.ndarray) -> tuple[str, str]:
    """Where core (class, unit) pairs go between two rankings (role indices ``before`` and
    ``after`` of the same pairs): the share of ``before``'s core pairs still core ``after``
    (``"62%"``), and what ``after``'s core pairs were ``before`` (``"80% core, 20% confusing"``).
    """
    core = ROLES.index("core")
    stay = (
        f"{100 * ((before == core) & (after == core)).sum() / (before == core).sum():.0f}%"
        if (before == core).any()
        else "n/a (no core pairs)"
    )
    came = pd.Series(before[after == core]).map(dict(enumerate(ROLES))).value_counts()
    origin = (
        ", ".join(f"{100 * v / came.sum():.0f}% {r}" for r, v in came.items())
        if len(came)
        else "none (no core pairs)"
    )
    return stay, origin


# --------------------------------------------------------------------------------------------------
# The Fig. 2 page's claim (R2), its words and its first exercise

BANDS = "roles form bands of the rank order for every class"
NOT_BOTH = "no class has both overfitted and generalizing units"


def partition_checks(partition: pd.DataFrame) -> dict[str, bool]:
    """Claim R2's checks from :func:`partition_summary`: every class of every model partitioned
    (eq. 7, the core check), in bands, and none with both overfitted and generalizing units."""
    (partitioned,) = verdicts.CLAIMS["R2"].core
    return {
        partitioned: bool((partition["classes partitioned (7)"] == partition["classes"]).all()),
        BANDS: bool(
            (partition["classes in bands (core, o|g, confusing)"] == partition["classes"]).all()
        ),
        NOT_BOTH: bool(
            (partition["classes with both overfitted and generalizing units"] == 0).all()
        ),
    }


def partition_ours(
    partition: pd.DataFrame, shown: str, shown_roles: Mapping[str, Mapping[str, int]]
) -> str:
    """The claim card's *ours*: the (class, model) pairs partitioned, then the class ``shown``'s
    turning points and role counts in each model (``shown_roles``: name -> :func:`class_roles`).
    """
    total = int(partition["classes"].sum())
    return (
        f"{int(partition['classes partitioned (7)'].sum())} of {total} (class, model) pairs "
        f"partitioned; {shown}: "
        + "; ".join(
            f"{name}: n0 = {c['n0_train']} (train), {c['n0_test']} (test) → " + in_words(c)
            for name, c in shown_roles.items()
        )
    )


def shown_glue(shown_roles: Mapping[str, Mapping[str, int]], shown: str, pairs: int) -> dict:
    """What Fig. 2's prose reads: per model ``i`` shown, its name ``m<i>`` and the class's turning
    points and role counts (``m<i>_n0_train``, ``m<i>_core``, …), the class ``shown_class`` and
    the number of (class, model) ``pairs`` (``class_model_pairs``)."""
    out = {}
    for i, (name, counts) in enumerate(shown_roles.items()):
        out |= {f"m{i}_{key}": value for key, value in counts.items()} | {f"m{i}": name}
    return out | {"shown_class": shown, "class_model_pairs": pairs}


def shown_takeaway(shown_roles: Mapping[str, Mapping[str, int]], shown: str, pairs: int) -> str:
    """What Fig. 2's run shows, in words: the class's roles in the first and the last model
    shown, and the partition over all ``pairs``."""
    (first, a), (last, b) = list(shown_roles.items())[0], list(shown_roles.items())[-1]
    return (
        f"for {shown}, {first} has {in_words(a)} units and {last} {in_words(b)}; the four roles "
        f"partition the layer in all {pairs} (class, model) pairs, as they must."
    )


def judge(
    partition: pd.DataFrame, shown: str, shown_roles: Mapping[str, Mapping[str, int]]
) -> Judged:
    """Claim R2 judged on :func:`partition_summary`'s ``partition`` of every model (one run; the
    core check registered in :data:`unitroles.verdicts.CLAIMS`), with the class ``shown`` (its
    raw name) and its roles in each model shown (``shown_roles``: name -> :func:`class_roles`):
    the numbers the prose reads (:func:`shown_glue`), the card's line (:func:`partition_ours`),
    the takeaway (:func:`shown_takeaway`) and its caveat (:data:`NOTE`)."""
    total, pretty = int(partition["classes"].sum()), tables.pretty(shown)
    return Judged(
        partition_checks(partition), list(verdicts.CLAIMS["R2"].core),
        partition_ours(partition, shown, shown_roles), shown_takeaway(shown_roles, pretty, total),
        shown_glue(shown_roles, pretty, total), note=NOTE,
    )  # fmt: skip


def band_exercise(name: str, taxonomies: Mapping[str, Taxonomy], k: int) -> dict:
    """Fig. 2's first exercise: class ``k``'s two turning points in model ``name`` (``ex1_*``),
    the four role counts worked out from them (:func:`band_counts`, ``ex1_worked``), and the
    (class, model) pairs of ``taxonomies`` whose counts the formulas give (``ex1_matches``)."""
    tax = taxonomies[name]
    a, b, n = int(tax.n0_train[k]), int(tax.n0_test[k]), tax.units
    return {
        "ex1_model": name,
        "ex1_n0_train": a,
        "ex1_n0_test": b,
        "ex1_units": n,
        "ex1_worked": (
            f"core min({a}, {b}) = {min(a, b)}, overfitted max({a} − {b}, 0) = {max(a - b, 0)}, "
            f"generalizing max({b} − {a}, 0) = {max(b - a, 0)} and confusing "
            f"{n} − max({a}, {b}) = {n - max(a, b)}"
        ),
        "ex1_matches": band_count_matches(taxonomies),
    }
