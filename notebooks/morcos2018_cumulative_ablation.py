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
from IPython.display import display

from unitroles import cumulative, cumulative_page, plots, report

plots.use_style()
rungs = zhous = per_recipe = sizes = None  # the paper profile: not measured (see the claim)
if run.synthetic:
    sizes = cumulative_page.sizes(train_per_class, test_per_class, run["data_scale"])
    kw = dict(**sizes, random_orders=random_orders, seed=order_seed, points=points)
    # cumulative.sweep of each (recipe, seed)'s model: its curves under every order, a row each
    rungs = cumulative_page.sweep(run, ladder, ladder_layer, run.seeds(ladder_seeds, smoke=1), **kw)
    zhous = cumulative_page.sweep(run, zhou, zhou_layer, run.seeds(zhou_seeds), **kw)

# %% [markdown]
# ## Accuracy as units are removed
#
# Each model's layer loses its units one at a time and for good: after `k` steps the first `k`
# units of the order are zeroed (post-ReLU), the others untouched. Each curve is read at
# {glue:text}`n_points` evenly spaced steps from none removed to all (the ROF test read from the
# other end: every step is one exact unit-set ablation of the engine).

# %%
if run.synthetic:
    cumulative_page.random_figure(rungs, zhous, sizes, random_orders)

# %% [markdown]
# ## Selectivity order against random order
#
# Morcos et al. also removed units in order of class selectivity, most selective first and least
# selective first. A unit's class selectivity is measured on the model's training images: the
# spatial mean of its post-ReLU map per image, `max_k (μ_k − μ_¬k) / (μ_k + μ_¬k)` over classes.

# %%
if run.synthetic:
    cumulative_page.selectivity_figure(rungs, zhous)

# %% [markdown]
# ## The models, side by side
#
# The **area** is under the retained accuracy, the accuracy above chance as a fraction of the
# intact model's, `(A(k) − 100/K) / (A(0) − 100/K)`, over the fraction of units removed: 1 for a
# model that keeps all its accuracy until the last unit goes, about 0 for one that falls to
# chance at once. It compares models of different accuracy on one scale.

# %%
if run.synthetic:
    per_recipe = cumulative_page.per_recipe(rungs.frame, zhous.frame)  # means over seeds
    display(cumulative_page.recipe_table(per_recipe))

# %% [markdown]
# ## Morcos et al.'s findings beside ours

# %%
w4 = cumulative_page.judge(  # the ladder's areas against its gaps, selectivity against random
    rungs, zhous, per_recipe, sizes=sizes, random_orders=random_orders, points=points
)
w4.show("W4", paper=cumulative_page.PAPER, profile=profile)

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
if run.synthetic:  # retained test accuracy with a quarter of the units gone, per model
    quarter = cumulative.at_fraction(rungs.results, "test", 0.25)
    report.glue(cumulative_page.quarter_glue(quarter))

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
