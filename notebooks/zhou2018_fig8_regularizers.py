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
# # Zhou et al. 2018, Fig. 8: batch norm and channel dropout spread class information
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Regularizers change what single units carry. Zhou et al. train AlexNet three ways — the
# baseline, with batch norm after every conv layer, and with channel dropout (half of the units
# dropped in each batch) on conv5 — and compare the sorted max class drop curves of conv3, conv4
# and conv5. Batch norm lowers the curves at every layer; dropout at conv5 lowers the conv5 curve
# a lot and raises the conv4 curve, as if conv4 took over what conv5 no longer concentrates. Here
# we train the book's alexnet-mini the same three ways on the synthetic world, each recipe from
# several seeds, and ablate every unit of the three layers, one at a time, on all validation
# images. One training run differs from the next, so every curve is a band over seeds and every
# check is made seed by seed against the baseline's whole band. Drops are in percentage points
# (pts); positive means worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
regularized = ["batchnorm", "dropout-conv5"]  # recipes compared with the baseline
seeds = [0, 1, 2]  # training seeds of every recipe
layers = ["conv3", "conv4", "conv5"]
# paper profile only (one AlexNet per recipe; the paper's are not public: train your own)
checkpoint = None  # the baseline, or $UNITROLES_CHECKPOINT
batchnorm_checkpoint = None  # or $UNITROLES_BATCHNORM_CHECKPOINT
dropout_checkpoint = None  # or $UNITROLES_DROPOUT_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
eval_per_class = 10


# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        "regularized": params.List(params.Str(), min_len=1),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "layers": params.List(params.Str(), min_len=1),
        **params.ZHOU_REGULARIZED,
    },
)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import drop_curves, plots, report, study, sweeps, train, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: one checkpoint a recipe; smoke: the code path only
recipes = ["baseline", *regularized]
# paper: each recipe's checkpoint parameter (checkpoint, batchnorm_checkpoint, dropout_checkpoint)
models = {(recipe, s): run.model(recipe, seed=s) for recipe in recipes for s in seeds}


def max_class_drops(setup, layer):
    """Every unit's max class drop (pts) at ``layer``: a unit sweep in one shard."""
    width = sweeps.layer_units(setup.model, layer, setup.images)
    counts = sweeps.unit_sweep(
        setup.model, layer, setup.images, setup.labels, setup.num_classes, shard_size=width
    )
    return counts.summary()["max_class_drop"].to_numpy()


drops = {(recipe, s, layer): max_class_drops(setup, layer) for (recipe, s), setup in models.items()
         for layer in layers}  # fmt: skip
for setup in models.values():
    print(f"{setup.description} — top-1 accuracy {100 * setup.accuracy:.1f}%")
for name in regularized:
    print(f"{name}: {train.RECIPES[name].description}")

# %%
accuracy = pd.DataFrame(
    {r: [100 * models[r, s].accuracy for s in seeds] for r in recipes}, index=seeds
)  # (seeds, recipes), %
# colour-blind safe and told apart by line style too: baseline black, the others orange, blue
looks = [(plots.PALETTE[7], "-"), (plots.PALETTE[1], "--"), (plots.PALETTE[0], "-.")]
fig, axes = plots.figure(len(layers), width=7.0, height=3.4, sharey=True)
for ax, layer in zip(np.atleast_1d(axes), layers):
    for k, recipe in enumerate(recipes):
        acc = accuracy[recipe]
        colour, style = looks[k % len(looks)]
        plots.seed_band(
            ax, drop_curves.stack([drops[recipe, s, layer] for s in seeds]), color=colour, ls=style,
            label=f"{recipe} ({verdicts.over_seeds(acc, '.0f', mean=False)}%)",
        )  # fmt: skip
    head_units = drop_curves.head_size(len(drops["baseline", seeds[0], layer]))
    ax.axvspan(0.5, head_units + 0.5, color="0.5", alpha=0.12, lw=0)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axhline(drop_curves.OVER_PTS, color="0.5", lw=0.8, ls=":")
    ax.set_title(f"({'abcdefgh'[layers.index(layer)]}) {layer}")
