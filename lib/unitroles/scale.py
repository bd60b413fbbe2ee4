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

from . import drop_curves, plots, study, sweeps
from .evaluation import Setup
from .report import Judged

__all__ = [
    "COLUMNS",
    "DECIMALS",
    "PAPER",
    "PAPER_ALEXNET",
    "REGIME",
    "Target",
    "Trend",
    "checks",
    "figure",
    "glue_values",
    "headline",
    "judge",
    "ours",
    "regime_table",
    "sweep",
    "takeaway",
    "trend",
    "width_table",
]

# Zhou et al. 2018, sec. 3.1-3.2 and Fig. 1, 3: AlexNet conv5 on Places365.
PAPER_ALEXNET = {
    "units": 256,
    "classes": 365,
    "units_per_class": 256 / 365,
    "accuracy": 50.6,  # % top-1, the baseline of Fig. 1
    "over": 50.0,  # % of units whose max class drop exceeds 10 pts: "more than half"
    "largest": 50.0,  # pts, the largest max class drop at conv5
    "overall": 0.2,  # pts, the bed unit's overall drop (Fig. 1); Fig. 3: "below 1%"
}
# the paper's statement the takeaway of claim W1 quotes
PAPER = (
    "at 0.7 conv5 units a class, more than half of AlexNet's units drop some class by over 10 "
    "pts and the largest drop is 50 pts, while overall accuracy barely moves."
)


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
        "conv5 units per class": f"{PAPER_ALEXNET['units_per_class']:.2f} (256 / 365)",
        "baseline validation accuracy": f"{PAPER_ALEXNET['accuracy']:.1f}%",
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


@dataclass(frozen=True)
class Trend:
    """Fig. 3's numbers against units per class: one row a model (``frame``, :func:`sweep`),
    their means per width (``per_width``, indexed by units), the book's baseline's width
    (``default_units``; on the paper profile the checkpoint's) and Spearman's ρ (with its p) of
    the share of units over 10 pts and of the largest class drop against units per class, over
    the models."""

    frame: pd.DataFrame
    per_width: pd.DataFrame
    default_units: int
    layer: str
    rho_over: float
    p_over: float
    rho_largest: float
    p_largest: float

    @property
    def narrow(self) -> pd.Series:
        return self.per_width.iloc[0]

    @property
    def wide(self) -> pd.Series:
        return self.per_width.iloc[-1]


def trend(frame: pd.DataFrame, layer: str = "conv5") -> Trend:
    """:class:`Trend` from :func:`sweep`'s ``frame``: the means of each width and the rank
    correlations (:func:`unitroles.study.spearman`) over the models."""
    per_width = frame.groupby("units", sort=True).agg(
        units_per_class=("units_per_class", "first"),
        models=("seed", "size"),
        accuracy=("accuracy", "mean"),
        over=("over", "mean"),
        largest=("largest", "mean"),
        head=("head", "mean"),
        overall_mean=("overall_mean", "mean"),
    )
    default = int(frame.loc[frame["recipe"].isin(["baseline", "checkpoint"]), "units"].iloc[0])
    rho_over, p_over = study.spearman(frame["units_per_class"], frame["over"])
    rho_largest, p_largest = study.spearman(frame["units_per_class"], frame["largest"])
    return Trend(frame, per_width, default, layer, rho_over, p_over, rho_largest, p_largest)


