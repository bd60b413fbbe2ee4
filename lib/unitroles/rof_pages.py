"""The claims of Zhao et al. 2023's Fig. 1, Fig. 4 and Table 3 pages: checks, glue and words.

Fig. 1 (claim R1): each class's ROF curve summarized (:func:`curve_summaries`), the curves'
shape over the classes beside the paper's one curve (:func:`shape_table`), the claim's checks
on every seed of the ladder (:func:`curve_checks`, a :class:`CurveSeeds`), the numbers the prose
reads (:func:`curve_glue`) and the takeaway (:func:`curve_takeaway`). Fig. 4 (claim R6): the
models' mean points (:func:`centre_table`), the separation's checks on every seed
(:func:`separation_checks`, a :class:`SeparationSeeds`) and the page's words. Table 3 (claim
R7): means and spreads of the role shares over units against the proportions over classes
(a :class:`ShareIdentity`). Each page's claim comes judged in one :class:`~unitroles.report.
Judged` (:func:`judge_curve`, :func:`judge_separation`, :func:`judge_shares`), beside the
paper's statement its takeaway quotes (:data:`PAPER_R1`, :data:`PAPER_R6`, :data:`PAPER_R7`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import ladder, study, tables, verdicts, zhao2023
from .report import Judged
from .rof import rof_summary
from .role_figures import ROLE_SPACE
from .roles import Taxonomy

SPLITS = ("train", "test")

PAPER_R1 = (
    "switching a dead layer's units back on in order of activation, the loss falls fast, "
    "bottoms out after a small part of the layer (the turning point) and then rises."
)
"""Zhao et al.'s Fig. 1, in words: the statement R1's takeaway quotes."""
PAPER_R6 = (
    "the per-class role proportions of the five models separate in a 3-D plot (judged by eye)."
)
"""Zhao et al.'s Fig. 4, in words: the statement R6's takeaway quotes."""
PAPER_R7 = (
    "Table 3's mean role shares per unit equal Table 2's mean proportions per class; the "
    "standard deviations differ."
)
"""Zhao et al.'s Table 3 beside Table 2, in words: the statement R7's takeaway quotes."""

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
    n0: dict[str, list[float]]
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


def judge_curve(
    r1: CurveSeeds, tax: Taxonomy, k: int, summary: Mapping[str, pd.DataFrame], model: str
) -> Judged:
    """Claim R1 judged on every seed (``r1``: :func:`curve_checks`), with the numbers the prose
    reads (:func:`curve_glue` of the first seed's ``tax``, class ``k`` and ``summary``, then
    ``r1``'s) and the takeaway (:func:`curve_takeaway`). The page shows the rewritten check
    later, after its prose (``r1.votes()``), so ``changes`` stays empty."""
    checks, core = r1.checks()
    glue = curve_glue(tax, k, summary, model) | r1.glue()
    return Judged(checks, core, r1.ours(model), curve_takeaway(summary, tax.units, model), glue)


# --------------------------------------------------------------------------------------------------
# Fig. 4: the models in role space (claim R6)

CENTRE_PAPER = [
    "few core and overfitted, many confusing", "like A, more core and a wider spread",
    "more overfitted, fewer confusing", "more overfitted, fewer confusing",
    "most overfitted, fewest confusing",
]  # fmt: skip
"""The paper's reading of its Fig. 4, model by model (A → E)."""

SPREAD = "spread (mean distance to centre, pts)"
CENTRE_HEADERS = {a: f"{a} (% of units)" for a in ROLE_SPACE}
"""The headers :func:`centre_table`'s role columns are shown under."""
FIVE_WAY = "five models: leave-one-out accuracy ≥ 2× chance"
"""R6's detail check (the old core check, issue 26)."""


def centre_table(points: pd.DataFrame) -> pd.DataFrame:
    """Each model's mean point in role space (% of the layer's units; ``points``:
    :func:`unitroles.ladder.role_points`), the mean distance of its classes' points to it
    (:data:`SPREAD`) and the paper's reading (:data:`CENTRE_PAPER`), one row a model."""
    by_model = points.groupby("model", sort=False)[list(ROLE_SPACE)]
    centres = by_model.mean()
    centres[SPREAD] = by_model.apply(lambda g: np.linalg.norm(g - g.mean(), axis=1).mean())
    centres["paper"] = CENTRE_PAPER
    return centres


def _interval(hits: int, n: int) -> str:
    return "{:.0%}–{:.0%}".format(*verdicts.share_interval(hits, n))


@dataclass
class SeparationSeeds:
    """Claim R6 on every seed (:func:`separation_checks`): ``per_seed`` maps a seed to
    :func:`unitroles.ladder.separation` of its five models (``models`` of them)."""

    per_seed: dict
    models: int

    @property
    def chance(self) -> float:
        """The five-way accuracy by chance."""
        return 1 / self.models

    @property
    def core(self) -> str:
        """R6's core check: A and B told from D and E in at least 90% of cases."""
        return verdicts.CLAIMS["R6"].core[0]

    def outcomes(self) -> dict[str, list[bool | None]]:
        """Per check (the core, then :data:`FIVE_WAY`), its outcome on each seed: passed when the
        accuracy's 95% interval (Wilson) lies at or above its line, undecided when it straddles
        it (:func:`unitroles.verdicts.share_check`)."""
        out: dict[str, list[bool | None]] = {self.core: [], FIVE_WAY: []}
        for sep in self.per_seed.values():
            (acc5, m5), (acc2, m2) = sep["five"], sep["two"]
            out[self.core].append(verdicts.share_check(round(acc2 * m2), m2, 0.9))
            out[FIVE_WAY].append(verdicts.share_check(round(acc5 * m5), m5, 2 * self.chance))
        return out

    def votes(self) -> dict[str, bool | None]:
        """Each check voted over the seeds (for :func:`unitroles.report.check_changes`)."""
        return {n: verdicts.seed_outcomes(v) for n, v in self.outcomes().items()}

    def table(self) -> pd.DataFrame:
        """One row a seed: each accuracy with its 95% interval (Wilson)."""
        rows = {}
        for seed, sep in self.per_seed.items():
            (acc5, m5), (acc2, m2) = sep["five"], sep["two"]
            rows[seed] = {
                "five models (%)": f"{acc5:.0%} ({_interval(round(acc5 * m5), m5)})",
                "A+B vs D+E (%)": f"{acc2:.0%} ({_interval(round(acc2 * m2), m2)})",
            }
        return pd.DataFrame(rows).T.rename_axis("seed")

    def _over_seeds(self, which: str) -> str:
        values = [100 * sep[which][0] for sep in self.per_seed.values()]
        return verdicts.over_seeds(values, ".0f", alone=True) + "%"

    def glue(self, centres: pd.DataFrame) -> dict:
        """What Fig. 4's prose reads: the first seed's accuracies and their intervals, chance
        and the five-way line, models A's and E's mean overfitted and confusing proportions
        (``centres``: :func:`centre_table`) and the accuracies over the seeds."""
        seed0 = next(iter(self.per_seed))
        (acc5, n5), (acc2, n2) = self.per_seed[seed0]["five"], self.per_seed[seed0]["two"]
        return {
            "seed0": int(seed0),
            "loo_5": f"{acc5:.0%}",
            "loo_2": f"{acc2:.0%}",
            "chance": f"{self.chance:.0%}",
            "line_5": f"{2 * self.chance:.0%}",
            "over_A": f"{centres.loc['model A', 'overfitted']:.1f}%",
            "over_E": f"{centres.loc['model E', 'overfitted']:.1f}%",
            "conf_A": f"{centres.loc['model A', 'confusing']:.1f}%",
            "conf_E": f"{centres.loc['model E', 'confusing']:.1f}%",
            "loo_2_seeds": self._over_seeds("two"),
            "loo_5_seeds": self._over_seeds("five"),
            "loo_5_ci": _interval(round(acc5 * n5), n5),
            "loo_2_ci": _interval(round(acc2 * n2), n2),
        }

    def ours(self) -> str:
        """The claim card's *ours*: both accuracies over the seeds, with their lines."""
        return (
            f"over {len(self.per_seed)} seeds, A+B vs D+E leave-one-out nearest-centroid accuracy "
            f"{self._over_seeds('two')} (line 90%); five models {self._over_seeds('five')} "
            f"(chance {self.chance:.0%}, line {2 * self.chance:.0%})"
        )

    def takeaway(self, centres: pd.DataFrame) -> str:
        """What Fig. 4's run shows, in words: the accuracies over the seeds and how the first
        seed's mean point moves from model A to model E (``centres``: :func:`centre_table`)."""
        a, e = centres.loc["model A"], centres.loc["model E"]
        return (
            f"a class's point tells models A and B from D and E by the nearest model centre in "
            f"{self._over_seeds('two')} of cases over {len(self.per_seed)} seeds (the line: 90%), "
            f"and identifies its model among all five in {self._over_seeds('five')} (chance "
            f"{self.chance:.0%}); on seed {next(iter(self.per_seed))} the mean point moves from "
            f"{a['overfitted']:.0f}% overfitted and {a['confusing']:.0f}% confusing units (A) to "
            f"{e['overfitted']:.0f}% and {e['confusing']:.0f}% (E)."
        )


def separation_checks(ladders: Mapping[int, Mapping]) -> SeparationSeeds:
    """Claim R6 on every seed of ``ladders`` (seed -> the five models'
    :class:`~unitroles.generalization.ModelRoles`): each seed's role points
    (:func:`unitroles.ladder.role_points`) and their separation
    (:func:`unitroles.ladder.separation`)."""
    per_seed = {seed: ladder.separation(ladder.role_points(m)) for seed, m in ladders.items()}
    return SeparationSeeds(per_seed, len(next(iter(ladders.values()))))


def judge_separation(r6: SeparationSeeds, centres: pd.DataFrame) -> Judged:
    """Claim R6 judged on every seed (``r6``: :func:`separation_checks`, its core check the
    A and B against D and E accuracy), with the numbers the prose reads and the takeaway
    (``centres``: :func:`centre_table` of the first seed). The page shows the changed core
    check later, after its prose (``r6.votes()``), so ``changes`` stays empty."""
    checks, core = study.seed_checks(r6.outcomes(), core=[r6.core])
    return Judged(checks, core, r6.ours(), r6.takeaway(centres), r6.glue(centres))


# --------------------------------------------------------------------------------------------------
# Table 3: role shares over units against proportions over classes (claim R7)

SPREADS_DIFFER = "the spreads differ (≥ 1 pt for some role, in every model)"


def shares_beside_paper(by_unit: pd.DataFrame, arch: str, layer: str, profile: str):
    """Table 3 shown: the paper's role shares above ours for each model (``by_unit``: a
    :func:`unitroles.roles.mean_std` table of fractions over units; "%" in the headers, not the
    cells), captioned with what ours measured (``arch``, ``layer``, ``profile``)."""
    side = zhao2023.beside_paper(zhao2023.TABLE3, by_unit)
    return tables.table(
        side,
        headers={role: f"{role} (%)" for role in side.columns},
        caption=f"Role shares in % of the classes, mean ± standard deviation over units. Paper: "
        f"VGG16 on ImageNet (Table 3); ours: {arch} {layer}, {profile} profile.",
    )


@dataclass
class ShareIdentity:
    """Table 3's means and spreads of the role shares over units (``by_unit``) against Table 2's
    proportions over classes (``by_class``), both :func:`unitroles.roles.mean_std` tables of
    fractions, one row a model; claim R7 reads them."""

    by_unit: pd.DataFrame
    by_class: pd.DataFrame

    def _stat(self, which: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        return tuple(t.xs(which, axis=1, level=1) for t in (self.by_unit, self.by_class))

    @property
    def gap_means(self) -> float:
        """The largest difference of a mean over units from its mean over classes (fraction)."""
        units, classes = self._stat("mean")
        return float(np.abs(units - classes).max().max())

    @property
    def spread_gap(self) -> pd.Series:
        """Per model, the largest difference of a role's spread over units from its spread over
        classes (fraction)."""
        units, classes = self._stat("std")
        return (units - classes).abs().max(axis=1)

    def table(self) -> pd.DataFrame:
        """One row a (model, role): the means and spreads over units and over classes (%)."""
        (mu, mc), (su, sc) = self._stat("mean"), self._stat("std")
        both = pd.concat(
            {
                "mean over units (%)": 100 * mu, "mean over classes (%)": 100 * mc,
                "std over units (%)": 100 * su, "std over classes (%)": 100 * sc,
            },
            axis=1,
        )  # fmt: skip
        return both.stack(level=1, future_stack=True).rename_axis(["model", "role"])

    def _core_sd(self, model: str = "model A") -> tuple[float, float]:
        return tuple(100 * t.loc[model, ("core", "std")] for t in (self.by_unit, self.by_class))

    def glue(self) -> dict:
        """What Table 3's prose reads: ``gap_means``, the spreads' largest and smallest gap
        (pts), and model A's core spread over units and over classes."""
        unit_sd, class_sd = self._core_sd()
        return {
            "gap_means": f"{self.gap_means:.1e}",
            "spread_max": f"{100 * self.spread_gap.max():.1f}",
            "spread_min": f"{100 * self.spread_gap.min():.1f}",
            "core_sd_unit_A": f"{unit_sd:.1f}%",
            "core_sd_class_A": f"{class_sd:.1f}%",
        }

    def checks(self) -> dict[str, bool]:
        """Claim R7's checks: the means equal within 1e-12 (the core check), and the spreads
        differ by at least 1 pt for some role in every model."""
        (equal,) = verdicts.CLAIMS["R7"].core
        return {
            equal: bool(self.gap_means <= 1e-12),
            SPREADS_DIFFER: bool((self.spread_gap >= 0.01).all()),
        }

    def ours(self) -> str:
        """The claim card's *ours*."""
        return (
            f"largest difference of a mean over units from its mean over classes "
            f"{self.gap_means:.1e}; the spreads differ by {100 * self.spread_gap.min():.1f}–"
            f"{100 * self.spread_gap.max():.1f} pts (largest role gap per model)"
        )

    def takeaway(self) -> str:
        """What Table 3's run shows, in words."""
        unit_sd, class_sd = self._core_sd()
        return (
            f"the mean role shares over units equal the mean proportions over classes to "
            f"{self.gap_means:.0e} in every model, as they must; the spreads differ by up to "
            f"{100 * self.spread_gap.max():.1f} pts (model A's core share: {unit_sd:.1f}% from "
            f"unit to unit, {class_sd:.1f}% from class to class)."
        )


R7_NOTE = (
    "An identity: any assignment of roles gives equal means, so only the spreads say something "
    "about the network."
)
"""R7's takeaway's caveat."""


def judge_shares(r7: ShareIdentity) -> Judged:
    """Claim R7 judged on one run (``r7``: the means and spreads over units and over classes;
    the core check registered in :data:`unitroles.verdicts.CLAIMS`), with the numbers the prose
    reads, the takeaway and its caveat (:data:`R7_NOTE`)."""
    core = list(verdicts.CLAIMS["R7"].core)
    return Judged(r7.checks(), core, r7.ours(), r7.takeaway(), r7.glue(), note=R7_NOTE)
