"""The claims of Zhao et al. 2023's Fig. 1, Fig. 4 and Table 3 pages: checks, glue and words.

Fig. 1 (claim R1): each class's ROF curve summarized (:func:`curve_summaries`), the curves'
shape over the classes beside the paper's one curve (:func:`shape_table`), the claim's checks
on every seed of the ladder (:func:`curve_checks`, a :class:`CurveSeeds`), the numbers the prose
reads (:func:`curve_glue`) and the takeaway (:func:`curve_takeaway`). Fig. 4 (claim R6): the
models' mean points (:func:`centre_table`), the separation's checks on every seed
(:func:`separation_checks`, a :class:`SeparationSeeds`) and the page's words. Table 3 (claim
R7): means and spreads of the role shares over units against the proportions over classes
(:func:`share_identity`, a :class:`ShareIdentity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from . import study, tables, verdicts
from .rof import rof_summary
from .roles import Taxonomy

SPLITS = ("train", "test")

# --------------------------------------------------------------------------------------------------
# Fig. 1: the ROF curve (claim R1)


def curve_summaries(tax: Taxonomy, early: float) -> dict[str, pd.DataFrame]:
    """Per split (train, test), every class's curve shape (:func:`~unitroles.rof.rof_summary`,
    ``early``: the part of the units whose share of the fall it reports)."""
    return {
        split: rof_summary(getattr(tax, split), tax.class_names, early=early) for split in SPLITS
    }


CURVE_PAPER = ["high", "lowest", "above E(n0)", "most: falls fast", "a small part",
               "the curve rises after"]  # fmt: skip
"""The paper's Fig. 1B (one curve), in words, row by row of :func:`shape_table`."""


def shape_table(summary: Mapping[str, pd.DataFrame], units: int, early: float) -> pd.DataFrame:
    """The curves' shape over all classes, one row a quantity, one column a split's medians
    (``summary``: :func:`curve_summaries`; ``units``: the layer's), beside the paper's one curve
    (:data:`CURVE_PAPER`); numbers rounded to 2 decimals."""
    rows = {}
    for split, s in summary.items():
        rows[f"ours, {split} curves"] = {
            "median E(0) (nats)": s["loss_dead"].median(),
            "median E(n0) (nats)": s["loss_min"].median(),
            "median E(N) (nats)": s["loss_full"].median(),
            f"median part of the fall made by {early:.0%} of the units (%)": 100
            * s["early_recovery"].median(),
            "median n0 (% of units)": 100 * s["n0_fraction"].median(),
            "classes with n0 < N (%)": 100 * (s["n0"] < units).mean(),
        }
    table = pd.DataFrame(rows).round(2).astype(object)
    table["paper (Fig. 1B, one curve)"] = CURVE_PAPER
    return table


def old_turning(split: str) -> str:
    """The turning-point check that R1's rewritten one replaced (issue 26), for ``split``."""
    return f"{split}: turning point after a small part (median n0 ≤ 50% of units)"


@dataclass
class CurveSeeds:
    """Claim R1's checks on every seed of one model (:func:`curve_checks`)."""

    seeds: list
    classes: int
    passes: dict[str, list[bool]]
    """The counted checks' outcome per seed, by name."""
    old: dict[str, list[bool]]
    """The replaced turning-point checks (:func:`old_turning`), shown beside the new, not
    counted."""
    first: list[str]
    """The first seed's numbers in words, one string a split."""
    n0: dict[str, list[float]] = field(default_factory=dict)
    """Per split, the median turning point (% of the units) of each seed."""

    def checks(self) -> tuple[dict[str, bool | None], list[str]]:
        """The checks voted over the seeds, as :func:`unitroles.report.claim` takes them, and
        the core checks' names (:func:`unitroles.study.seed_checks`)."""
        return study.seed_checks(self.passes, core=list(verdicts.CLAIMS["R1"].core))

    def votes(self) -> dict[str, bool | None]:
        """Every check, old ones included, voted over the seeds (for
        :func:`unitroles.report.check_changes`)."""
        return {n: verdicts.seed_vote(v) for n, v in {**self.passes, **self.old}.items()}

    def ours(self, model: str) -> str:
        """The claim card's *ours*: the first seed's numbers, then the median turning points
        over the seeds."""
        over = {s: verdicts.over_seeds(self.n0[s], ".0f") for s in SPLITS}
        return (
            f"{model}, {self.classes} classes, seed {self.seeds[0]} — "
            + "; ".join(self.first)
            + f"; median n0 over {len(self.seeds)} seeds: train {over['train']}%, test "
            f"{over['test']}%"
        )

    def glue(self) -> dict:
        """The seeds' numbers the prose reads: ``seeds_n``, ``n0_train_seeds``,
        ``n0_test_seeds``."""
        return {"seeds_n": len(self.seeds)} | {
            f"n0_{s}_seeds": verdicts.over_seeds(self.n0[s], ".0f", alone=True) + "%"
            for s in SPLITS
        }


