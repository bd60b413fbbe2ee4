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
# # Zhou et al. 2018, Fig. 5: which unit attributes predict ablation damage?
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Morcos et al. found that class-selective units are *not* the ones whose ablation hurts overall
# accuracy. Zhou et al. confirm it for the overall drop, then show that for the *max class* drop
# the story turns: every attribute (weight L1 norm, class correlation, class selectivity, concept
# IoU) goes with larger damage to some class. Fig. 5 plots both drops against each attribute for
# every conv5 unit, with Spearman's rank correlation *r* and its *p*-value, next to a column of
# random values as a baseline. We do the same for conv5 of the book's baseline alexnet-mini
# and, because one layer's units give noisy ranks, on every seed of the recipe; a check passes
# on a majority of seeds that one seed cannot overturn (4 of 5), fails likewise (1 of 5 or
# fewer), and is undecided in between. Beside the random-value column we give the range a
# random attribute's r falls in (the central 95% of 1,000 random draws per seed), so an r can be
# read against chance. Nearly-dead units (mean activation under 10% of the median unit's) have
# tiny ablation effects yet can score high selectivity, a ratio of tiny means; we also repeat the
# correlations on the active units alone. Drops are in percentage points, positive = worse; the
# attributes and their conventions are in {mod}`unitroles.attributes`.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
seeds = [0, 1, 2, 3, 4]  # network instances; the scatter plots show the first
random_draws = 1000  # random attributes per seed, for the random-value band
dissect_per_class = 50
# paper profile only (one instance: your checkpoint)
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
        "random_draws": params.Int(min=1),
    },
)

# %%
import matplotlib as mpl
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import plots, report, study, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
studies = run.unit_studies(seeds, layer=layer)
tables = [s.table() for s in studies]
active = [s.live() for s in studies]  # (U,) per seed: mean activation >= 10% of the median's
DROPS = {"overall_drop": "overall drop (pts)", "max_class_drop": "max class drop (pts)"}
ATTRS = [a for a in study.ATTRIBUTES if a != "random"]
for s, a in zip(studies, active):
    print(
        s.setup.description, f"— top-1 accuracy {s.counts.base_overall_accuracy():.1f}%,",
        f"{int(a.sum())} of {len(a)} {layer} units active",
    )  # fmt: skip

# %%
table = tables[0]
fig, axes = plots.figure(len(study.ATTRIBUTES), 2, width=7.0, height=4.8, sharey="row")
clipped = 0
for i, (drop, drop_label) in enumerate(DROPS.items()):
    ylim = plots.outlier_limits(table[drop])  # one far outlier does not squash the row
    for j, attr in enumerate(study.ATTRIBUTES):
        ax = axes[i, j]
        clipped += plots.clipped_scatter(
            ax, table[attr], table[drop], ylim=ylim, xlim=plots.outlier_limits(table[attr]),
            s=7, alpha=0.7, color=plots.PALETTE[i * 3],
        )  # fmt: skip
        r, p = study.spearman(table[attr], table[drop])
        letter = "abcdefghij"[i * len(study.ATTRIBUTES) + j]
        ax.set_title(f"({letter}) r = {r:.2f}\np = {p:.2g}", fontsize=plots.SMALL)  # 2 lines
        ax.tick_params(labelsize=plots.SMALL)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(3))
        if i == 1:
            ax.set_xlabel(study.ATTRIBUTE_LABELS[attr].replace(" (", "\n("), fontsize=plots.SMALL)
    axes[i, 0].set_ylabel(drop_label.replace(" (", "\n("), fontsize=plots.SMALL)
