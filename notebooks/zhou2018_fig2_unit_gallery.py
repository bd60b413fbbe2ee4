# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Zhou et al. 2018, Fig. 2: a gallery of ablated units
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Fig. 2 of the paper shows five units, each with its top images, the class accuracy drops its
# ablation causes (sorted) and the overall accuracy before and after. The most damaged classes
# match what the unit shows (a waterfall unit costs *waterfall* 50 pts), while a few unrelated
# classes gain slightly. We draw the same panels for units of the book's baseline alexnet-mini
# conv5: the interpretable units (dissection IoU > 0.04) that damage some class most, topped up
# with the most damaging units if there are too few, and repeat the selection on several seeds of
# the recipe. Whether the most damaged class "matches" the unit is read from the world's masks,
# not from its recipes: the class matches when at least 30% of its validation images hold the
# unit's concept (covering 1% of the pixels or more; a scene concept is held by the images of
# that scene). A unit that damages no class (every drop ≤ 0) has no match. Drops are in
# percentage points; positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
seeds = [0, 1, 2, 3, 4]  # baseline instances; the gallery shows the first
n_units = 5  # units in the gallery
top_k = 5  # images shown per unit
dissect_per_class = 50
# paper profile only
checkpoint = None  # or $UNITROLES_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
broden_root = None  # or $UNITROLES_BRODEN
eval_per_class = 10


# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        **params.ZHOU_PAPER,
        **params.BRODEN,
        "layer": params.Str(),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "n_units": params.Int(min=1),
        "top_k": params.Int(min=1),
    },
)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import dissection, plots, report, study, tables, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
studies = run.unit_studies(seeds, layer=layer)
world = run.world  # None on the paper profile: your images have no concept masks
presence = (
    study.concept_presence(world, "val", int(studies[0].counts.images.min())) if world else None
)


def gallery_of(st: study.UnitStudy) -> pd.DataFrame:
    """The units shown for one instance and what they do (drops in pts, positive = worse)."""
    table = st.table()
    ranked = table.sort_values("max_class_drop", ascending=False, kind="stable")
    chosen = list(ranked.index[ranked["interpretable"]][:n_units])
    chosen += [u for u in ranked.index if u not in chosen][: n_units - len(chosen)]
    drops = st.counts.class_drop()[chosen]
    g = table.loc[chosen, ["concept", "category", "iou", "overall_drop", "max_class_drop"]]
    g["most damaged class"] = [
        st.class_names[k] if d.max() > 0 else "—" for k, d in zip(drops.argmax(1), drops)
    ]
    g["largest gain (pts)"] = -table.loc[chosen, "min_class_drop"] + 0.0  # no "-0"
    g["classes that gain"] = (drops < 0).sum(1)
    if world is not None:
        holds = [study.classes_holding(presence, r.concept, r.category) for r in g.itertuples()]
        g["classes holding the concept"] = [int(h.sum()) for h in holds]
        g["most damaged class holds it"] = [
            bool(h[d.argmax()]) and d.max() > 0 for h, d in zip(holds, drops)
        ]
        g["chance of a match"] = [h.mean() for h in holds]  # a class drawn at random holds it
    return g


galleries = [gallery_of(st) for st in studies]
units, table, gallery = studies[0], studies[0].table(), galleries[0]
setup, names, chosen = units.setup, units.class_names, list(gallery.index)
drops = units.counts.class_drop()
tops = dissection.top_images(
    setup.model, layer, setup.images, chosen, k=top_k, thresholds=units.dissection.thresholds
)
for st in studies:
    print(st.setup.description, f"— top-1 accuracy {st.counts.base_overall_accuracy():.1f}%")

# %%
fig, axes = plots.figure(
    2, len(chosen), width=7.0, height=1.55 * len(chosen), gridspec_kw={"width_ratios": [1.6, 1]}
)
axes = np.atleast_2d(axes)
base = units.counts.base_overall_accuracy()
for i, (row, u) in enumerate(zip(axes, chosen)):
    r = table.loc[u]
    title = f"seed {seeds[0]}, unit {u}: {r['concept']} ({r['category']}, IoU {r['iou']:.2f})"
    plots.unit_strip(
        row[0], setup.display_images(tops[u].indices), tops[u].regions,
        title=f"({'abcdefgh'[i]}) {title}",
    )  # fmt: skip
    plots.class_drops(row[1], drops[u], names, label_top=2)
    row[1].set_title(
        f"overall {base:.1f}% → {base - r['overall_drop']:.1f}%", fontsize=plots.SMALL, loc="right"
    )
    row[1].set_xlabel("")
    row[1].set_ylabel("drop (pts)", fontsize=plots.SMALL)