def curve_checks(taxonomies: Mapping, early: float) -> CurveSeeds:
    """Claim R1's checks on each seed's :class:`~unitroles.roles.Taxonomy` of one model
    (``taxonomies``: seed -> taxonomy, in seed order): per split, the median class makes at
    least half its fall with the first ``early`` of the units, its turning point lies at most
    at 30% of the units (the old check: 50%) and the curve rises after it in at least 75% of
    the classes."""
    turning = verdicts.CLAIMS["R1"].core  # train / test: turning point ≤ 30%, then a rise
    passes: dict[str, list[bool]] = {}
    seeds, first, n0 = list(taxonomies), [], {s: [] for s in SPLITS}
    for seed, tax in taxonomies.items():
        for i, (split, s) in enumerate(curve_summaries(tax, early).items()):
            recovery, frac = s["early_recovery"].median(), s["n0_fraction"].median()
            rises = (s["n0"] < tax.units).mean()
            n0[split].append(100 * frac)
            fast = (
                f"{split}: falls fast (median class makes ≥ half its fall with {early:.0%} of "
                "units)"
            )
            for name, ok in (
                (fast, recovery >= 0.5),
                (turning[i], frac <= 0.3),
                (turning[2 + i], rises >= 0.75),
                (old_turning(split), frac <= 0.5),
            ):
                passes.setdefault(name, []).append(bool(ok))
            if seed == seeds[0]:
                first.append(
                    f"{split}: {recovery:.0%} of the fall with {early:.0%} of units, median n0 = "
                    f"{frac:.0%} of units, n0 < N in {rises:.0%} of classes"
                )
    old = {old_turning(s): passes.pop(old_turning(s)) for s in SPLITS}
    classes = len(taxonomies[seeds[0]].class_names)
    return CurveSeeds(seeds, classes, passes, old, first, n0)


def curve_glue(tax: Taxonomy, k: int, summary: Mapping[str, pd.DataFrame], model: str) -> dict:
    """The numbers Fig. 1's prose reads: the class ``k`` shown, its turning points, and the
    medians over classes (``summary``: :func:`curve_summaries`)."""
    median = {s: summary[s].median(numeric_only=True) for s in SPLITS}
    return {
        "shown_class": tables.pretty(tax.class_names[k]),
        "model": model,
        "units": tax.units,
        "n0_train_shown": int(summary["train"]["n0"].iloc[k]),
        "n0_test_shown": int(summary["test"]["n0"].iloc[k]),
        "median_n0_train": f"{100 * median['train']['n0_fraction']:.0f}%",
        "median_n0_test": f"{100 * median['test']['n0_fraction']:.0f}%",
        "rise_test": f"{median['test']['rise']:.3f}",
        "dead_test": f"{median['test']['loss_dead']:.2f}",
        "min_test": f"{median['test']['loss_min']:.2f}",
    }


def curve_takeaway(summary: Mapping[str, pd.DataFrame], units: int, model: str) -> str:
    """What Fig. 1's run shows, in words (the takeaway's *this run*)."""
    test, train = summary["test"], summary["train"]
    return (
        f"in {model}, over {len(test)} classes, the median test curve falls from "
        f"{test['loss_dead'].median():.2f} nats (layer dead) to "
        f"{test['loss_min'].median():.2f} at its turning point, reached with "
        f"{100 * test['n0_fraction'].median():.0f}% of the units on (train: "
        f"{100 * train['n0_fraction'].median():.0f}%), and rises after it in "
        f"{(test['n0'] < units).mean():.0%} of classes."
    )


__all__ = [
    "CURVE_PAPER", "CurveSeeds", "SPLITS", "curve_checks", "curve_glue", "curve_summaries",
    "curve_takeaway", "old_turning", "shape_table",
]  # fmt: skip
