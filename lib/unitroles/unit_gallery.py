"""Zhou et al. 2018, Fig. 2: a gallery of ablated units, and whether the class each one damages
most holds the concept dissection gives it.

:func:`gallery` picks a seed's units and measures them (one row a unit), :func:`figure` and
:func:`match_figure` draw the page's figures, :func:`table` and :func:`per_seed` its tables,
:func:`checks` its claim's checks (the core check pooled over seeds, with an interval) and
:func:`glue_values`, :func:`ours` and :func:`takeaway` its numbers and words, all four gathered by
:func:`judge`. Drops are class
accuracy drops in percentage points (positive = worse) from single-unit ablations on the
validation images. A class *holds* a concept when the world's masks say so
(:func:`unitroles.study.classes_holding`); without a world (the paper profile, ``shares`` None)
the match cannot be read and the columns and checks that need it are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import dissection, plots, study, tables, verdicts
from .report import Judged

MATCHES = "most damaged class holds it"
CHANCE = "chance of a match"
GAIN = "largest gain (pts)"
SMALL_OVERALL = "every shown unit moves overall accuracy by less than 1 pt"
PAPER = (
    "the classes an ablation damages most match what the unit detects (a waterfall unit costs "
    "*waterfall* 50 pts) while overall accuracy barely moves; a few unrelated classes gain "
    "slightly."
)


def gallery(st: study.UnitStudy, n_units: int, shares: pd.DataFrame | None) -> pd.DataFrame:
    """The ``n_units`` units shown for one seed and what they do, one row a unit.

    Units: the interpretable ones (IoU > 0.04) that damage some class most, topped up with the
    most damaging others. Columns: concept, category, iou, overall_drop, max_class_drop, most
    damaged class ("—" when no class drops), largest gain (pts), classes that gain; with
    ``shares`` (:func:`unitroles.concept_units.presence`) also how many classes hold the
    concept, whether the most damaged class holds it, and the chance that a class drawn at
    random does.
    """
    units = st.table()
    ranked = units.sort_values("max_class_drop", ascending=False, kind="stable")
    chosen = list(ranked.index[ranked["interpretable"]][:n_units])
    chosen += [u for u in ranked.index if u not in chosen][: n_units - len(chosen)]
    drops = st.counts.class_drop()[chosen]  # (units, classes)
    g = units.loc[chosen, ["concept", "category", "iou", "overall_drop", "max_class_drop"]]
    g["most damaged class"] = [
        st.class_names[k] if d.max() > 0 else "—" for k, d in zip(drops.argmax(1), drops)
    ]
    g[GAIN] = -units.loc[chosen, "min_class_drop"] + 0.0  # no "-0"
    g["classes that gain"] = (drops < 0).sum(1)
    if shares is not None:
        holds = [study.classes_holding(shares, r.concept, r.category) for r in g.itertuples()]
        g["classes holding the concept"] = [int(h.sum()) for h in holds]
        g[MATCHES] = [bool(h[d.argmax()]) and d.max() > 0 for h, d in zip(holds, drops)]
        g[CHANCE] = [h.mean() for h in holds]  # a class drawn at random holds it
    return g


def figure(st: study.UnitStudy, g: pd.DataFrame, *, seed: int, layer: str, top_k: int):
    """One row a unit of ``g`` (:func:`gallery` of ``st``): its ``top_k`` most activating
    validation images, titled with its concept, and its sorted class drops with overall
    accuracy before → after. Returns the figure, captioned and with alt text."""
    setup, names, chosen = st.setup, st.class_names, list(g.index)
    tops = dissection.top_images(
        setup.model, layer, setup.images, chosen, k=top_k, thresholds=st.dissection.thresholds
    )
    drops = st.counts.class_drop()
    fig, axes = plots.figure(
        2, len(chosen), width=7.0, height=1.55 * len(chosen), gridspec_kw={"width_ratios": [1.6, 1]}
    )
    axes = np.atleast_2d(axes)
    base = st.counts.base_overall_accuracy()
    for i, (row, u) in enumerate(zip(axes, chosen)):
        r = g.loc[u]
        title = f"seed {seed}, unit {u}: {r['concept']} ({r['category']}, IoU {r['iou']:.2f})"
        plots.unit_strip(
            row[0], setup.display_images(tops[u].indices), tops[u].regions,
            title=f"({'abcdefgh'[i]}) {title}",
        )  # fmt: skip
        plots.class_drops(row[1], drops[u], names, label_top=2)
        row[1].set_title(
            f"overall {base:.1f}% → {base - r['overall_drop']:.1f}%",
            fontsize=plots.SMALL,
            loc="right",
        )
        row[1].set_xlabel("")
        row[1].set_ylabel("drop (pts)", fontsize=plots.SMALL)
    axes[-1, 1].set_xlabel("classes, sorted by drop")
    return plots.caption(
        fig,
        f"Seed {seed}'s gallery: {len(chosen)} {layer} units, one a row. Left: each unit's "
        f"{top_k} most activating validation images, the region where it fires lit and outlined, "
        "titled with the concept dissection gives it (category, IoU). Right: every class's "
        "accuracy drop when that unit is ablated, sorted, in percentage points (positive = "
        "worse), the most damaged classes named with their drops; above it, overall accuracy "
        "before → after.",
        alt=f"{len(chosen)} rows, one per unit of {layer}: "
        + "; ".join(
            f"unit {u} ({g.loc[u, 'concept']}): most damaged class "
            f"{tables.pretty(g.loc[u, 'most damaged class'])}, max drop "
            f"{g.loc[u, 'max_class_drop']:.0f} pts"
            for u in chosen
        )
        + ". Each row shows the unit's top images and a bar chart of sorted class accuracy drops.",
    )


def table(g: pd.DataFrame):
    """The first seed's gallery in numbers, the paper's waterfall unit below it (Zhou et al.
    2018, Fig. 2 and sec. 3.2); a ``report.table`` Styler."""
    paper = pd.DataFrame(
        {
            "concept": ["waterfall"],
            "overall drop (pts)": ["< 1"],
            "most damaged class": ["waterfall"],
            "max class drop (pts)": [50],
        },
        index=["paper"],
    )
    shown = pd.DataFrame(
        {
            "concept": [f"{r.concept} ({r.category}, {r.iou:.2f})" for r in g.itertuples()],
            "overall drop (pts)": g["overall_drop"],
            "max class drop (pts)": g["max_class_drop"],
            "most damaged class": g["most damaged class"],
            GAIN: g[GAIN],
        },
        index=g.index,
    )
    if MATCHES in g:
        shown[MATCHES] = g[MATCHES].map({True: "yes", False: "no"})
        shown[CHANCE] = g[CHANCE]
    return tables.table(
        pd.concat([shown, paper]).rename_axis("unit"),
        headers={"concept": "concept (category, IoU)"},
        percent=[CHANCE],
        missing="",
        wrap=True,
    )


def per_seed(seeds: Sequence[int], galleries: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Every seed's gallery in one row: units, interpretable ones, median max class drop and
    largest gain, the largest |overall drop|, and (with masks) the matches against the number a
    class drawn at random would give (the sum over units of the share of classes holding the
    unit's concept)."""
    return pd.DataFrame(
        {
            "seed": s,
            "units": len(g),
            "interpretable": int((g["iou"] > dissection.INTERPRETABLE_IOU).sum()),
            "median max class drop (pts)": g["max_class_drop"].median(),
            "median largest gain (pts)": g[GAIN].median(),
            "largest |overall drop| (pts)": g["overall_drop"].abs().max(),
            **(
                {"matches": int(g[MATCHES].sum()), "matches by chance": round(g[CHANCE].sum(), 2)}
                if MATCHES in g
                else {}
            ),
        }
        for s, g in zip(seeds, galleries)
    ).set_index("seed")


