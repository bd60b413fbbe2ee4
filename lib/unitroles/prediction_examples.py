"""Zhou et al. 2018, Fig. 6: held-out units next to the class their ablation hurts most and the
three classes the attribute classifier of Table 1 ranks highest.

:func:`ranked` adds each held-out unit's top 3 and whether the true class is among them to a
:class:`~unitroles.study.Prediction`'s units, :func:`draw` picks the units shown,
:func:`figure` draws them (:func:`show`: or says why there is nothing to draw), and
:func:`scores` gives the top-1 and top-3 hit rates against chance (%), NaN when there was nothing
to predict, with claim Z7's check and the page's sentences (:class:`Scores`), judged for the
page's claim cell by :func:`judge`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import dissection, plots, study, tables, verdicts
from .report import Judged


def ranked(prediction: study.Prediction, feature: str = "ensemble", k: int = 3) -> pd.DataFrame:
    """The held-out units with their ``k`` most probable classes (column ``"top 3"``) and
    whether the true class is among them (``"hit"``)."""
    units = prediction.units.copy()
    units["top 3"] = prediction.top(feature, k)
    units["hit"] = [t in top for t, top in zip(units["true class"], units["top 3"])]
    return units


def draw(units: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` of ``units`` (all, when fewer) drawn at random with ``seed``, in their order."""
    rng = np.random.default_rng(seed)
    return units.iloc[np.sort(rng.choice(len(units), min(n, len(units)), replace=False))]


def figure(
    test: Sequence[study.UnitStudy],
    test_seeds: Sequence[int],
    shown: pd.DataFrame,
    *,
    layer: str,
    top_k: int,
):
    """One row a unit of ``shown`` (from :func:`ranked`; ``instance`` indexes ``test``): its
    ``top_k`` most activating images, then its true most damaged class and the predicted top 3
    (✓ when the true class is among them). Returns the figure, captioned and with alt text."""
    fig, axes = plots.figure(
        2, len(shown), width=7.0, height=1.45 * len(shown), gridspec_kw={"width_ratios": [1.8, 1]}
    )
    for letter, (ax, note), (_, row) in zip("abcdefghij", np.atleast_2d(axes), shown.iterrows()):
        s = test[row["instance"]]
        top = dissection.top_images(
            s.setup.model, layer, s.setup.images, [row["unit"]], k=top_k,
            thresholds=s.dissection.thresholds,
        )[row["unit"]]  # fmt: skip
        plots.unit_strip(ax, s.setup.display_images(top.indices), top.regions)
        note.set_axis_off()
        note.text(
            0.0, 0.5,
            f"({letter}) seed {test_seeds[row['instance']]}, unit {row['unit']}\n"
            f"true: {tables.pretty(row['true class'])}\n"
            f"predicted top 3 {'✓' if row['hit'] else '✗'}:\n"
            + "\n".join(f"  {tables.pretty(c)}" for c in row["top 3"]),
            transform=note.transAxes, va="center", fontsize=plots.SMALL, linespacing=1.25,
        )  # fmt: skip
    return plots.caption(
        fig,
        f"{len(shown)} held-out {layer} units, one a row: the unit's {top_k} most activating "
        "images (the region where it fires lit), the class its ablation hurts most (true) and the "
        "three classes the attribute classifier ranks highest (✓ when the true class is among "
        "them).",
        alt=f"{len(shown)} rows of unit images with their classes: "
        + "; ".join(
            f"unit {row['unit']}: true {tables.pretty(row['true class'])}, predicted "
            + ", ".join(tables.pretty(c) for c in row["top 3"])
            + (" (hit)" if row["hit"] else " (miss)")
            for _, row in shown.iterrows()
        )
        + ".",
    )


def show(
    prediction: study.Prediction,
    test: Sequence[study.UnitStudy],
    test_seeds: Sequence[int],
    shown: pd.DataFrame,
    *,
    layer: str,
    top_k: int,
) -> None:
    """Show :func:`figure` of the ``shown`` units, or print why there is nothing to show (the
    claim card says so too)."""
    if prediction.why:
        print(prediction.why)
        return
    figure(test, test_seeds, shown, layer=layer, top_k=top_k)
    plots.show()


@dataclass
class Scores:
    """How often the true most damaged class is the first guess (``top1``) and among the top 3
    (``top3``), in %, NaN with no units; ``chance1`` / ``chance3``: a uniform guess's rates."""

    top1: float
    top3: float
    chance1: float
    chance3: float
    units: int

    def table(self) -> pd.DataFrame:
        """Ours against chance (%), one row for the first guess, one for the top 3."""
        return pd.DataFrame(
            {"ours (%)": [self.top1, self.top3], "chance (%)": [self.chance1, self.chance3]},
            index=["true class ranked first", "true class in the top 3"],
        )

    def glue(self) -> dict:
        """The rates the prose cites (``"— (not measured)"`` with no units)."""
        unmeasured = "— (not measured)"
        return {
            "top1": f"{self.top1:.0f}%" if self.units else unmeasured,
            "top3": f"{self.top3:.0f}%" if self.units else unmeasured,
            "chance3": f"{self.chance3:.0f}%",
            "n_units": self.units,
        }

    def checks(self) -> dict[str, bool]:
        """Claim Z7's one check (its core): the true class is in the top 3 at least twice as
        often as a uniform guess of three classes would place it there."""
        (core,) = verdicts.CLAIMS["Z7"].core
        return {core: self.top3 >= 2 * self.chance3}

    def ours(self) -> str:
        """Claim Z7's figures of this run."""
        return (
            f"the true class is in the ensemble's top 3 for {self.top3:.0f}% of {self.units} units"
        )

    def takeaway(self) -> str:
        """What this run shows, for the takeaway: both rates against a random guess's."""
        if not self.units:
            return "the instances leave nothing to predict, so there are no examples to show."
        return (
            f"for {self.units} held-out units, the true most damaged class is the classifier's "
            f"first guess for {self.top1:.0f}% and among its top 3 for {self.top3:.0f}%, where "
            f"guessing at random would give {self.chance1:.0f}% and {self.chance3:.0f}%."
        )


PAPER = (
    "examples of held-out units: an attribute-based classifier often names the class a unit's "
    "ablation hurts most among its top 3 (qualitative; Table 1 has the numbers)."
)


def scores(units: pd.DataFrame, classes: int) -> Scores:
    """:class:`Scores` of ``units`` (from :func:`ranked`) over ``classes`` classes."""
    first = [t == top[0] for t, top in zip(units["true class"], units["top 3"])]
    top1 = 100 * float(np.mean(first)) if first else float("nan")  # NaN: nothing to predict
    top3 = 100 * float(units["hit"].mean()) if len(units) else float("nan")
    return Scores(top1, top3, 100 / classes, 300 / classes, len(units))


def judge(score: Scores, prediction: study.Prediction) -> Judged:
    """Claim Z7 judged on ``score`` (:meth:`Scores.checks`, its one check the core), with the
    page's glue, the claim card's and the takeaway's *This run*; not measured when
    ``prediction`` (Table 1's, which ``score`` reads) had nothing to predict."""
    return Judged(
        score.checks(), list(verdicts.CLAIMS["Z7"].core), score.ours(), score.takeaway(),
        score.glue(), unmeasured=prediction.why or None,
    )  # fmt: skip
