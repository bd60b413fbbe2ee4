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
# # Cumulative ablation: do better-generalizing models rely less on single units?
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Zhao et al. (§6.2) lean on {cite:t}`morcos2018single`: "training accuracy drops more rapidly
# for less generalized CNNs when performing cumulative ablation". Morcos et al. remove a layer's
# units one after another, in random order, and find that networks which generalize better lose
# accuracy more slowly; that batch norm makes networks less reliant on single units while dropout
# helps only up to its dropout fraction; and that a unit's class selectivity is a poor guide to
# its importance, so removing the most selective units first is no more damaging than removing
# units at random. Here the last conv layer of Zhao's ladder (vgg16-mini `gen-A` … `gen-E`,
# `conv5_3`, from well to poorly generalizing) and conv5 of Zhou's `baseline`, `batchnorm` and
# `dropout-conv5` models (alexnet-mini) are switched off unit by unit, in several random orders
# and in order of class selectivity, on each model's training images and on test images. The
# claim was written before the run: **models that generalize better lose accuracy more slowly as
# units are removed, and removing the most selective units first is no worse than random.**
# Accuracies are in %, the fraction of the layer removed in % of its units.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
ladder = ["gen-A", "gen-B", "gen-C", "gen-D", "gen-E"]  # Zhao's ladder, best-generalizing first
ladder_layer = "conv5_3"
ladder_seeds = [0, 1, 2]  # seeds of each rung
zhou = ["baseline", "batchnorm", "dropout-conv5"]  # Zhou et al.'s recipes
zhou_layer = "conv5"
zhou_seeds = [0, 1, 2, 3, 4]
train_per_class = 50  # a model's own training images a class (fewer where it had fewer)
test_per_class = 50  # images a class of the world's test split
random_orders = 5  # random removal orders per model
points = 17  # steps at which each curve is read, evenly spaced from none removed to all
order_seed = 0

# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range); a wrong one stops here with a
# message naming it.
from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        "ladder": params.List(params.Str(), min_len=3),
        "ladder_layer": params.Str(),
        "ladder_seeds": params.List(params.Int(min=0), min_len=1),
        "zhou": params.List(params.Str(), min_len=1),
        "zhou_layer": params.Str(),
        "zhou_seeds": params.List(params.Int(min=0), min_len=1),
        "train_per_class": params.Int(min=1),
        "test_per_class": params.Int(min=1),
        "random_orders": params.Int(min=1),
        "points": params.Int(min=2),
        "order_seed": params.Int(min=0),
    },
)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import cumulative, plots, report, verdicts

plots.use_style()
unmeasured = None
if run.synthetic:
    sizes = {
        "train_per_class": max(2, round(train_per_class * run["data_scale"])),
        "test_per_class": max(2, round(test_per_class * run["data_scale"])),
    }
    kw = dict(**sizes, random_orders=random_orders, seed=order_seed, points=points)
    ladder_seeds = run.seeds(ladder_seeds, smoke=1)  # smoke: one seed a rung (models train)
    zhou_seeds = run.seeds(zhou_seeds)
    ladder_models = {(r, s): run.trained(r, s) for r in ladder for s in ladder_seeds}
    zhou_models = {(r, s): run.trained(r, s) for r in zhou for s in zhou_seeds}
    ladder_frame, ladder_results = cumulative.sweep(ladder_models, ladder_layer, **kw)
    zhou_frame, zhou_results = cumulative.sweep(zhou_models, zhou_layer, **kw)
else:  # the paper profile: no ladder of checkpoints is read by this page yet
    unmeasured = (
        "the paper profile: this page reads the synthetic world's models only (the cumulative "
        "ablation of your checkpoints is not wired yet)"
    )

# %% [markdown]
# ## Accuracy as units are removed
#
# Each model's layer loses its units one at a time and for good: after `k` steps the first `k`
# units of the order are zeroed (post-ReLU), the others untouched. Each curve is read at
# {glue:text}`n_points` evenly spaced steps from none removed to all (the ROF test read from the
# other end: every step is one exact unit-set ablation of the engine). Lines are the mean over
# the random orders and over a recipe's seeds.