plots.caption(
    fig,
    f"Seed {seeds[0]}: each dot is one of the {len(table)} {layer} units. Top row: the overall "
    "accuracy drop when the unit is ablated; bottom row: its max class drop, both in percentage "
    "points (positive = worse), panels (a)–(j) row by row; columns: a random value, then the "
    "unit's weight L1 norm, class correlation, class selectivity and concept IoU. Titles give "
    "Spearman's r and its p-value. "
    + (
        f"{clipped} far outlying points (beyond 3 interquartile ranges) are drawn as open "
        "triangles on the panel's edge, the farthest value noted, so they do not squash the "
        "other points."
        if clipped
        else ""
    ),
    alt=f"Ten scatter plots of the {len(table)} units of seed {seeds[0]}: overall drop (top) and "
    "max class drop (bottom) against random value, weight L1 norm, class correlation, class "
    "selectivity and concept IoU. Spearman r: "
    + "; ".join(
        f"{DROPS[d].replace(' (pts)', '')} vs {study.ATTRIBUTE_LABELS[a]} "
        f"{study.spearman(table[a], table[d])[0]:.2f}"
        for d in DROPS
        for a in study.ATTRIBUTES
    )
    + ".",
)
plots.show()

# %% [markdown]
# Seed {glue:text}`seed0`'s {glue:text}`n_units` units, one dot each.
#
# ## Spearman r and p for every instance
#
# One row per (drop, attribute, units): *all* units, as in the paper, and the *active* units
# alone. The paper's column gives the sign of the correlation Zhou et al. report for
# AlexNet-Places365 conv5 (the text of sec. 3.3; importance = a larger drop). The table after it
# gives the range of r for a random attribute. {glue:text}`active_note`


# %%
def correlations(t: pd.DataFrame, keep: np.ndarray) -> dict:
    """(drop, attribute) -> (r, p) over the units in ``keep``."""
    return {
        (drop, attr): study.spearman(t[attr][keep], t[drop][keep])
        for drop in DROPS
        for attr in study.ATTRIBUTES
    }


everyone = [np.ones(len(t), bool) for t in tables]
every_active = [str(s) for s, a in zip(seeds, active) if a.all()]
if len(every_active) == len(seeds):
    active_note = (
        "Every unit is active on every seed here, so each *active* row repeats the *all* row "
        "above it."
    )
elif every_active:
    active_note = (
        f"Every unit is active on seed{'s' * (len(every_active) > 1)} {', '.join(every_active)}, "
        "whose *active* values repeat their *all* values."
    )
else:
    active_note = ""
report.glue({"active_note": active_note or " "})
results = {
    (subset, s): correlations(t, keep)
    for subset, masks in (("all", everyone), ("active", active))
    for s, t, keep in zip(seeds, tables, masks)
}
bands = {  # (drop, seed) -> the 95% range of r for a random attribute, all units
    (drop, s): study.random_r_band(t[drop], draws=random_draws, seed=s)
    for drop in DROPS
    for s, t in zip(seeds, tables)
}
rows = []
for drop in DROPS:
    for attr in study.ATTRIBUTES:
        for subset in ("all", "active"):
            row = {"drop": drop, "attribute": attr, "units": subset}
            for s in seeds:
                r, p = results[(subset, s)][(drop, attr)]
                row[f"seed {s} r"], row[f"seed {s} p"] = r, p
            rows.append(row)
    row = {"drop": drop, "attribute": "random band (95%)", "units": "all"}
    for s in seeds:
        row[f"seed {s} r"] = "{:+.2f} to {:+.2f}".format(*bands[(drop, s)])
    rows.append(row)
summary = pd.DataFrame(rows).set_index(["drop", "attribute", "units"])
paper_sign = {  # Zhou et al. 2018, sec. 3.3 and Fig. 5
    ("overall_drop", "random"): "≈ 0", ("overall_drop", "l1"): "+",
    ("overall_drop", "correlation"): "−", ("overall_drop", "selectivity"): "−",
    ("overall_drop", "iou"): "−", ("max_class_drop", "random"): "≈ 0",
    ("max_class_drop", "l1"): "+", ("max_class_drop", "correlation"): "+",
    ("max_class_drop", "selectivity"): "+", ("max_class_drop", "iou"): "+",
}  # fmt: skip
summary["paper"] = [paper_sign.get(i[:2], "≈ 0") for i in summary.index]
r_columns = [f"seed {s} r" for s in seeds]
p_columns = [f"seed {s} p" for s in seeds]
measured = summary[summary.index.get_level_values(1) != "random band (95%)"]
shown = measured[r_columns].copy()
shown.columns = [f"r, seed {s}" for s in seeds]
shown["seeds with p < 0.05"] = [
    f"{int((row < 0.05).sum())} of {len(seeds)}" for row in measured[p_columns].to_numpy(float)
]
shown["paper (sign of r)"] = measured["paper"]
shown = shown.rename(
    index={
        **{d: label.replace(" (pts)", "") for d, label in DROPS.items()},
        **study.ATTRIBUTE_LABELS,
    }  # fmt: skip
)
display(report.table(shown, decimals=2))

