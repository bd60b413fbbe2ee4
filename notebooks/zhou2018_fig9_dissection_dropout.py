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
# # Zhou et al. 2018, Fig. 9: channel dropout and interpretable units
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Dropping whole conv5 channels during training spreads class information over many units (Fig.
# 8). Does it also make units less interpretable? Zhou et al. dissect conv5 of the baseline
# AlexNet-Places365 and of the same network trained with channel dropout on conv5, and count the
# units that network dissection calls interpretable (best concept IoU > 0.04), concept by concept.
# We do the same for the book's baseline alexnet-mini and its `dropout-conv5` sibling on the
# synthetic world's Broden-format export, each trained from several seeds, since one training run
# differs from the next: counts are shown with their range over seeds and compared seed by seed.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
recipes = ["baseline", "dropout-conv5"]
seeds = [0, 1, 2]  # training seeds of each recipe (book and smoke profiles)
dissect_per_class = 50
# paper profile only: one checkpoint per recipe, same order
checkpoints = [None, None]
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
        "val_root": params.Path("dir", env="UNITROLES_VAL_ROOT"),
        "eval_per_class": params.Int(min=1),
        **params.BRODEN,
        "layer": params.Str(),
        "recipes": params.List(params.Str(), min_len=1),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "checkpoints": params.List(params.Path("file"), min_len=1),
    },
)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import dissection, plots, report, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: one published checkpoint a recipe; smoke: the code path only
broden, transform = run.dissection_data()
accuracy, best = {}, {}  # (recipe, seed) -> top-1 accuracy; each unit's best concept
for recipe, checkpoint in zip(recipes, checkpoints):
    for seed in seeds:
        setup = run.model(recipe, seed=seed, checkpoint=checkpoint, parameter="checkpoints")
        dissected = dissection.cached_dissection(setup.model, layer, broden, transform)
        accuracy[recipe, seed] = 100 * setup.accuracy
        best[recipe, seed] = dissected.best()
        print(setup.description, f"— top-1 accuracy {accuracy[recipe, seed]:.1f}%")

# %%
counts = (
    pd.DataFrame(
        {
            key: b[b["interpretable"]].groupby(["category", "concept"]).size()
            for key, b in best.items()
        }
    )
    .fillna(0)
    .astype(int)
)  # (concepts, (recipe, seed)): interpretable units per concept
counts.columns.names = ["recipe", "seed"]
spread = counts.T.groupby("recipe").agg(["mean", "min", "max"]).T.unstack()  # concepts x stats
spread = spread.sort_values([(r, "mean") for r in recipes], ascending=False)
totals = pd.Series({key: int(b["interpretable"].sum()) for key, b in best.items()})
fig, (ax_total, ax) = plots.figure(2, width=7.0, height=3.4, gridspec_kw={"width_ratios": [1, 5]})
x = np.arange(len(spread))
width = 0.8 / len(recipes)
for i, recipe in enumerate(recipes):
    acc = [accuracy[recipe, s] for s in seeds]
    color = plots.PALETTE[i]
    ax_total.plot([i] * len(seeds), totals[recipe].to_numpy(), "o", color=color, alpha=0.8, ms=5)
    ax_total.plot([i - 0.25, i + 0.25], [totals[recipe].mean()] * 2, color=color, lw=2)
    m = spread[recipe]
    ax.bar(
        x + (i - (len(recipes) - 1) / 2) * width, m["mean"], width, color=color,
        yerr=[m["mean"] - m["min"], m["max"] - m["mean"]], error_kw={"lw": 0.8, "ecolor": "0.3"},
        label=f"{recipe} ({min(acc):.0f}–{max(acc):.0f}% val)",
    )  # fmt: skip