# %%
if run.synthetic:
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.9), layout="constrained", sharey=True)
    ladder_colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(ladder)))
    panels = [
        (axes[0], ladder, ladder_results, "train", ladder_colors, "(a) ladder, training images"),
        (axes[1], ladder, ladder_results, "test", ladder_colors, "(b) ladder, test images"),
        (axes[2], zhou, zhou_results, "train", plots.PALETTE, "(c) Zhou's models, training"),
    ]
    for ax, recipes, results, split, colors, title in panels:
        for recipe, color in zip(recipes, colors):
            mine = [r for (name, _), r in results.items() if name == recipe]
            curves = cumulative.seed_curves(mine, split)
            x = 100 * getattr(mine[0], split).fraction()
            ax.plot(x, curves.mean(0), color=color, lw=1.3, label=recipe)
            if len(curves) > 1:
                ax.fill_between(x, curves.min(0), curves.max(0), color=color, alpha=0.15, lw=0)
        ax.set_title(title, loc="left", fontsize=plots.SMALL)
        ax.set_xlabel("units removed (% of layer)")
        ax.legend(fontsize=plots.SMALL - 1.5, frameon=False)
    axes[0].set_ylabel("accuracy (%)")
    n_ladder, n_zhou = len(ladder_seeds), len(zhou_seeds)
    plots.caption(
        fig,
        f"Cumulative ablation in random order: accuracy (%) against the share of the layer's "
        f"units removed (% of {ladder_layer} for the ladder, of {zhou_layer} for Zhou's models). "
        f"(a) Zhao's ladder on each model's own training images ({sizes['train_per_class']} a "
        f"class, or all it had); (b) the same models on {sizes['test_per_class']} test images a "
        f"class; (c) the baseline, batch-norm and conv5-dropout models on their training images. "
        f"Line: mean over {random_orders} random orders and the recipe's seeds ({n_ladder} a "
        f"rung, {n_zhou} a Zhou recipe); band: the seeds' range.",
        alt="Three panels of accuracy against the percentage of units removed. Areas under the "
        "retained-accuracy curves (training images, random order): "
        + ", ".join(
            f"{r} {ladder_frame.loc[ladder_frame.recipe == r, 'train_random'].mean():.2f}"
            for r in ladder
        )
        + "; "
        + ", ".join(
            f"{r} {zhou_frame.loc[zhou_frame.recipe == r, 'train_random'].mean():.2f}" for r in zhou
        )
        + ".",
    )
    plots.show()

# %% [markdown]
# ## Selectivity order against random order
#
# Morcos et al. also removed units in order of class selectivity, most selective first and least
# selective first. A unit's class selectivity is measured on the model's training images: the
# spatial mean of its post-ReLU map per image, `max_k (μ_k − μ_¬k) / (μ_k + μ_¬k)` over classes.

# %%
if run.synthetic:
    shown = [ladder[0], ladder[-1], zhou[0]]
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 3.2), layout="constrained", sharey=True)
    for ax, recipe, letter in zip(axes, shown, "abc"):
        results = ladder_results if recipe in ladder else zhou_results
        mine = [r for (name, _), r in results.items() if name == recipe]
        x = 100 * mine[0].train.fraction()
        rand = np.stack([r.train.overall()[r.random] for r in mine])  # (seeds, orders, N + 1)
        ax.fill_between(x, rand.min((0, 1)), rand.max((0, 1)), color="0.6", alpha=0.35, lw=0,
                        label="random orders, min–max")  # fmt: skip
        ax.plot(x, rand.mean((0, 1)), color="0.3", lw=1.0, label="random orders, mean")
        for name, color in ((cumulative.SELECTIVE_FIRST, "C3"), (cumulative.SELECTIVE_LAST, "C0")):
            ax.plot(x, cumulative.seed_curves(mine, "train", name).mean(0), color=color, lw=1.3,
                    label=name)  # fmt: skip
        ax.set_title(f"({letter}) {recipe}", loc="left", fontsize=plots.SMALL)
        ax.set_xlabel("units removed (% of layer)")
    axes[0].set_ylabel("training accuracy (%)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
               fontsize=plots.SMALL, frameon=False)  # fmt: skip
    first = ladder_frame.groupby("recipe")[["train_first", "train_random"]].mean()
    plots.caption(
        fig,
        "Cumulative ablation by class selectivity against random order, on the training images: "
        f"(a) {shown[0]}, the best-generalizing rung; (b) {shown[1]}, the worst; (c) Zhou's "
        f"{shown[2]}. Grey: the random orders (band: min–max over orders and seeds; line: their "
        "mean); red: most selective first; blue: least selective first (mean over seeds).",
        alt=f"Three panels of training accuracy against units removed. Area most selective "
        f"first against random: {shown[0]} {first.loc[shown[0], 'train_first']:.2f} vs "
        f"{first.loc[shown[0], 'train_random']:.2f}; {shown[1]} "
        f"{first.loc[shown[1], 'train_first']:.2f} vs {first.loc[shown[1], 'train_random']:.2f}.",
    )
    plots.show()

