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
# # Zhou et al. 2018, Fig. 4: greedy ablation destroys a class with a handful of units
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# If a few units carry a class, removing them together should wreck it while removing as many
# random units should not. Zhou et al. ablate units greedily per class: each step adds the unit
# whose removal, with those already removed, lowers that class's accuracy most. We do the same at
# the last conv layer of the book's baseline alexnet-mini (ties go to the larger class loss), with
# one safeguard the paper does not state: the units are *chosen* on one half of each class's
# validation images (the 1st, 3rd, 5th, ...) and *scored* on the other, so the curve measures what
# the units carry, not how well greedy search fits the images it searched. The baseline removes as
# many units in random orders (the same fraction of the layer), scored on the same half. Over
# several seeds of the recipe, a check passes when it passes on every seed, fails when it fails on
# every seed, and is undecided when they split (a majority one seed cannot overturn, of 3).
# Accuracies are per class, in %; drops in percentage points, positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
seeds = [0, 1, 2]  # baseline instances (greedy search is this page's costly step)
steps = 20  # units removed per class
random_orders = 5  # random removal orders per class, for the baseline
classes_shown = 6  # classes drawn at random for panel (a)
seed = 0  # draws the random orders and the classes shown
# paper profile only
checkpoint = None  # or $UNITROLES_CHECKPOINT
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
        **params.ZHOU_PAPER,
        "layer": params.Str(),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "steps": params.Int(min=1),
        "random_orders": params.Int(min=0),
        "classes_shown": params.Int(min=1),
        "seed": params.Int(min=0),
    },
)

# %%
from IPython.display import display

from unitroles import greedy_curves, plots, report

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
if run.smoke:
    steps, random_orders = 3, 2
instances = run.models(seeds)
runs = greedy_curves.over_seeds(  # every class of every seed, chosen and scored on halves
    instances, seeds, layer, steps, random_orders=random_orders, seed=seed
)
setup = instances[0]  # panel (a) and the exercises use the first seed
print("\n".join(st.description for st in instances))

# %%
shown = greedy_curves.shown_classes(setup.num_classes, classes_shown, seed)
greedy_curves.figure(runs, setup, shown)

# %% [markdown]
# In (b), the gap between the dashed line (greedy units scored on the half they were chosen on)
# and the held-out line is what choosing and scoring on the same images adds. Table cells are the
# mean over seeds, the lowest and highest seed in brackets; then one row a seed.

# %%
display(report.table(greedy_curves.step_table(runs), decimals={"% of the layer": 1}, wrap=True))
per_seed = greedy_curves.per_seed(runs)
display(report.table(per_seed, decimals=1))

# %%
z4 = greedy_curves.judge(runs, per_seed)  # the checks seed by seed; the core: greedy vs random
z4.show("Z4", paper=greedy_curves.PAPER, profile=profile)

# %% [markdown]
# On seed {glue:text}`seed0`, scored on the held-out half, removing the five units that matter
# most to a class costs it {glue:text}`g5` pts on average, ten cost {glue:text}`g10` pts
# ({glue:text}`g10_range` pts over the {glue:text}`n_seeds` seeds), and after fifteen the median
# class is at {glue:text}`acc15`%; ten of {glue:text}`layer`'s {glue:text}`units_total` units are
# {glue:text}`ten_pct` of it, where the paper's ten are 4% of 256. Ten units in a random order
# cost {glue:text}`r10` pts ({glue:text}`r10_range` over seeds). The core check is the paper's
# contrast: ten greedy units cost a class at least 30 pts more than ten random ones, on
# {glue:text}`seeds_gap` of the seeds. The paper's "random ≈ 0" is for 10 of 256 units; our check
# on it removes the same fraction of our layer, {glue:text}`paper_units` units
# ({glue:text}`paper_pct`).
#
# ## Exercises
#
# The hidden code cell before each solution computes its numbers from this run.
#
# **1. How many units does a class need?** From panel (a), estimate for each class shown how many
# greedy units halve its accuracy. Then count it for every class: the first step at which the
# greedy curve is at most half the intact accuracy. Does any class fall to half within
# {glue:text}`ex_steps` units of a random order (the mean of the random orders)?

# %% tags=["hide-input", "solution"]
report.glue(greedy_curves.halving_exercise(runs, setup.class_names))  # halving_step per class

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Greedy ablation halves the accuracy of {glue:text}`ex1_reached` of the {glue:text}`ex1_alive`
# classes with a nonzero intact accuracy within {glue:text}`ex_steps` units{glue:text}`ex1_dead`;
# {glue:text}`ex1_median`, and the classes that get there need {glue:text}`ex1_range`. A random
# order halves {glue:text}`ex1_random` classes within as many units. The difference measures how
# unevenly the layer's {glue:text}`units_total` units serve a class.
# ```
#
# **2. Is greedy just the single-unit ranking?** Greedy's first step ablates each unit alone: the
# sweep of [Fig. 3](zhou2018_fig3_layer_curves.ipynb). On the half greedy chose on
# (`study.split_halves`), check that greedy's first accuracy (`runs.results[0].chosen`) is the
# lowest class accuracy in that sweep (`sweeps.unit_sweep`). Then predict: are greedy's first
# {glue:text}`ex2_t` units the {glue:text}`ex2_t` whose single ablations hurt the class most? Do
# they cost a class more or less together than the sum of their single costs?

# %% tags=["hide-input", "solution"]
report.glue(greedy_curves.single_unit_exercise(runs, setup))

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Greedy's first accuracy equals the sweep's lowest for {glue:text}`ex2_equal` of the
# {glue:text}`ex2_classes` classes. Its first {glue:text}`ex2_t` units share a median of
# {glue:text}`ex2_overlap` with the class's {glue:text}`ex2_t` most damaging single units, and all
# {glue:text}`ex2_t` for {glue:text}`ex2_same` classes: after the first step, each choice depends
# on the units already removed. Together, greedy's {glue:text}`ex2_t` units cost the median class
# {glue:text}`ex2_together` pts; one at a time, {glue:text}`ex2_alone` pts summed: together they
# cost {glue:text}`ex2_compare` the sum. Units that can stand in for one another cost little alone
# and more together, which single-unit ablation cannot see.
# ```
#
# **3. Does greedy destroy only its class?** Greedy chooses a class's units by that class's
# accuracy alone. Ablate each class's first {glue:text}`ex3_t` greedy units together and measure
# every class (`engine.unit_sets`, `sweeps.cached_sweep`). How much do the other classes lose?
# Which pairs would you expect to suffer together?

# %% tags=["hide-input", "solution"]
report.glue(greedy_curves.crosstalk_exercise(runs, setup, run.world))

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# Ablating a class's {glue:text}`ex3_t` greedy units costs it a median {glue:text}`ex3_own` pts
# and the other classes {glue:text}`ex3_other` pts on average; in {glue:text}`ex3_share` of the
# (units of one class, another class) pairs the other class loses more than 10 pts. The five pairs
# with the largest losses outside the greedy class:
#
# ```{glue} ex3_pairs
# ```
#
# Compare them with the recipes on the [scene world](scenes_world.ipynb) page; classes can also
# share background textures and colours. Greedy picks the units a class depends on most; how many
# other classes depend on them too is what this exercise measures.
# ````