def match_figure(seeds: Sequence[int], summary: pd.DataFrame, n_units: int):
    """Bars: how many of each seed's gallery units have a most damaged class holding the unit's
    concept; dots: the number expected for a class drawn at random (``summary`` from
    :func:`per_seed`, with masks). Returns the figure, captioned and with alt text."""
    fig, ax = plots.figure(1, width=4.5, height=2.4)
    x = np.arange(len(seeds))
    ax.bar(x, summary["matches"], width=0.6, label="units whose most damaged class holds it")
    ax.scatter(
        x,
        summary["matches by chance"],
        color=plots.PALETTE[3],
        zorder=3,
        label="expected for a class drawn at random",
    )
    ax.set(
        xticks=x, xticklabels=[f"seed {s}" for s in seeds], ylabel="units", ylim=(0, n_units + 0.5)
    )
    ax.legend(fontsize=plots.SMALL, loc="upper right")
    return plots.caption(
        fig,
        f"For each seed, how many of its {n_units} gallery units have a most damaged class that "
        "holds the unit's concept (bars), against the number expected if that class were drawn at "
        "random (dots).",
        alt="Bar chart, one bar per seed: "
        + ", ".join(
            f"seed {s}: {m} matching units, {c:.1f} expected by chance"
            for s, m, c in zip(seeds, summary["matches"], summary["matches by chance"])
        )
        + ".",
    )


@dataclass
class Checks:
    """The claim's checks over the seeds' galleries.

    ``passes``: each seed-by-seed check's outcome on every seed; ``checks`` and ``core`` as
    ``report.claim`` takes them. With masks the core check is the match, read on the units of
    all seeds pooled (a seed's few units give a share in steps too coarse to vote with):
    ``matched`` of ``pooled`` units, 95% interval ``low``-``high``, and ``half``: whether half
    the units or more match, seed by seed. Without masks these are None.
    """

    passes: dict[str, list[bool]]
    checks: dict[str, bool | None]
    core: list[str]
    half: list[bool] | None = None
    matched: int | None = None
    pooled: int | None = None
    low: float | None = None
    high: float | None = None