# %% [markdown]
# ## The models, side by side
#
# The **area** is under the retained accuracy, the accuracy above chance as a fraction of the
# intact model's, `(A(k) − 100/K) / (A(0) − 100/K)`, over the fraction of units removed: 1 for a
# model that keeps all its accuracy until the last unit goes, about 0 for one that falls to
# chance at once. It compares models of different accuracy on one scale.

# %%
if run.synthetic:
    both = pd.concat([ladder_frame, zhou_frame], ignore_index=True)
    columns = {
        "train_acc": "train acc. (%)", "test_acc": "test acc. (%)", "gap": "gap (pts)",
        "train_random": "area, random (train)", "test_random": "area, random (test)",
        "train_first": "area, most sel. first (train)",
        "train_last": "area, least sel. first (train)",
    }  # fmt: skip
    per_recipe = both.groupby("recipe", sort=False).agg(
        models=("seed", "size"), **{c: (c, "mean") for c in columns}
    )
    per_recipe = per_recipe.rename(columns=columns)
    decimals = {v: 1 for v in list(columns.values())[:3]} | {
        v: 3 for v in list(columns.values())[3:]
    }
    display(report.table(per_recipe, decimals=decimals))

# %% [markdown]
# ## Morcos et al.'s findings beside ours

# %%
if run.synthetic:
    checks, numbers = cumulative.claim_checks(ladder_frame, zhou_frame, best=ladder[0])
    rho_train, p_train = numbers["rho"]["train"]
    rho_test, p_test = numbers["rho"]["test"]
    top, bottom = per_recipe.loc[ladder[0]], per_recipe.loc[ladder[-1]]
    ours = (
        f"{len(ladder_frame)} ladder models: area (training, random order) {ladder[0]} "
        f"{top['area, random (train)']:.2f} to {ladder[-1]} {bottom['area, random (train)']:.2f}, "
        f"Spearman ρ with the gap {rho_train:.2f} (p = {p_train:.2g}); most selective first for "
        f"{ladder[0]} inside or above the random band "
        f"{verdicts.on_seeds(numbers['first'], numbers['first_seeds'])}; batch norm minus "
        f"baseline area {numbers['batchnorm'].text('+.3f')}"
    )
else:
    checks = {name: False for name in verdicts.CLAIMS["W4"].core}
    ours = "not run on the paper profile"
report.claim(
    "W4", ours=ours, checks=checks, core=list(verdicts.CLAIMS["W4"].core), profile=profile,
    unmeasured=unmeasured,
)  # fmt: skip
if run.synthetic:
    report.glue(
        {
            "n_ladder": len(ladder_frame),
            "n_zhou": len(zhou_frame),
            "n_train": sizes["train_per_class"],
            "n_test": sizes["test_per_class"],
            "n_orders": random_orders,
            "n_points": points,
            "rho_train": f"{rho_train:.2f}",
            "p_train": f"{p_train:.2g}",
            "rho_test": f"{rho_test:.2f}",
            "p_test": f"{p_test:.2g}",
            "top_area": f"{top['area, random (train)']:.2f}",
            "bottom_area": f"{bottom['area, random (train)']:.2f}",
            "first_on": verdicts.on_seeds(numbers["first"], numbers["first_seeds"]),
            "bn_paired": numbers["batchnorm"].text("+.3f"),
            "dropout_paired": numbers["dropout"].text("+.3f"),
            "failed_core": "; ".join(verdicts.failed_core(checks, verdicts.CLAIMS["W4"].core))
            or "none",
        }
    )
    report.takeaway(
        f"over {len(ladder_frame)} models of Zhao's ladder, the area under the training-accuracy "
        f"curve (random order) goes from {top['area, random (train)']:.2f} ({ladder[0]}) to "
        f"{bottom['area, random (train)']:.2f} ({ladder[-1]}), Spearman ρ {rho_train:.2f} with "
        f"the generalization gap (test curves: {rho_test:.2f}); removing {ladder[0]}'s most "
        f"selective units first stays inside or above the random band "
        f"{verdicts.on_seeds(numbers['first'], numbers['first_seeds'])}; batch norm minus "
        f"baseline: {numbers['batchnorm'].text('+.3f')} of area.",
        paper="networks that generalize better rely less on single directions (their accuracy "
        "falls more slowly under cumulative ablation); batch norm discourages that reliance; "
        "class selectivity is a poor predictor of a unit's importance.",
        claim="W4",
    )