# one x label, under the middle panel: one under each ran into the next
np.atleast_1d(axes)[len(layers) // 2].set_xlabel("units, sorted by max class drop (each panel)")
np.atleast_1d(axes)[0].set_ylabel("max class drop (pts)")
fig.legend(
    *np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
    fontsize=plots.SMALL, title="recipe (validation accuracy over seeds)",
    title_fontsize=plots.SMALL,
)  # fmt: skip
head = {key: drop_curves.summary(d)["head"] for key, d in drops.items()}  # mean of the top 10%
plots.caption(
    fig,
    f"Max class drop (percentage points, positive = worse) of every unit of {', '.join(layers)}, "
    f"sorted largest first, for the {', '.join(recipes)} recipes (legend: validation accuracy "
    f"over seeds). Lines: rank-by-rank mean over {len(seeds)} seeds; bands: their range. Grey "
    f"strip: the curve's head; dotted line: {drop_curves.OVER_PTS:g} pts.",
    alt=f"{len(layers)} line charts, one per layer, of sorted max class drops for "
    f"{len(recipes)} recipes. Mean over seeds of the top "
    f"{round(100 * drop_curves.HEAD_FRACTION)}% of units: "
    + "; ".join(
        f"{layer}: "
        + ", ".join(
            f"{recipe} {np.mean([head[recipe, s, layer] for s in seeds]):.1f} pts"
            for recipe in recipes
        )
        for layer in layers
    )
    + ".",
)
plots.show()

# %% [markdown]
# Each line is the rank-by-rank mean of a recipe's sorted curves over its
# {glue:text}`n_seeds` seeds, the band their minimum to maximum: how much the curve moves from
# one training run to the next. Zhou et al. read these curves from the left, so besides the mean
# (the area under a curve) we measure its *head*: the mean max class drop of the top
# {glue:text}`head_pct`% of a layer's units (shaded grey), and the share of units whose max class
# drop exceeds {glue:text}`over_pts` pts (the dotted line).
#
# ## Per recipe and layer

# %%
stats = pd.DataFrame({key: drop_curves.summary(d) for key, d in drops.items()}).T
stats.index.names = ["recipe", "seed", "layer"]  # columns: mean, head, over, largest
columns = {
    "head": f"top {round(100 * drop_curves.HEAD_FRACTION)}% mean (pts)",
    "over": f"share over {drop_curves.OVER_PTS:g} pts (%)",
    "mean": "mean (pts)",
    "largest": "largest (pts)",
}
spread = stats.groupby(["recipe", "layer"]).agg(["mean", "min", "max"])
table = pd.DataFrame(
    {
        title: [
            f"{spread.loc[i, (col, 'mean')]:.1f} ({spread.loc[i, (col, 'min')]:.1f}–"
            f"{spread.loc[i, (col, 'max')]:.1f})"
            for i in spread.index
        ]
        for col, title in columns.items()
    },
    index=spread.index,
).reindex(pd.MultiIndex.from_product([recipes, layers], names=["recipe", "layer"]))
display(report.table(table.rename_axis(["recipe", "max class drop at"]), wrap=True))

# %% [markdown]
# Each cell gives the mean over the {glue:text}`n_seeds` seeds and, in brackets, their range.
#
# A regularizer *lowers* (raises) a statistic of a layer on one of its seeds when its value lies
# below (above) that of every baseline seed, outside the baseline's whole band; each check below
# says on how many seeds it did so, and passes on a majority one seed cannot overturn (of 3:
# all 3), fails when it holds on none, and is undecided when the seeds split. The core checks are
# the paper's central statement: batch norm and conv5 dropout both lower the head of the conv5
# curve. The rest are its details: batch norm lowers conv3 and conv4 too, both lower the share of
# conv5 units over {glue:text}`over_pts` pts, dropout lowers the whole conv5 curve (its mean), and
# dropout raises the head of the conv4 curve.

# %%
band = stats.loc["baseline"].groupby("layer").agg(["min", "max"])  # the baseline's seed band


def per_seed(recipe, layer, column, direction):
    """Whether each seed of ``recipe`` lies below ("lower") or above ("higher") every baseline
    seed on ``column`` at ``layer``."""
    values = np.array([stats.loc[(recipe, s, layer), column] for s in seeds])
    if direction == "lower":
        return values < band.loc[layer, (column, "min")]
    return values > band.loc[layer, (column, "max")]


names = {"batchnorm": "batch norm", "dropout-conv5": "conv5 dropout"}
what = {
    "head": f"the head of the {{}} curve (top {round(100 * drop_curves.HEAD_FRACTION)}% mean)",
    "over": f"the share of {{}} units over {drop_curves.OVER_PTS:g} pts",
    "mean": "the whole {} curve (its mean)",
}
rules = [  # (recipe, layer, statistic, direction, core)
    ("batchnorm", "conv5", "head", "lower", True),
    ("dropout-conv5", "conv5", "head", "lower", True),
    ("batchnorm", "conv3", "head", "lower", False),
    ("batchnorm", "conv4", "head", "lower", False),
    ("batchnorm", "conv5", "over", "lower", False),
    ("dropout-conv5", "conv5", "over", "lower", False),
    ("dropout-conv5", "conv5", "mean", "lower", False),
    ("dropout-conv5", "conv4", "head", "higher", False),
]
checks, core, outcomes = {}, [], {}
for recipe, layer, column, direction, is_core in rules:
    passes = per_seed(recipe, layer, column, direction)
    outcomes[recipe, layer, column] = passes
    verb = "lowers" if direction == "lower" else "raises"
    side = "below" if direction == "lower" else "above"
    name = (
        f"{names[recipe]} {verb} {what[column].format(layer)} {side} every baseline seed's, "
        f"{verdicts.on_seeds(passes, seeds)}"
    )
    checks[name] = verdicts.seed_vote(passes)
    if is_core:
        core.append(name)

# %% [markdown]
# ## Beside the paper

# %%
paper = pd.DataFrame(  # Zhou et al. 2018, sec. 3.5 and Fig. 8 (Places365 AlexNet)
    {"conv3": ["lower", "≈ baseline"], "conv4": ["lower", "higher"],
     "conv5": ["lower", "much lower"], "accuracy vs baseline": ["similar", "2 pts lower"]},
    index=regularized,
)  # fmt: skip


def direction(recipe, layer):
    """The head of ``recipe``'s curve at ``layer`` against the baseline's band, seed by seed."""
    low, high = per_seed(recipe, layer, "head", "lower"), per_seed(recipe, layer, "head", "higher")
    return f"below on {low.sum()} of {len(seeds)} seeds, above on {high.sum()}"


ours = pd.DataFrame(
    {layer: [direction(r, layer) for r in regularized] for layer in layers}
    | {"accuracy vs baseline": [
        f"{(accuracy[r] - accuracy['baseline']).mean():+.1f} pts (mean over seeds)"
        for r in regularized]},
    index=regularized,
)  # fmt: skip
comparison = pd.concat({"paper": paper, "this run": ours})
display(
    report.table(
        comparison.swaplevel().sort_index().rename_axis(["recipe", "source"]),
        headers={layer: f"{layer}: head vs baseline" for layer in layers},
    )
)

# %% [markdown]
# The paper's rows give what its Fig. 8 shows (it gives no numbers); ours say on how many seeds
# the head of a regularized curve (top {glue:text}`head_pct`% mean) lies below or above the
# baseline's whole band. Validation accuracy over seeds: baseline {glue:text}`acc_baseline`%,
# batch norm {glue:text}`acc_batchnorm`%, conv5 dropout {glue:text}`acc_dropout`%.
# {glue:text}`schedule`

# %%
head = stats["head"].unstack("layer")  # (recipe, seed) x layers, pts
over = stats["over"].unstack("layer")
head_range = {  # range over seeds, pts
    (r, layer): verdicts.over_seeds(head.loc[r, layer], mean=False)
    for r in recipes
    for layer in layers
}

schedules = {(train.RECIPES[r].epochs, train.RECIPES[r].lr) for r in recipes}
if len(schedules) == 1:
    epochs, lr = schedules.pop()
    schedule = f"The three recipes share one schedule: {epochs} epochs at a peak rate {lr:g}."
else:
    schedule = "The recipes' schedules differ: " + "; ".join(
        f"{r} {train.RECIPES[r].epochs} epochs at {train.RECIPES[r].lr:g}" for r in recipes
    )
report.glue(
    {
        "n_seeds": len(seeds),
        "schedule": schedule,
        "head_pct": round(100 * drop_curves.HEAD_FRACTION),
        "over_pts": f"{drop_curves.OVER_PTS:g}",
        **{f"acc_{k}": verdicts.over_seeds(accuracy[r], mean=False)
           for k, r in [("baseline", "baseline"), ("batchnorm", "batchnorm"),
                        ("dropout", "dropout-conv5")]},
        **{f"head_{k}_{layer}": head_range[r, layer]
           for k, r in [("base", "baseline"), ("bn", "batchnorm"), ("do", "dropout-conv5")]
           for layer in layers},
        **{f"over_{k}_conv5": verdicts.over_seeds(over.loc[r, "conv5"], ".0f", mean=False)
           for k, r in [("base", "baseline"), ("bn", "batchnorm"), ("do", "dropout-conv5")]},
        "bn_conv5_seeds": int(outcomes["batchnorm", "conv5", "head"].sum()),
        "do_conv5_seeds": int(outcomes["dropout-conv5", "conv5", "head"].sum()),
        "do_conv4_seeds": int(outcomes["dropout-conv5", "conv4", "head"].sum()),
    }
)  # fmt: skip
report.claim(
    "Z9",
    ours=(
        f"top {round(100 * drop_curves.HEAD_FRACTION)}% mean max class drop (pts, range over "
        f"{len(seeds)} seeds): baseline "
        + ", ".join(f"{layer} {head_range['baseline', layer]}" for layer in layers)
        + "; batch norm "
        + ", ".join(f"{layer} {head_range['batchnorm', layer]}" for layer in layers)
        + "; conv5 dropout "
        + ", ".join(f"{layer} {head_range['dropout-conv5', layer]}" for layer in layers)
        + f"; dropout model {(accuracy['dropout-conv5'] - accuracy['baseline']).mean():+.1f} "
        "pts accuracy (mean over seeds)"
    ),
    checks=checks,
    core=core,
    profile=profile,
)


# %%
def against_baseline(name: str) -> str:
    """``"1.8 pts less accurate than the baseline"``: a recipe's mean accuracy against it."""
    delta = (accuracy[name] - accuracy["baseline"]).mean()
    if round(delta, 1) == 0:
        return "as accurate as the baseline"
    return f"{abs(delta):.1f} pts {'more' if delta > 0 else 'less'} accurate than the baseline"


report.takeaway(
    "the head of the conv5 max class drop curve (its top "
    f"{round(100 * drop_curves.HEAD_FRACTION)}% of units) falls below every baseline seed's with "
    f"batch norm on {int(outcomes['batchnorm', 'conv5', 'head'].sum())} of {len(seeds)} seeds and "
    f"with conv5 dropout on {int(outcomes['dropout-conv5', 'conv5', 'head'].sum())}; conv5 "
    "dropout raises the conv4 head above the baseline's on "
    f"{int(outcomes['dropout-conv5', 'conv4', 'head'].sum())}. The dropout models are "
    f"{against_baseline('dropout-conv5')} (mean over seeds).",
    paper="batch norm lowers the max class drop curves of conv3–conv5, and channel dropout at "
    "conv5 lowers the conv5 curve a lot while raising conv4's: regularizers spread class "
    "information over more units, so single units matter less.",
    claim="Z9",
)

# %% [markdown]
# At conv5 the top {glue:text}`head_pct`% of units drop their worst class by
# {glue:text}`head_base_conv5` pts on average in the baseline's seeds, {glue:text}`head_bn_conv5`
# pts with batch norm and {glue:text}`head_do_conv5` pts with conv5 dropout; batch norm's head
# lies below the baseline's whole band on {glue:text}`bn_conv5_seeds` of {glue:text}`n_seeds`
# seeds, dropout's on {glue:text}`do_conv5_seeds`. Of the conv5 units,
# {glue:text}`over_base_conv5`% drop some class by more than {glue:text}`over_pts` pts in the
# baseline, {glue:text}`over_bn_conv5`% with batch norm and {glue:text}`over_do_conv5`% with
# dropout.
#
# One layer down, the paper sees conv4 compensate for the dropped conv5 units. The head of the
# conv4 curve lies at {glue:text}`head_base_conv4` pts in the baseline, {glue:text}`head_do_conv4`
# pts with conv5 dropout: above the baseline's whole band on {glue:text}`do_conv4_seeds` of
# {glue:text}`n_seeds` seeds. Batch norm's conv3 and conv4 heads are {glue:text}`head_bn_conv3`
# and {glue:text}`head_bn_conv4` pts, against the baseline's {glue:text}`head_base_conv3` and
# {glue:text}`head_base_conv4` pts; conv5 dropout's conv3 head is {glue:text}`head_do_conv3` pts,
# which the paper finds about the baseline's.

# %% [markdown]
# ## How much room there is to lower a curve here

# %%
images = int(min(np.bincount(m.labels.numpy()).min() for m in models.values()))
pts_per_image = 100 / images
rows = {}
for recipe in recipes:
    for layer in layers:
        heads = head.loc[recipe, layer]
        rows[recipe, layer] = {
            "head, mean over seeds (pts)": heads.mean(),
            "head, in images of the worst class": heads.mean() / pts_per_image,
            "seed range (pts)": heads.max() - heads.min(),
        }
room = pd.DataFrame(rows).T.rename_axis(["recipe", "layer"])
display(report.table(room, decimals=1))
base_c5 = head.loc["baseline", "conv5"]
first = models["baseline", seeds[0]]
scale = study.scale_comparison(
    len(drops["baseline", seeds[0], "conv5"]), first.num_classes, 100 * first.accuracy
)
report.glue(
    {
        "z9_failed_core": "; ".join(verdicts.failed_core(checks, core)) or "none",
        "z9_images": images,
        "z9_units_per_class": scale["units_per_class"],
        "z9_paper_units_per_class": scale["paper_units_per_class"],
        "z9_base_head": f"{base_c5.mean():.1f}",
        "z9_base_head_images": f"{base_c5.mean() / pts_per_image:.1f}",
        "z9_base_band": verdicts.over_seeds(base_c5, mean=False),
        "z9_base_band_images": f"{(base_c5.max() - base_c5.min()) / pts_per_image:.0f}",
        "z9_bn_head": f"{head.loc['batchnorm', 'conv5'].mean():.1f}",
        "z9_do_head": f"{head.loc['dropout-conv5', 'conv5'].mean():.1f}",
        "z9_acc_bn": against_baseline("batchnorm"),
        "z9_acc_do": against_baseline("dropout-conv5"),
    }
)

# %% [markdown]
# One row per recipe and layer: the head of the max class drop curve (mean of its top
# {glue:text}`head_pct`% of units) as a mean over seeds, the same in images of the most damaged
# class ({glue:text}`z9_images` evaluation images a class, so one image is
# {glue:text}`z9_images`-th of the class), and how far it moves from seed to seed.
#
# **Diagnosis.** Core checks that do not pass in this run: {glue:text}`z9_failed_core`. A
# regularizer lowers the head only if each of its seeds lies below the baseline's *whole* seed band,
# which at conv5 runs from {glue:text}`z9_base_band` pts, a spread of
# {glue:text}`z9_base_band_images` image(s) of the most damaged class. The baseline's conv5 head
# itself is {glue:text}`z9_base_head` pts, {glue:text}`z9_base_head_images` images: single units of
# our conv5, {glue:text}`z9_units_per_class` to a class, already matter little, so there is little
# room below it. Batch norm's
# head is {glue:text}`z9_bn_head` pts and conv5 dropout's {glue:text}`z9_do_head` pts; the
# batch-norm models are {glue:text}`z9_acc_bn` and the conv5-dropout models
# {glue:text}`z9_acc_do` (means over seeds). The paper's AlexNet has
# {glue:text}`z9_paper_units_per_class` conv5 units per class, where spreading a class over more
# units shows; at our scale
# ([Fig. 3](zhou2018_fig3_layer_curves.ipynb)) the effect would be a fraction of an image.