# %% [markdown]
# Where a random attribute's Spearman r falls in 95% of {glue:text}`random_draws` draws, all
# units, seed by seed:

# %%
band_table = pd.DataFrame(
    {f"seed {s}": ["{:+.2f} to {:+.2f}".format(*bands[(d, s)]) for d in DROPS] for s in seeds},
    index=pd.Index([label.replace(" (pts)", "") for label in DROPS.values()], name="r of"),
)
report.glue({"random_draws": f"{random_draws:,}"})
display(report.table(band_table))

# %%
fig, axes = plots.figure(2, width=7.0, height=2.8, sharey=True)
x = np.arange(len(study.ATTRIBUTES))
for letter, ax, (drop, drop_label) in zip("ab", axes, DROPS.items()):
    lo = np.median([bands[(drop, s)][0] for s in seeds])
    hi = np.median([bands[(drop, s)][1] for s in seeds])
    ax.axhspan(lo, hi, color="0.85", label="random attribute, 95% of draws")
    ax.axhline(0, color="0.4", lw=0.8)
    for k, (subset, marker) in enumerate((("all", "o"), ("active", "^"))):
        for i, s in enumerate(seeds):
            r = [results[(subset, s)][(drop, a)][0] for a in study.ATTRIBUTES]
            ax.scatter(
                x + (k - 0.5) * 0.3, r, marker=marker, s=18 if i == 0 else 9,
                color=plots.PALETTE[k], alpha=1 if i == 0 else 0.45,
                label=f"{subset} units ({len(seeds)} seeds)" if i == 0 else None,
            )  # fmt: skip
    ax.set_xticks(x, [study.ATTRIBUTE_LABELS[a].split(" (")[0] for a in study.ATTRIBUTES])
    ax.tick_params(axis="x", labelsize=plots.SMALL, rotation=30)
    ax.set_title(f"({letter}) " + drop_label.replace(" (pts)", ""), fontsize=plots.SMALL)
axes[0].set_ylabel("Spearman r")
fig.legend(
    *axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=plots.SMALL
)
plots.caption(
    fig,
    "Spearman's r between each attribute and the overall drop (left) or the max class drop "
    f"(right), every seed: circles over all {layer} units, triangles over the active units "
    "alone; the first seed's markers are larger. Grey: where a random attribute's r lands in 95% "
    "of draws (median band over seeds). Positive r: the attribute goes with larger damage.",
    alt=f"Two dot plots of Spearman r for {len(study.ATTRIBUTES)} attributes over "
    f"{len(seeds)} seeds. Median r with the max class drop: "
    + ", ".join(
        f"{study.ATTRIBUTE_LABELS[a]} "
        f"{np.median([results[('all', s)][('max_class_drop', a)][0] for s in seeds]):.2f}"
        for a in study.ATTRIBUTES
    )
    + "; with the overall drop: "
    + ", ".join(
        f"{study.ATTRIBUTE_LABELS[a]} "
        f"{np.median([results[('all', s)][('overall_drop', a)][0] for s in seeds]):.2f}"
        for a in study.ATTRIBUTES
    )
    + ".",
)
plots.show()

# %% [markdown]
# Each marker is one seed's r (the first seed larger); the grey band is where a random
# attribute's r lands in 95% of draws (median band over seeds).