def figure(t: Trend):
    """Three panels against units per class (log scale): the share of units over 10 pts, the
    largest class drop and the mean overall drop; points one model each, a line through the
    widths' means, the book's baseline ringed and the paper's AlexNet conv5 starred. Captioned,
    with alt text."""
    frame, per_width, layer = t.frame, t.per_width, t.layer
    panels = [
        ("over", "units > 10 pts (%)", PAPER_ALEXNET["over"]),
        ("largest", "largest max class drop (pts)", PAPER_ALEXNET["largest"]),
        ("overall_mean", "mean overall drop (pts)", PAPER_ALEXNET["overall"]),
    ]
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.9), layout="constrained")
    for ax, (column, label, paper_value), letter in zip(axes, panels, "abc"):
        ax.plot(per_width["units_per_class"], per_width[column], color="C0", lw=1.2, zorder=1)
        ax.scatter(frame["units_per_class"], frame[column], s=14, color="C0", alpha=0.6,
                   label="one model (seed)", zorder=2)  # fmt: skip
        mine = per_width.loc[t.default_units]
        ax.scatter([mine["units_per_class"]], [mine[column]], s=60, facecolor="none",
                   edgecolor="C1", lw=1.5, label="the book's baseline", zorder=3)  # fmt: skip
        ax.scatter([PAPER_ALEXNET["units_per_class"]], [paper_value], marker="*", s=90,
                   color="C3", label="the paper's AlexNet conv5", zorder=3)  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_xticks([0.25, 0.5, 1, 2, 4], ["¼", "½", "1", "2", "4"])
        ax.set(xlabel=f"{layer} units per class", ylabel=label)
        ax.set_title(f"({letter})", loc="left", fontsize=plots.SMALL)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
               fontsize=plots.SMALL, frameon=False)  # fmt: skip
    return plots.caption(
        fig,
        f"Every {layer} unit ablated, one at a time, in the baseline recipe trained at "
        f"{len(per_width)} {layer} widths ({', '.join(str(u) for u in per_width.index)} units) "
        "on the same world. (a) Share of units whose largest class drop exceeds 10 pts; (b) the "
        "largest class drop of any unit; (c) the mean overall accuracy drop of a unit. Points: "
        "one model each; line: the mean of a width; ring: the book's baseline; star: the "
        "paper's AlexNet conv5 on Places365 (0.7 units a class; over 50% of units, 50 pts, 0.2 "
        "pts for Fig. 1's unit). The x axes are on a log scale.",
        alt=f"Three panels against {layer} units per class on a log scale. Share of units over "
        f"10 pts: {', '.join(f'{v:.0f}%' for v in per_width['over'])} from the narrowest to the "
        f"widest layer. Largest class drop: "
        f"{', '.join(f'{v:.0f}' for v in per_width['largest'])} pts. Mean overall drop: near "
        "zero throughout. The paper's point is marked with a star.",
    )


# the width table's columns and their decimals
COLUMNS = {
    "units_per_class": "units per class",
    "models": "models",
    "accuracy": "accuracy (%)",
    "over": "units > 10 pts (%)",
    "largest": "largest class drop (pts)",
    "head": "top-10% mean (pts)",
    "overall_mean": "mean overall drop (pts)",
}
DECIMALS = {
    "units per class": 2, "accuracy (%)": 1, "units > 10 pts (%)": 1,
    "largest class drop (pts)": 1, "top-10% mean (pts)": 1, "mean overall drop (pts)": 3,
}  # fmt: skip


def width_table(t: Trend) -> pd.DataFrame:
    """The widths side by side (means over their models, :data:`COLUMNS`), the paper's AlexNet
    conv5 in the last row (blank where it gives no number)."""
    per_width = t.per_width
    shown = per_width.rename(columns=COLUMNS).set_axis(
        [f"ours, {u} units" for u in per_width.index]
    )
    paper_row = pd.DataFrame(
        {
            "units per class": PAPER_ALEXNET["units_per_class"],
            "accuracy (%)": PAPER_ALEXNET["accuracy"],
            "units > 10 pts (%)": "> 50",
            "largest class drop (pts)": PAPER_ALEXNET["largest"],
        },
        index=[f"paper, AlexNet {PAPER_ALEXNET['units']} units"],
    )
    return pd.concat([shown, paper_row])