def checks(galleries: Sequence[pd.DataFrame]) -> Checks:
    """The checks of claim Z2 on every seed's gallery (:func:`gallery`): overall accuracy
    moves by less than 1 pt, some class gains, gains stay below drops, and (with masks) the
    most damaged class holds the unit's concept for at least half the units, pooled over seeds
    (:func:`unitroles.verdicts.share_check`), and more often than chance, seed by seed."""
    passes = {
        SMALL_OVERALL: [bool(g["overall_drop"].abs().lt(1).all()) for g in galleries],
        "every shown unit makes some class gain": [bool((g[GAIN] > 0).all()) for g in galleries],
        "each unit's largest gain is smaller than its largest drop": [
            bool((g[GAIN] < g["max_class_drop"]).all()) for g in galleries
        ],
    }
    if MATCHES not in galleries[0]:  # the paper profile: no masks, the match cannot be read
        found, core = study.seed_checks(
            passes, core=["each unit's largest gain is smaller than its largest drop"]
        )
        return Checks(passes, found, core)
    half = [2 * int(g[MATCHES].sum()) >= len(g) for g in galleries]
    passes["more matches than a class drawn at random gives"] = [
        int(g[MATCHES].sum()) > g[CHANCE].sum() for g in galleries
    ]
    found, _ = study.seed_checks(passes, core=[])
    pooled = sum(len(g) for g in galleries)
    matched = sum(int(g[MATCHES].sum()) for g in galleries)
    low, high = verdicts.share_interval(matched, pooled)
    match = (
        f"the most damaged class holds the unit's concept for at least half the units: "
        f"{matched} of {pooled} over the seeds, 95% interval {low:.0%}–{high:.0%} (half or more "
        f"on {sum(half)} of {len(galleries)} seeds)"
    )
    found = {match: verdicts.share_check(matched, pooled, 0.5), **found}
    return Checks(passes, found, [match], half, matched, pooled, low, high)


def glue_values(seeds: Sequence[int], galleries: Sequence[pd.DataFrame], c: Checks) -> dict:
    """The numbers the page's prose cites: the first seed's gallery, the medians over seeds and
    the pooled match (``"n/a"`` without masks)."""
    first, masks = galleries[0], c.half is not None
    medians = [g["max_class_drop"].median() for g in galleries]
    return {
        "seed0": seeds[0],
        "n_seeds": len(seeds),
        "n_units": len(first),
        "n_match": int(first[MATCHES].sum()) if masks else "n/a",
        "n_chance": f"{first[CHANCE].sum():.1f}" if masks else "n/a",
        "seeds_match": sum(c.half) if masks else "n/a",
        "pooled_match": f"{c.matched} of {c.pooled}" if masks else "n/a",
        "pooled_interval": f"{c.low:.0%}–{c.high:.0%}" if masks else "n/a",
        "median_max_drop": f"{first['max_class_drop'].median():.0f}",
        "median_max_drop_range": f"{min(medians):.0f}–{max(medians):.0f}",
        "median_gain": f"{first[GAIN].median():.0f}",
        "max_overall": f"{first['overall_drop'].abs().max():.2f}",
    }


def ours(seeds: Sequence[int], galleries: Sequence[pd.DataFrame]) -> str:
    """The claim card's *This run*, seed by seed."""
    return "; ".join(
        f"seed {s}: median max class drop {g['max_class_drop'].median():.0f} pts, median largest "
        f"gain {g[GAIN].median():.0f} pts"
        + (
            f", most damaged class holds the concept for {int(g[MATCHES].sum())} of {len(g)} "
            f"(chance {g[CHANCE].sum():.1f})"
            if MATCHES in g
            else ""
        )
        for s, g in zip(seeds, galleries)
    )


def takeaway(seeds: Sequence[int], galleries: Sequence[pd.DataFrame], c: Checks) -> str:
    """The takeaway's *This run*: the pooled match, the worst-hit class's median loss over the
    seeds, overall accuracy and the first seed's gains."""
    medians = [g["max_class_drop"].median() for g in galleries]
    match = (
        f"over the {len(seeds)} seeds, {c.matched} of the {c.pooled} gallery units "
        f"({c.matched / c.pooled:.0%}; 95% interval {c.low:.0%}–{c.high:.0%}) have a most "
        "damaged class that holds the unit's concept; "
        if c.half is not None
        else ""
    )
    return (
        match
        + f"the worst-hit class loses a median {min(medians):.0f}–{max(medians):.0f} pts over the "
        f"seeds, and every shown unit moves overall accuracy by less than 1 pt on "
        f"{sum(c.passes[SMALL_OVERALL])} of {len(seeds)} seeds. Some classes gain when a unit "
        f"goes (median largest gain on seed {seeds[0]}: {galleries[0][GAIN].median():.0f} pts)."
    )


def judge(seeds: Sequence[int], galleries: Sequence[pd.DataFrame]) -> Judged:
    """Claim Z2 judged on every seed's gallery (:func:`checks`: the match pooled over seeds, the
    rest seed by seed), with :func:`glue_values`, :func:`ours` and :func:`takeaway`."""
    c = checks(galleries)
    return Judged(
        c.checks,
        c.core,
        ours(seeds, galleries),
        takeaway(seeds, galleries, c),
        glue_values(seeds, galleries, c),
    )