axes[-1, 1].set_xlabel("classes, sorted by drop")
plots.caption(
    fig,
    f"Seed {seeds[0]}'s gallery: {len(chosen)} {layer} units, one a row. Left: each unit's "
    f"{top_k} most activating validation images, the region where it fires lit and outlined, "
    "titled with the concept dissection gives it (category, IoU). Right: every class's accuracy "
    "drop when that unit is ablated, sorted, in percentage points (positive = worse), the most "
    "damaged classes named with their drops; above it, overall accuracy before → after.",
    alt=f"{len(chosen)} rows, one per unit of {layer}: "
    + "; ".join(
        f"unit {u} ({table.loc[u, 'concept']}): most damaged class "
        f"{tables.pretty(gallery.loc[u, 'most damaged class'])}, max drop "
        f"{table.loc[u, 'max_class_drop']:.0f} pts"
        for u in chosen
    )
    + ". Each row shows the unit's top images and a bar chart of sorted class accuracy drops.",
)
plots.show()

# %% [markdown]
# ## The gallery in numbers
#
# Seed {glue:text}`seed0`'s gallery, with the paper's waterfall unit below it:

# %%
paper = pd.DataFrame(  # Zhou et al. 2018, Fig. 2 and sec. 3.2
    {"concept": ["waterfall"], "overall drop (pts)": ["< 1"], "most damaged class": ["waterfall"],
     "max class drop (pts)": [50]},
    index=["paper"],
)  # fmt: skip
shown = pd.DataFrame(
    {
        "concept": [f"{r.concept} ({r.category}, {r.iou:.2f})" for r in gallery.itertuples()],
        "overall drop (pts)": gallery["overall_drop"],
        "max class drop (pts)": gallery["max_class_drop"],
        "most damaged class": gallery["most damaged class"],
        "largest gain (pts)": gallery["largest gain (pts)"],
    },
    index=gallery.index,
)
if world is not None:
    shown["most damaged class holds it"] = gallery["most damaged class holds it"].map(
        {True: "yes", False: "no"}
    )
    shown["chance of a match"] = gallery["chance of a match"]
display(report.table(
    pd.concat([shown, paper]).rename_axis("unit"),
    headers={"concept": "concept (category, IoU)"},
    percent=["chance of a match"], missing="", wrap=True,
))  # fmt: skip

# %% [markdown]
# And every seed's gallery in one line each: how many of its units' most damaged classes hold
# the unit's concept, against the number a class drawn at random would give (the sum, over the
# units, of the share of classes that hold the unit's concept).

# %%
per_seed = pd.DataFrame(
    {
        "seed": s,
        "units": len(g),
        "interpretable": int((g["iou"] > dissection.INTERPRETABLE_IOU).sum()),
        "median max class drop (pts)": g["max_class_drop"].median(),
        "median largest gain (pts)": g["largest gain (pts)"].median(),
        "largest |overall drop| (pts)": g["overall_drop"].abs().max(),
        **(
            {
                "matches": int(g["most damaged class holds it"].sum()),
                "matches by chance": round(g["chance of a match"].sum(), 2),
            }
            if world is not None
            else {}
        ),
    }
    for s, g in zip(seeds, galleries)
).set_index("seed")
display(report.table(per_seed))

# %%
if world is not None:
    fig, ax = plots.figure(1, width=4.5, height=2.4)
    x = np.arange(len(seeds))
    ax.bar(x, per_seed["matches"], width=0.6, label="units whose most damaged class holds it")
    ax.scatter(x, per_seed["matches by chance"], color=plots.PALETTE[3], zorder=3,
               label="expected for a class drawn at random")  # fmt: skip
    ax.set(xticks=x, xticklabels=[f"seed {s}" for s in seeds], ylabel="units",
           ylim=(0, n_units + 0.5))  # fmt: skip
    ax.legend(fontsize=plots.SMALL, loc="upper right")
    plots.caption(
        fig,
        f"For each seed, how many of its {n_units} gallery units have a most damaged class that "
        "holds the unit's concept (bars), against the number expected if that class were drawn at "
        "random (dots).",
        alt="Bar chart, one bar per seed: "
        + ", ".join(
            f"seed {s}: {m} matching units, {c:.1f} expected by chance"
            for s, m, c in zip(seeds, per_seed["matches"], per_seed["matches by chance"])
        )
        + ".",
    )
    plots.show()