def checks(t: Trend) -> tuple[dict, list, str | None]:
    """Claim W1's checks (core: both numbers fall as units per class rise, Spearman ρ < 0 at
    p < 0.05; details: the narrowest layer's head exceeds the widest's, every model's mean
    overall drop is under 1 pt), its core names, and why a trend is unmeasured (fewer than three
    widths) or ``None``."""
    frame = t.frame
    falls_over = (
        "the share of units over 10 pts falls as units per class rise (Spearman ρ < 0, p < 0.05)"
    )
    falls_largest = (
        "the largest class drop falls as units per class rise (Spearman ρ < 0, p < 0.05)"
    )
    out = {
        falls_over: bool(t.rho_over < 0 and t.p_over < 0.05),
        falls_largest: bool(t.rho_largest < 0 and t.p_largest < 0.05),
        "the narrowest layer's mean top-10% drop exceeds the widest's": bool(
            t.narrow["head"] > t.wide["head"]
        ),
        "every model's mean overall drop is under 1 pt": bool((frame["overall_mean"] < 1).all()),
    }
    unmeasured = None
    if frame["units"].nunique() < 3:
        unmeasured = (
            f"{frame['units'].nunique()} {t.layer} width(s): a trend needs at least three (the "
            "paper profile has your one checkpoint)"
        )
    return out, [falls_over, falls_largest], unmeasured


def ours(t: Trend) -> str:
    """The claim card's figures: the models and widths, and per width the share over 10 pts,
    the largest drop and the units per class."""
    frame, rows = t.frame, list(t.per_width.itertuples())
    return (
        f"{len(frame)} models at {frame['units'].nunique()} widths: units > 10 pts "
        + ", ".join(f"{r.over:.0f}%" for r in rows)
        + f" and largest drop {', '.join(f'{r.largest:.0f}' for r in rows)} pts "
        f"at {', '.join(f'{r.units_per_class:.2f}' for r in rows)} units a class"
    )


def glue_values(t: Trend) -> dict:
    """The page's glue: models and widths, the rank correlations, and the narrowest, widest and
    default widths' numbers."""
    frame, narrow, wide = t.frame, t.narrow, t.wide
    return {
        "n_models": len(frame),
        "n_widths": int(frame["units"].nunique()),
        "rho_over": f"{t.rho_over:.2f}",
        "p_over": f"{t.p_over:.2g}",
        "rho_largest": f"{t.rho_largest:.2f}",
        "p_largest": f"{t.p_largest:.2g}",
        "narrow_units": int(narrow.name),
        "narrow_upc": f"{narrow['units_per_class']:.2f}",
        "narrow_over": f"{narrow['over']:.0f}",
        "narrow_largest": f"{narrow['largest']:.0f}",
        "wide_units": int(wide.name),
        "wide_upc": f"{wide['units_per_class']:.2f}",
        "wide_over": f"{wide['over']:.0f}",
        "wide_largest": f"{wide['largest']:.0f}",
        "default_units": t.default_units,
        "default_over": f"{t.per_width.loc[t.default_units, 'over']:.0f}",
        "default_largest": f"{t.per_width.loc[t.default_units, 'largest']:.0f}",
    }


def takeaway(t: Trend) -> str:
    """The takeaway's sentence on this run: both numbers from the widest layer to the
    narrowest, with their ρ, and the largest mean overall drop."""
    narrow, wide, layer = t.narrow, t.wide, t.layer
    return (
        f"from {wide['units_per_class']:.2f} to {narrow['units_per_class']:.2f} {layer} units a "
        f"class, the share of units that drop some class by over 10 pts goes from "
        f"{wide['over']:.0f}% to {narrow['over']:.0f}% and the largest class drop from "
        f"{wide['largest']:.0f} to {narrow['largest']:.0f} pts (Spearman ρ {t.rho_over:.2f} and "
        f"{t.rho_largest:.2f} over {len(t.frame)} models); a unit's mean overall drop stays "
        f"under {t.frame['overall_mean'].max():.2f} pts at every width."
    )


def judge(t: Trend) -> Judged:
    """Claim W1 judged on the trend over widths: :func:`checks` (unmeasured with fewer than
    three widths), with :func:`glue_values`, :func:`ours` and :func:`takeaway`."""
    found, core, unmeasured = checks(t)
    return Judged(found, core, ours(t), takeaway(t), glue_values(t), unmeasured=unmeasured)