else:
    report.takeaway(
        "this page runs on the synthetic world's models only.",
        paper="networks that generalize better rely less on single directions.",
        claim="W4",
    )

# %% [markdown]
# Over the {glue:text}`n_ladder` ladder models, the area under the training-accuracy curve goes
# from {glue:text}`top_area` at the best-generalizing rung to {glue:text}`bottom_area` at the
# worst, and Spearman's ρ between a model's generalization gap and its area is
# {glue:text}`rho_train` (p = {glue:text}`p_train`); on the test images
# {glue:text}`rho_test` (p = {glue:text}`p_test`). Removing the best rung's most selective units
# first leaves an area at least the lowest of its {glue:text}`n_orders` random orders
# {glue:text}`first_on`. Batch norm's area minus the baseline's, seed by seed:
# {glue:text}`bn_paired`; conv5 dropout's retained training accuracy with half the units gone,
# minus the baseline's: {glue:text}`dropout_paired`. Curves were measured on
# {glue:text}`n_train` training images a class (each model's own, or all it had: `gen-D` and
# `gen-E` trained on fewer) and {glue:text}`n_test` test images a class. The ladder's rungs
# differ in training-set size, augmentation and regularisation at once, so the trend is one the
# ladder shows, not a controlled cause; and the area is of retained accuracy, so a model is not
# credited for being accurate in the first place.
#
# Core checks that did not pass: {glue:text}`failed_core`. Where the selectivity check is one of
# them, the second figure shows how: the most selective units of the best rung carry more of its
# accuracy than a random set of the same size. That need not contradict Morcos et al. so much as
# sit beside Zhou et al.: this world's classes are told apart by their signature objects, and
# a unit that detects one is selective for the few classes that hold it and needed by them
# (Zhou et al.'s Fig. 1); Morcos et al.'s networks (MNIST, CIFAR-10, ImageNet) and their
# selectivity index over many classes need not share that structure.

# %% [markdown]
# ## Exercises
#
# **1. A quarter of the units gone.** Before running anything, predict from the first figure:
# with 25% of the layer's units removed at random, which rung of the ladder keeps the largest
# share of its test accuracy above chance, and does the order of the rungs follow their gaps?
# Then check: the retained test accuracy at 25% removed, mean over the random orders and seeds,
# for each rung, and the same for most-selective-first removal.

# %% tags=["hide-input", "solution"]
if run.synthetic:
    quarter = cumulative.at_fraction(ladder_results, "test", 0.25)
    quarter = quarter.groupby("recipe", sort=False)[
        ["random", cumulative.SELECTIVE_FIRST]
    ].mean()  # fmt: skip
    kept = quarter["random"].dropna()  # a model at chance has nothing above chance to keep
    keeps = kept.idxmax() if len(kept) else "no rung (every model at chance)"
    report.glue(
        {
            "ex1_table": report.table(
                100 * quarter.rename(columns=lambda c: f"{c} (% kept)"), decimals=1
            ),  # fmt: skip
            "ex1_best": keeps,
            "ex1_order": ", ".join(kept.sort_values(ascending=False).index) or "none",
        }
    )

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# With a quarter of the units removed at random, {glue:text}`ex1_best` keeps the most of its test
# accuracy above chance; from most to least kept: {glue:text}`ex1_order`.
#
# ```{glue} ex1_table
# ```
#
# Compare that order with the gaps in the table above: a ranking by a single point of the curve
# is noisier than the area, which averages every point.
# ````