# %%
outcomes = {
    "every shown unit moves overall accuracy by less than 1 pt": [
        bool(g["overall_drop"].abs().lt(1).all()) for g in galleries
    ],
    "every shown unit makes some class gain": [
        bool((g["largest gain (pts)"] > 0).all()) for g in galleries
    ],
    "each unit's largest gain is smaller than its largest drop": [
        bool((g["largest gain (pts)"] < g["max_class_drop"]).all()) for g in galleries
    ],
}
if world is not None:
    half = [2 * int(g["most damaged class holds it"].sum()) >= len(g) for g in galleries]
    outcomes["more matches than a class drawn at random gives"] = [
        int(g["most damaged class holds it"].sum()) > g["chance of a match"].sum()
        for g in galleries
    ]
    checks, _ = study.seed_checks(outcomes, core=[])
    # The core is read on the units of all seeds together: a seed's few units give a match
    # share in coarse steps (20 pts for 5), too coarse to vote with; pooled, it has an interval.
    n_pooled = sum(len(g) for g in galleries)
    k_pooled = sum(int(g["most damaged class holds it"].sum()) for g in galleries)
    lo, hi = verdicts.share_interval(k_pooled, n_pooled)
    match = (
        f"the most damaged class holds the unit's concept for at least half the units: "
        f"{k_pooled} of {n_pooled} over the seeds, 95% interval {lo:.0%}–{hi:.0%} (half or more "
        f"on {sum(half)} of {len(seeds)} seeds)"
    )
    checks = {match: verdicts.share_check(k_pooled, n_pooled, 0.5), **checks}
    core = [match]
else:  # the paper profile has no masks of its validation images: the match cannot be read
    checks, core = study.seed_checks(
        outcomes, core=["each unit's largest gain is smaller than its largest drop"]
    )
medians = [g["max_class_drop"].median() for g in galleries]
report.glue(
    {
        "seed0": seeds[0],
        "n_seeds": len(seeds),
        "n_units": len(chosen),
        "n_match": int(gallery["most damaged class holds it"].sum()) if world else "n/a",
        "n_chance": f"{gallery['chance of a match'].sum():.1f}" if world else "n/a",
        "seeds_match": sum(half) if world else "n/a",
        "pooled_match": f"{k_pooled} of {n_pooled}" if world else "n/a",
        "pooled_interval": f"{lo:.0%}–{hi:.0%}" if world else "n/a",
        "median_max_drop": f"{gallery['max_class_drop'].median():.0f}",
        "median_max_drop_range": f"{min(medians):.0f}–{max(medians):.0f}",
        "median_gain": f"{gallery['largest gain (pts)'].median():.0f}",
        "max_overall": f"{gallery['overall_drop'].abs().max():.2f}",
    }
)
report.claim(
    "Z2",
    ours="; ".join(
        f"seed {s}: median max class drop {g['max_class_drop'].median():.0f} pts, median largest "
        f"gain {g['largest gain (pts)'].median():.0f} pts"
        + (
            f", most damaged class holds the concept for "
            f"{int(g['most damaged class holds it'].sum())} of {len(g)} "
            f"(chance {g['chance of a match'].sum():.1f})"
            if world is not None
            else ""
        )
        for s, g in zip(seeds, galleries)
    ),
    checks=checks,
    core=core,
    profile=profile,
)

# %%
report.takeaway(
    (
        f"over the {len(seeds)} seeds, {k_pooled} of the {n_pooled} gallery units "
        f"({k_pooled / n_pooled:.0%}; 95% interval {lo:.0%}–{hi:.0%}) have a most damaged class "
        "that holds the unit's concept; "
        if world is not None
        else ""
    )
    + f"the worst-hit class loses a median {min(medians):.0f}–{max(medians):.0f} pts over the "
    f"seeds, and every shown unit moves overall accuracy by less than 1 pt on "
    f"{sum(outcomes['every shown unit moves overall accuracy by less than 1 pt'])} of "
    f"{len(seeds)} seeds. Some classes gain when a unit goes (median largest gain on seed "
    f"{seeds[0]}: {gallery['largest gain (pts)'].median():.0f} pts).",
    paper="the classes an ablation damages most match what the unit detects (a waterfall unit "
    "costs *waterfall* 50 pts) while overall accuracy barely moves; a few unrelated classes gain "
    "slightly.",
    claim="Z2",
)

# %% [markdown]
# On seed {glue:text}`seed0`, the most damaged class holds the unit's concept for
# {glue:text}`n_match` of the {glue:text}`n_units` units, against {glue:text}`n_chance` expected
# if the most damaged class were drawn at random; at least half the units match on
# {glue:text}`seeds_match` of the {glue:text}`n_seeds` seeds. That match is the paper's central
# statement and the core check. A seed's {glue:text}`n_units` units give a share too coarse to
# vote on seed by seed, so the core check reads the units of all seeds together:
# {glue:text}`pooled_match` match (95% interval {glue:text}`pooled_interval`). It passes when
# the interval lies at or above one half, fails when it lies below, and is undecided when it
# straddles one half. The other checks are made seed by seed and pass by a majority that one
# seed cannot overturn, fail likewise, and are undecided in between. The worst-hit
# class loses a median {glue:text}`median_max_drop` pts on seed {glue:text}`seed0`
# ({glue:text}`median_max_drop_range` pts over the seeds), while no unit of that gallery moves
# overall accuracy by more than {glue:text}`max_overall` pts. Some classes gain when a unit is
# removed (median largest gain {glue:text}`median_gain` pts); the paper found such gains
# semantically unrelated to the unit and did not show them.