# %%
per_seed = {}  # check -> outcome per seed
for drop in DROPS:
    for attr in ATTRS:
        sign = paper_sign[(drop, attr)]
        name = f"{DROPS[drop].replace(' (pts)', '')}: {attr} r {'> 0' if sign == '+' else '< 0'}"
        r = [results[("all", s)][(drop, attr)][0] for s in seeds]
        per_seed[name] = [(v > 0) if sign == "+" else (v < 0) for v in r]
core = [f"max class drop: {attr} r > 0" for attr in ATTRS]
per_seed["random value: r inside the random band for both drops"] = [
    all(
        bands[(d, s)][0] <= results[("all", s)][(d, "random")][0] <= bands[(d, s)][1] for d in DROPS
    )
    for s in seeds
]
per_seed["active units only: max class drop r > 0 for every attribute"] = [
    all(results[("active", s)][("max_class_drop", a)][0] > 0 for a in ATTRS) for s in seeds
]
per_seed["max class drop: r above the random band for at least 2 attributes"] = [
    sum(results[("all", s)][("max_class_drop", a)][0] > bands[("max_class_drop", s)][1]
        for a in ATTRS) >= 2
    for s in seeds
]  # fmt: skip
checks, core = study.seed_checks(per_seed, core=core)


def median_r(subset: str, drop: str, attr: str) -> float:
    return float(np.nanmedian([results[(subset, s)][(drop, attr)][0] for s in seeds]))


report.glue(
    {
        "seed0": seeds[0],
        "n_units": len(table),
        "n_seeds": len(seeds),
        "n_active": f"{int(np.median([a.sum() for a in active]))}",
        "agree": sum(ok is True for ok in checks.values()),
        "n_checks": len(checks),
        "core_passed": sum(checks[c] is True for c in core),
        "n_core": len(core),
        "sel_max_r": f"{median_r('all', 'max_class_drop', 'selectivity'):.2f}",
        "sel_max_r_active": f"{median_r('active', 'max_class_drop', 'selectivity'):.2f}",
        "l1_max_r": f"{median_r('all', 'max_class_drop', 'l1'):.2f}",
        "l1_overall_r": f"{median_r('all', 'overall_drop', 'l1'):.2f}",
        "sel_overall_r": f"{median_r('all', 'overall_drop', 'selectivity'):.2f}",
        "band": "{:+.2f} to {:+.2f}".format(*bands[("max_class_drop", seeds[0])]),
    }
)
report.claim(
    "Z5",
    ours=(
        f"{len(seeds)} instances: max class drop median r: "
        + ", ".join(f"{a} {median_r('all', 'max_class_drop', a):.2f}" for a in ATTRS)
        + "; overall drop median r: "
        + ", ".join(f"{a} {median_r('all', 'overall_drop', a):.2f}" for a in ATTRS)
    ),
    checks=checks,
    core=core,
    profile=profile,
)

# %%
report.takeaway(
    f"over {len(seeds)} seeds of {len(table)} {layer} units, the median Spearman r with the max "
    "class drop is "
    + ", ".join(
        f"{median_r('all', 'max_class_drop', a):+.2f} ({study.ATTRIBUTE_LABELS[a]})" for a in ATTRS
    )
    + f"; {sum(checks[c] is True for c in core)} of the {len(core)} attributes correlate "
    "positively on a majority of seeds that one seed cannot overturn. With the overall drop: "
    + ", ".join(
        f"{median_r('all', 'overall_drop', a):+.2f} ({study.ATTRIBUTE_LABELS[a]})" for a in ATTRS
    )
    + ". A random attribute's r falls between "
    + "{:+.2f} and {:+.2f}".format(*bands[("max_class_drop", seeds[0])])
    + f" in 95% of draws on seed {seeds[0]}.",
    paper="for the overall drop, selective and interpretable units matter *less* (negative r; "
    "weight L1 positive), as Morcos et al. found; for the max class drop every attribute "
    "correlates *positively*: the units that look selective are the ones some class needs.",
    claim="Z5",
)

