"""Zhou et al. 2018, Fig. 3: overall against class-specific damage, layer by layer.

Every unit of each layer is ablated alone (:func:`unitroles.sweeps.unit_sweep`); a unit's
*overall drop* is its overall accuracy drop, its *max* and *min class drop* the largest and
smallest drop over classes, all in percentage points (positive = worse). :func:`layer_sweeps`
runs (or reads from the cache) the sweeps of several seeds, :func:`figure` draws the sorted
curves, :func:`per_layer` tabulates them (:func:`table` with the paper's row), :func:`outcomes`
gives the claim's checks seed by seed, :func:`glue_values`, :func:`ours` and :func:`takeaway`
the page's numbers and words (:func:`judge` all of them at once), :func:`scale_values` the
layer's scale beside the paper's, and :func:`threshold_exercise`, :func:`hurt_exercise` and
:func:`gains_exercise` the exercises' numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import plots, study, sweeps, tables, verdicts
from .report import Judged

CURVES = {
    "max_class_drop": "max class drop",
    "overall_drop": "overall drop",
    "min_class_drop": "min class drop",
}
SHARE_10 = "units with max class drop > 10 pts (%)"
SMALL_OVERALL = "|mean overall drop| < 1 pt in every layer"
PAPER_LARGEST = 50.0  # pts: Zhou et al. sec. 3.2, "in the conv5 layer, the max drop is 50%"
PAPER = (
    "ablating one unit of AlexNet costs under 1 pt of overall accuracy, yet the worst-hit class "
    "often loses 10–50 pts: the overall number hides what single units do."
)


def half_over(layer: str) -> str:
    """The core check on ``layer``'s share of units over 10 pts, by name."""
    return f"over half the units of {layer} > 10 pts"


def largest_near(layer: str) -> str:
    """The core check on ``layer``'s largest max class drop, by name."""
    return f"{layer}: the largest max class drop is at least half the paper's 50 pts"


def core(layers: Sequence[str]) -> list[str]:
    """The core checks (issue 25): the paper's conv5 headline numbers at the last layer, more
    than half of its units over 10 pts and a largest drop near the paper's (at least half)."""
    return [half_over(layers[-1]), largest_near(layers[-1])]


# the core check these replaced (issue 25; :mod:`unitroles.claim_history`), shown beside them
LARGE_MAX = "largest max class drop >= 20 pts in every layer"


def layer_sweeps(setups: Sequence, layers: Sequence[str]) -> list[dict]:
    """Each setup's single-unit ablation counts (cached sweeps), ``{layer: AblationCounts}``
    one dict a setup."""
    return [
        {
            layer: sweeps.unit_sweep(st.model, layer, st.images, st.labels, st.num_classes)
            for layer in layers
        }
        for st in setups
    ]


def summaries(counts: Sequence[dict]) -> list[dict[str, pd.DataFrame]]:
    """Each seed's ``{layer: counts.summary()}`` (every unit's overall, max and min class drop)
    of :func:`layer_sweeps`' ``{layer: AblationCounts}``."""
    return [{layer: c.summary() for layer, c in r.items()} for r in counts]