ax_total.set_xticks(range(len(recipes)), recipes, rotation=30, ha="right", fontsize=plots.SMALL)
ax_total.set_xlim(-0.6, len(recipes) - 0.4)
ax_total.set_ylim(0, 1.15 * max(1, totals.max()))  # room above the dots
ax_total.set_ylabel("interpretable units (per model)")
ax_total.set_title("(a) all concepts", fontsize=plots.SMALL)
ax.set_xticks(
    x, [f"{c} ({cat})" for cat, c in spread.index], rotation=60, ha="right", fontsize=plots.SMALL
)
ax.set_ylabel("units (mean over seeds)")
ax.set_ylim(0, 1.15 * max(1, spread.xs("max", axis=1, level=1).to_numpy().max(initial=0)))
ax.set_title(f"(b) {layer}: units whose best concept has IoU > {dissection.INTERPRETABLE_IOU}")
ax.legend(fontsize=plots.SMALL, title=f"recipe, {len(seeds)} seeds", title_fontsize=plots.SMALL)
plots.caption(
    fig,
    f"Interpretable {layer} units (best concept IoU > {dissection.INTERPRETABLE_IOU}) of the "
    f"{' and '.join(recipes)} models. (a) The count of each model, one dot per seed, a short "
    f"line at their mean. (b) The same units by their best concept (category in brackets); bars "
    f"give the mean over {len(seeds)} seeds, whiskers the range.",
    alt=f"Dot plot and bar chart of interpretable {layer} units. Counts per seed: "
    + "; ".join(
        f"{recipe} {', '.join(str(totals[recipe, s]) for s in seeds)}" for recipe in recipes
    )
    + ". Concepts with the most units: "
    + ", ".join(f"{c} ({cat})" for cat, c in spread.index[:6])
    + ".",
)
plots.show()

# %% [markdown]
# Left: the number of interpretable conv5 units of each model, one dot per seed, a short line at
# their mean. Right: the same units by their best concept; bars give the mean over the
# {glue:text}`n_seeds` seeds of a recipe, whiskers the range.
#
# ## Per category

# %%
per_model = pd.DataFrame(
    {key: b[b["interpretable"]].groupby("category").size() for key, b in best.items()}
).fillna(0)  # (categories, (recipe, seed))
per_model.loc["all"] = per_model.sum()
per_model.loc["distinct concepts"] = [
    b.loc[b["interpretable"], "concept"].nunique() for b in best.values()
]
per_model.loc["mean best IoU"] = [b["iou"].mean() for b in best.values()]
per_model.loc["units in the layer"] = [len(b) for b in best.values()]
per_model.columns.names = ["recipe", "seed"]
display(report.table(
    per_model.T.drop(columns="units in the layer"),  # the same for every model: in the text
    headers={c: f"{c} (units)" for c in per_model.index[:-4]} | {"all": "all categories (units)"},
    decimals={"mean best IoU": 3},
))  # fmt: skip

# %% [markdown]
# One row per model, recipe and seed: interpretable units per concept category, all of them,
# the distinct concepts they match, and the mean best IoU over the layer's
# {glue:text}`n_units` units.
#
# The checks compare the recipes seed by seed and pass on a majority one seed cannot overturn
# (of 3: all 3), fail when they hold on none, and are undecided when the seeds split. The core check
# is the paper's statement: the dropout model has fewer interpretable conv5 units than the baseline
# trained from the same seed. The paper says dropout reduces them *greatly*, so two details ask
# more: the dropout model lies below the baseline's whole seed band (fewer than every baseline
# seed), and it matches fewer distinct concepts than its baseline.

# %%
base, drop = recipes[:2]
distinct = per_model.loc["distinct concepts"]
pairs = {
    f"{drop} has fewer interpretable units than the {base} of the same seed": (
        totals[drop].to_numpy() < totals[base].to_numpy()
    ),
    f"{drop} has fewer interpretable units than every {base} seed": (
        totals[drop].to_numpy() < totals[base].min()
    ),
    f"{drop} matches fewer distinct concepts than the {base} of the same seed": (
        distinct[drop].to_numpy() < distinct[base].to_numpy()
    ),
}
checks, core = {}, []
for k, (what, passes) in enumerate(pairs.items()):
    name = f"{what}, {verdicts.on_seeds(passes, seeds)}"
    checks[name] = verdicts.seed_vote(passes)
    if k == 0:
        core.append(name)
n_base, n_drop, distinct_base, distinct_drop = (  # ranges over seeds
    verdicts.over_seeds(v.to_numpy(), ".0f", mean=False, alone=True)
    for v in (totals[base], totals[drop], distinct[base], distinct[drop])
)
report.glue(
    {
        "n_seeds": len(seeds),
        "n_units": len(best[base, seeds[0]]),
        "n_base": n_base,
        "n_drop": n_drop,
        "distinct_base": distinct_base,
        "distinct_drop": distinct_drop,
        "fewer_seeds": int(pairs[next(iter(pairs))].sum()),
    }
)
report.claim(
    "Z10",
    ours=(
        f"interpretable units of {len(best[base, seeds[0]])}, seeds "
        f"{', '.join(map(str, seeds))} in turn: "
        f"{base} {', '.join(str(totals[base, s]) for s in seeds)}; "
        f"{drop} {', '.join(str(totals[drop, s]) for s in seeds)}"
    ),
    checks=checks,
    core=core,
    profile=profile,
)