# %% [markdown]
# Over {glue:text}`n_seeds` instances of {glue:text}`n_units` conv5 units each
# ({glue:text}`n_active` active in the median instance), {glue:text}`agree` of the
# {glue:text}`n_checks` checks pass. The core of the claim is the paper's turn: for the max class
# drop, every attribute correlates *positively* with importance; the four core checks (one per
# attribute, each on a majority of seeds one seed cannot overturn) pass {glue:text}`core_passed` of
# {glue:text}`n_core` times. Weight L1 goes with the overall drop at median r =
# {glue:text}`l1_overall_r` and with the max class drop at {glue:text}`l1_max_r`; class
# selectivity goes with the overall drop at {glue:text}`sel_overall_r` and with the max class
# drop at {glue:text}`sel_max_r` (active units only: {glue:text}`sel_max_r_active`). A random
# attribute's r falls between {glue:text}`band` in 95% of draws on seed {glue:text}`seed0`: an r
# inside that range says nothing. Where a sign disagrees with the paper the table shows it
# instance by instance.

# %% [markdown]
# ## What limits the correlations with the max class drop here

# %%
from unitroles import diagnosis

resolution = diagnosis.drop_resolution(
    tables, [int(np.bincount(s.setup.labels.numpy()).min()) for s in studies]
)
mix = diagnosis.concept_mix(tables)
within = diagnosis.within_category_r(tables, study.spearman)
scale = study.scale_comparison(len(table), len(studies[0].class_names),
                               studies[0].counts.base_overall_accuracy())  # fmt: skip
iou_r = [results[("all", s)][("max_class_drop", "iou")][0] for s in seeds]
report.glue(
    {
        "z5_failed_core": "; ".join(verdicts.failed_core(checks, core)) or "none",
        "z5_median_drop": f"{resolution['median_drop']:.0f}",
        "z5_images": resolution["images"],
        "z5_share_small": f"{resolution['share_small']:.0%}",
        "z5_distinct": resolution["distinct"],
        "z5_scene_share": f"{mix.get('scene', 0.0):.0%}",
        "z5_object_share": f"{mix.get('object', 0.0):.0%}",
        "z5_iou_r_range": f"{min(iou_r):+.2f} to {max(iou_r):+.2f}",
        "z5_object_r": (
            f"{within.loc['object'].min():+.2f} to {within.loc['object'].max():+.2f}"
            if "object" in within.index and within.loc["object"].notna().any()
            else "not measurable (too few object units)"
        ),
        "z5_units_per_class": scale["units_per_class"],
        "z5_paper_units_per_class": scale["paper_units_per_class"],
    }
)
display(
    report.table(
        within.rename(columns=dict(enumerate(f"seed {s}" for s in seeds))).rename_axis(
            "units whose best concept is a"
        ),
        decimals=2,
        caption="Spearman r of concept IoU with the max class drop within each category of best "
        "concept (categories with at least 6 units on a seed).",
    )
)

# %% [markdown]
# **Diagnosis.** Core checks that do not pass in this run: {glue:text}`z5_failed_core`. Two things
# in our world bear on the correlations with the max class drop, IoU's above all; both are
# measured above. First, single units hardly matter to any class: the median
# unit's max class drop is {glue:text}`z5_median_drop` pts, that is, a few of the
# {glue:text}`z5_images` evaluation images of its most damaged class, and
# {glue:text}`z5_share_small` of units drop no class by more than two images; the drop takes only
# {glue:text}`z5_distinct` distinct values in the median instance. Our conv5 has
# {glue:text}`z5_units_per_class` units per class against the paper's
# {glue:text}`z5_paper_units_per_class`, so a class loses little when one of its units goes
# ([Fig. 3](zhou2018_fig3_layer_curves.ipynb) shows the same). Every attribute's correlation with
# so coarse a drop is squeezed towards zero; IoU's r runs from {glue:text}`z5_iou_r_range` over
# the seeds. Second, what IoU measures: {glue:text}`z5_scene_share` of the interpretable units
# match a *scene* label best, and in this world the scene labels are the classes, so their IoU
# is class selectivity in another form rather than a sign of a detector for a part of the scene;
# only {glue:text}`z5_object_share` match an object. Among the units that match an object the
# correlation runs from {glue:text}`z5_object_r` over the seeds: the object detectors are too few
# to settle the sign.