def figure(summaries: Sequence[dict[str, pd.DataFrame]], layers: Sequence[str], seed: int):
    """One panel a layer: every unit's max class drop, overall drop and min class drop, units
    sorted by max class drop, the rank-by-rank mean over seeds as a line and their range as a
    band (``summaries``: one ``{layer: counts.summary()}`` a seed, the first ``seed``'s numbers
    in the alt text). Returns the figure, captioned and with alt text."""
    fig, axes = plots.figure(len(layers), width=7.0, height=3.0, sharey=True)
    axes = np.atleast_1d(axes)
    for ax, layer in zip(axes, layers):
        ordered = [s[layer].sort_values("max_class_drop", ascending=False) for s in summaries]
        for i, (column, label) in enumerate(CURVES.items()):
            curves = np.stack([o[column].to_numpy() for o in ordered])
            plots.seed_band(ax, curves, label=label, color=plots.PALETTE[i])
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_title(f"({'abcdefgh'[layers.index(layer)]}) {layer}")
    # one x label, under the middle panel: one under each ran into the next
    axes[len(layers) // 2].set_xlabel("units, sorted by max class drop (each panel)")
    axes[0].set_ylabel("accuracy drop (pts)")
    handles = axes[0].get_legend_handles_labels()
    fig.legend(*handles, loc="outside lower center", ncol=2, fontsize=plots.SMALL)
    first = summaries[0]
    return plots.caption(
        fig,
        f"Every unit of {', '.join(layers)} ablated one at a time on the baseline's validation "
        "images: its largest drop over classes (max class drop), its overall accuracy drop and "
        "its smallest drop over classes (min class drop), in percentage points (positive = "
        "worse), units sorted by max class drop. Lines: rank-by-rank mean over "
        f"{len(summaries)} seeds; bands: their range.",
        alt=f"{len(layers)} line charts, one per layer ({', '.join(layers)}), accuracy drop in "
        "pts against units sorted by max class drop: "
        + "; ".join(
            f"{layer}: max class drop from {first[layer]['max_class_drop'].max():.0f} pts "
            f"down, overall drop near {first[layer]['overall_drop'].mean():.1f} pts, min class "
            f"drop at or below {first[layer]['min_class_drop'].median():.1f} pts"
            for layer in layers
        )
        + f" (seed {seed}).",
    )


def per_layer(seeds: Sequence[int], summaries: Sequence[dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """One row a (layer, seed): units, mean and largest overall drop, largest max class drop,
    the share of units whose max class drop exceeds 10 pts and the median min class drop."""
    rows = {}
    for seed, summary in zip(seeds, summaries):
        for layer, s in summary.items():
            rows[(layer, seed)] = {
                "units": len(s),
                "mean overall drop": s["overall_drop"].mean(),
                "largest overall drop": s["overall_drop"].max(),
                "largest max class drop": s["max_class_drop"].max(),
                SHARE_10: 100 * (s["max_class_drop"] > 10).mean(),
                "median min class drop": s["min_class_drop"].median(),
            }
    frame = pd.DataFrame(rows).T.rename_axis(["layer", "seed"])
    return frame.sort_index(level=0, sort_remaining=False)


def table(frame: pd.DataFrame):
    """:func:`per_layer`'s frame with the figures the paper states for Places365 AlexNet conv5
    (Zhou et al. 2018, sec. 3.2 and Fig. 3) as its last row; a ``report.table`` Styler."""
    paper = pd.DataFrame(
        {
            "units": 256,
            "mean overall drop": "< 1",
            "largest overall drop": "< 1",
            "largest max class drop": "≈ 50",
            SHARE_10: "> 50",
            "median min class drop": "slightly < 0",
        },
        index=pd.MultiIndex.from_tuples([("paper: AlexNet conv5", "")]),
    )
    return tables.table(
        pd.concat([frame, paper]).rename_axis(["layer", "seed"]),
        headers={
            "mean overall drop": "mean overall drop (pts)",
            "largest overall drop": "largest overall drop (pts)",
            "largest max class drop": "largest max class drop (pts)",
            "median min class drop": "median min class drop (pts)",
        },
        decimals={SHARE_10: 0},
    )


def outcomes(
    summaries: Sequence[dict[str, pd.DataFrame]], layers: Sequence[str]
) -> dict[str, list[bool]]:
    """The claim's checks on every seed (name -> one outcome a seed); :func:`core` names the
    core ones: the last layer's share of units over 10 pts and its largest max class drop. The
    old core check, 20 pts in every layer (:data:`LARGE_MAX`), is evaluated too, for the page's
    table of old and new checks; the page leaves it out of the claim."""
    last = layers[-1]
    return {
        half_over(last): [(s[last]["max_class_drop"] > 10).mean() > 0.5 for s in summaries],
        largest_near(last): [
            s[last]["max_class_drop"].max() >= PAPER_LARGEST / 2 for s in summaries
        ],
        SMALL_OVERALL: [
            all(abs(s[layer]["overall_drop"].mean()) < 1 for layer in layers) for s in summaries
        ],
        LARGE_MAX: [
            all(s[layer]["max_class_drop"].max() >= 20 for layer in layers) for s in summaries
        ],
        "median min class drop < 0 in every layer": [
            all(s[layer]["min_class_drop"].median() < 0 for layer in layers) for s in summaries
        ],
    }


def ranges(frame: pd.DataFrame, layer: str) -> tuple[str, str, str]:
    """At ``layer``, the ranges over seeds of the mean overall drop, the largest max class drop
    and the share of units over 10 pts (:func:`unitroles.verdicts.over_seeds`)."""
    at = frame.xs(layer, level="layer")
    return tuple(
        verdicts.over_seeds(at[column], fmt, mean=False)
        for column, fmt in [
            ("mean overall drop", ".2f"),
            ("largest max class drop", ".0f"),
            (SHARE_10, ".0f"),
        ]
    )


def glue_values(
    seeds: Sequence[int],
    summaries: Sequence[dict[str, pd.DataFrame]],
    frame: pd.DataFrame,
    passes: dict[str, list[bool]],
    *,
    layer: str,
    per_class: int,
) -> dict:
    """The numbers the prose cites: ``layer`` on the first seed and over the seeds (``frame``
    from :func:`per_layer`), how many seeds pass the core checks, and what one validation image
    (``per_class`` a class) is in pts."""
    last = summaries[0][layer]
    overall, max_class, share = ranges(frame, layer)
    return {
        "images_per_class": per_class,
        "pts_per_image": f"{100 / per_class:.1f}",
        "last_layer": layer,
        "n_seeds": len(seeds),
        "seed0": seeds[0],
        "last_mean_overall": f"{last['overall_drop'].mean():.2f}",
        "last_max_class": f"{last['max_class_drop'].max():.0f}",
        "last_share_10": f"{100 * (last['max_class_drop'] > 10).mean():.0f}%",
        "last_mean_overall_range": overall,
        "last_max_class_range": max_class,
        "last_share_10_range": f"{share}%",
        "seeds_overall": sum(passes[SMALL_OVERALL]),
        "seeds_max": sum(passes[LARGE_MAX]),
        "seeds_half_over": sum(passes[half_over(layer)]),
        "seeds_largest_near": sum(passes[largest_near(layer)]),
    }


def ours(frame: pd.DataFrame, layer: str, n_seeds: int) -> str:
    """The claim card's *This run*: ``layer``'s ranges over the seeds."""
    overall, max_class, share = ranges(frame, layer)
    return (
        f"{layer} over {n_seeds} seeds: mean overall drop {overall} pts; "
        f"max class drop up to {max_class} pts; {share}% of units > 10 pts"
    )


def takeaway(frame: pd.DataFrame, passes: dict[str, list[bool]], layer: str) -> str:
    """The takeaway's *This run*: on how many seeds each core check passes, and ``layer``'s
    largest max class drop over the seeds."""
    _, max_class, _ = ranges(frame, layer)
    _, _, share = ranges(frame, layer)
    return (
        f"over {len(passes[SMALL_OVERALL])} seeds, the mean overall drop stays within 1 pt of "
        f"zero in every layer on {sum(passes[SMALL_OVERALL])} seeds. At {layer}, more than half "
        f"of the units drop some class by over 10 pts on {sum(passes[half_over(layer)])} seeds "
        f"({share}% of units), and some unit costs a class at least 25 pts on "
        f"{sum(passes[largest_near(layer)])} (largest {max_class} pts over the seeds)."
    )


def judge(
    seeds: Sequence[int],
    summaries: Sequence[dict[str, pd.DataFrame]],
    frame: pd.DataFrame,
    layers: Sequence[str],
    per_class: int,
) -> Judged:
    """Claim Z3 judged seed by seed (:func:`outcomes`, core :func:`core`; the old core check
    :data:`LARGE_MAX` is left out of the claim and voted on only for ``changes``), with
    :func:`glue_values`, :func:`ours` and :func:`takeaway` at the last layer (``frame`` from
    :func:`per_layer`, ``per_class`` validation images a class)."""
    last = layers[-1]
    passes = outcomes(summaries, layers)
    counted = {k: v for k, v in passes.items() if k != LARGE_MAX}
    checks, core_names = study.seed_checks(counted, core=core(layers))
    return Judged(
        checks,
        core_names,
        ours(frame, last, len(seeds)),
        takeaway(frame, passes, last),
        glue_values(seeds, summaries, frame, passes, layer=last, per_class=per_class),
        {k: verdicts.seed_vote(v) for k, v in passes.items()},
    )


def scale_values(setup, layer: str, accuracy: float) -> dict[str, str]:
    """:func:`unitroles.study.scale_comparison` for ``layer`` of ``setup``'s model (its width
    read from one image) and its classes, ``accuracy`` its top-1 accuracy in %: the glue of the
    pages' note on scale (Zhou Figs. 1 and 3)."""
    units = sweeps.layer_units(setup.model, layer, setup.images[:1])
    return study.scale_comparison(units, setup.num_classes, accuracy)


def threshold_exercise(results: dict, layer: str, per_class: int) -> dict:
    """Exercise 1's glue: the share (%) of each layer's units whose max class drop exceeds 0,
    5, 10 and 20 pts (``results``: ``{layer: AblationCounts}`` of one seed), up to which of
    these "over half the units" holds at ``layer``, and how many images (of ``per_class``) a
    class must lose to drop by more than 10 pts."""
    thresholds = [0, 5, 10, 20]
    shares = pd.DataFrame(
        {
            f"> {t} pts": {
                name: 100 * (counts.summary()["max_class_drop"] > t).mean()
                for name, counts in results.items()
            }
            for t in thresholds
        }
    ).rename_axis("units (%) with max class drop")
    passing = [t for t in thresholds if shares.loc[layer, f"> {t} pts"] > 50]
    failing = [t for t in thresholds if t not in passing]
    if not passing:
        holds = "no threshold has over half the units above it, not even 0 pts"
    elif not failing:
        holds = f"over half the units exceed every threshold, up to {max(passing)} pts"
    else:
        holds = (
            f"over half the units exceed {max(passing)} pts, but not {min(failing)} pts: the "
            "share falls as the threshold rises"
        )
    return {
        # the fewest images m with 100 m / per_class > 10
        "ex1_images": f"{per_class // 10 + 1} image{'s' if per_class // 10 else ''}",
        "ex1_table": tables.table(shares, decimals=1),
        "ex1_holds": holds,
    }


def hurt_exercise(drops: np.ndarray, class_names: Sequence[str]) -> dict:
    """Exercise 2's glue: of a layer's units (class ``drops`` ``(units, classes)``, pts), how
    many hurt no class by more than 10 pts, exactly one, or several, and which classes they
    hurt."""
    hurt = drops > 10  # (units, classes)
    per_unit = hurt.sum(1)
    per_class = hurt.sum(0)
    most = int(per_class.argmax())
    one, several = (per_unit == 1).sum(), (per_unit >= 2).sum()
    if not per_unit.any():
        reading = "No unit hurts a class by that much"
    elif one > several:
        reading = "Most of the units that hurt a class hurt only one"
    elif one < several:
        reading = "Most of the units that hurt a class hurt several"
    else:
        reading = "As many units hurt one class as hurt several"
    return {
        "ex2_units": len(per_unit),
        "ex2_none": int((per_unit == 0).sum()),
        "ex2_one": int(one),
        "ex2_several": int(several),
        "ex2_classes": int((per_class > 0).sum()),
        "ex2_all_classes": len(class_names),
        "ex2_most": (
            f"{tables.pretty(class_names[most])} is hurt by the most units ({per_class[most]})"
            if per_class.any()
            else "no class is hurt by any unit"
        ),
        "ex2_reading": reading,
    }


def gains_exercise(results: dict, world) -> dict:
    """Exercise 3's glue: for every unit that hurts some class, how often a class it helps
    (negative drop) shares an object with its most damaged class in the world's recipes,
    against the other classes, layer by layer (``world`` None: no recipes, an empty table)."""
    rows = {}
    if world is not None:
        parts = [{p.name for p in c.parts} for c in world.classes]
        shares_object = np.array([[bool(a & b) for b in parts] for a in parts])
        for layer, counts in results.items():
            drops = counts.class_drop()
            helped, other = [], []
            for d in drops[drops.max(1) > 0]:
                worst = int(d.argmax())
                rest = np.arange(len(d)) != worst
                helped += list(shares_object[worst, (d < 0) & rest])
                other += list(shares_object[worst, rest])
            rows[layer] = {
                "(unit, helped class) pairs": len(helped),
                "helped classes sharing an object (%)": 100 * np.mean(helped) if helped else np.nan,
                "all other classes sharing an object (%)": 100 * np.mean(other)
                if other
                else np.nan,
            }
    gains = pd.DataFrame(rows).T
    if len(gains):
        gains["(unit, helped class) pairs"] = gains["(unit, helped class) pairs"].astype(int)
        helped_pct = gains["helped classes sharing an object (%)"]
        other_pct = gains["all other classes sharing an object (%)"]
        more = int((helped_pct > other_pct).sum())
        outcome = f"in {more} of the {len(gains)} layers"
    else:
        outcome = "n/a (no recipes under the paper profile)"
    return {"ex3_table": tables.table(gains, decimals=1), "ex3_more": outcome}