# %%
report.takeaway(
    f"of {len(best[base, seeds[0]])} {layer} units, dissection finds "
    f"{n_base} interpretable in the {base} models and "
    f"{n_drop} in the {drop} models (ranges over {len(seeds)} "
    f"seeds); the {drop} model has fewer than the {base} of its own seed on "
    f"{int(pairs[next(iter(pairs))].sum())} of {len(seeds)} seeds.",
    paper="training with channel dropout on conv5 greatly reduces the number of units that "
    "network dissection finds interpretable.",
    claim="Z10",
)

# %% [markdown]
# Of {glue:text}`n_units` conv5 units, dissection finds {glue:text}`n_base` interpretable in the
# baseline's {glue:text}`n_seeds` seeds ({glue:text}`distinct_base` distinct concepts) and
# {glue:text}`n_drop` in the models trained with channel dropout on conv5
# ({glue:text}`distinct_drop` distinct concepts). The dropout model has fewer than the baseline of
# its own seed on {glue:text}`fewer_seeds` of {glue:text}`n_seeds` seeds.

# %% [markdown]
# ## What channel dropout does to the units here

# %%
from unitroles import diagnosis

dup = {key: diagnosis.duplication(b) for key, b in best.items()}
mix = {r: diagnosis.concept_mix([best[r, s] for s in seeds]) for r in recipes}
per_concept = {r: float(np.mean([dup[r, s]["per_concept"] for s in seeds])) for r in recipes}
scene = {r: float(mix[r].get("scene", 0.0)) for r in recipes}
display(report.table(
    pd.DataFrame(
        {
            "interpretable units (mean)": {r: totals[r].mean() for r in recipes},
            "distinct concepts (mean)": {r: distinct[r].mean() for r in recipes},
            "units per matched concept": per_concept,
            "best concept a scene label": scene,
            "mean best IoU": {r: per_model.loc["mean best IoU", r].mean() for r in recipes},
        }
    ).rename_axis("recipe"),
    decimals={"mean best IoU": 3, "units per matched concept": 2,
              "interpretable units (mean)": 1, "distinct concepts (mean)": 1},
    percent=["best concept a scene label"],
))  # fmt: skip
copies = per_concept[drop] > per_concept[base]
fewer_concepts = distinct[drop].mean() < distinct[base].mean()
report.glue(
    {
        "z10_failed_core": "; ".join(verdicts.failed_core(checks, core)) or "none",
        "z10_per_concept_base": f"{per_concept[base]:.2f}",
        "z10_per_concept_drop": f"{per_concept[drop]:.2f}",
        "z10_scenes": (
            f"Most interpretable units match a scene label, which in this world is one of the "
            f"classes ({scene[base]:.0%} of the baseline's, {scene[drop]:.0%} of the dropout "
            "models'): a network has to keep those to classify at all, with or without dropout, "
            "whereas the paper counts detectors of objects, parts and textures among hundreds of "
            "concepts, many of which a Places365 network can afford to lose."
            if min(scene.values()) > 0.5
            else f"Scene labels (the world's classes) are the best concept of {scene[base]:.0%} "
            f"of the baseline's interpretable units and {scene[drop]:.0%} of the dropout models'."
        ),
        "z10_reading": (
            "Dropout keeps copies: each matched concept is held by more units in the dropout "
            "models, so the count of interpretable units stays up"
            + (" while the concepts they match become fewer" if fewer_concepts else "")
            + ". A network that loses half its conv5 units at random on every training step "
            "needs what it uses to be present several times over, and dissection counts each "
            "copy."
            if copies
            else "The dropout models hold each matched concept in no more units than the "
            "baseline, so copies do not explain the count."
        ),
    }
)

# %% [markdown]
# One row per recipe, means over the seeds: interpretable units, the distinct concepts they
# match, units per matched concept, the share of interpretable units whose best concept is one
# of the world's scene labels, and the mean best IoU over the layer.
#
# **Diagnosis.** Core checks that do not pass in this run: {glue:text}`z10_failed_core`. Each
# matched concept is held by {glue:text}`z10_per_concept_base` units on average in the baseline
# models and by {glue:text}`z10_per_concept_drop` in the dropout models. {glue:text}`z10_reading`
# {glue:text}`z10_scenes`
