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
# random units should not. Zhou et al. ablate units greedily per class: at each step they add the
# unit whose removal, together with those already removed, lowers that class's accuracy most.
# Here we do the same at the last conv layer of the book's baseline alexnet-mini (ties go to the
# larger class loss), with one safeguard the paper does not state: the units are *chosen* on one
# half of each class's validation images (the 1st, 3rd, 5th, ... image) and *scored* on the
# other half, so the curve measures what the units carry, not how well greedy search fits the
# images it searched on. The baseline removes as many units in random orders, i.e. the same
# fraction of the layer, scored on the same half. We repeat it on several seeds of the recipe;
# each check passes when it passes on every seed, fails when it fails on every seed, and is
# undecided when the seeds split (a majority one seed cannot overturn, of 3). Accuracies are
# measured on each class's images, in %; drops in percentage points, positive = worse.

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

from unitroles import greedy_curves, plots, report, study, sweeps, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
if run.smoke:
    steps, random_orders = 3, 2
instances = run.models(seeds)
runs = greedy_curves.over_seeds(
    instances, seeds, layer, steps, random_orders=random_orders, seed=seed
)
steps, units_total = runs.steps, runs.units_total
setup, result = instances[0], runs.results[0]  # panel (a) and the exercises use the first seed
for st in instances:
    print(st.description)

# %%
shown = greedy_curves.shown_classes(setup.num_classes, classes_shown, seed)
greedy_curves.figure(runs, setup, shown)

# %% [markdown]
# In (b) the lines are the mean over seeds of the mean class drop, and the bands span the lowest
# to the highest seed. The dashed line scores the greedy units on the half they were chosen on:
# the gap between it and the held-out line is what choosing and scoring on the same images adds.

# %%
display(report.table(greedy_curves.step_table(runs), decimals={"% of the layer": 1}, wrap=True))

# %% [markdown]
# Each cell is the mean over seeds, with the lowest and highest seed in brackets.


# %%
per_seed = greedy_curves.per_seed(runs)
paper_units = runs.paper_units()
outcomes = greedy_curves.checks(per_seed, paper_units)
gap = greedy_curves.GAP_CHECK
checks, core = study.seed_checks(outcomes, core=[gap])
g5, g10, r10, acc15 = per_seed.iloc[0][
    ["greedy 5 (pts)", "greedy 10 (pts)", "random 10 (pts)", "median class accuracy after 15 (%)"]
]
g10_range = verdicts.over_seeds(per_seed["greedy 10 (pts)"], ".0f", mean=False)
r10_range = verdicts.over_seeds(per_seed["random 10 (pts)"], mean=False)

report.glue(
    {
        "seed0": seeds[0], "n_seeds": len(seeds),
        "g5": f"{g5:.0f}", "g10": f"{g10:.0f}", "r10": f"{r10:.1f}", "acc15": f"{acc15:.0f}",
        "g10_range": g10_range, "r10_range": r10_range,
        "seeds_gap": sum(outcomes[gap]),
        "paper_units": paper_units,
        "paper_pct": f"{100 * paper_units / units_total:.0f}%",
        "ten_pct": f"{100 * min(10, steps) / units_total:.0f}%",
        "units_total": units_total, "layer": layer,
    }
)  # fmt: skip
display(report.table(per_seed, decimals=1))

# %%
report.claim(
    "Z4",
    ours="; ".join(
        f"seed {s}: top 5 {r['greedy 5 (pts)']:.0f} pts, top 10 {r['greedy 10 (pts)']:.0f} pts, "
        f"random 10 {r['random 10 (pts)']:.1f} pts (held out)"
        for s, r in per_seed.iterrows()
    ),
    checks=checks,
    core=core,
    profile=profile,
)

# %%
report.takeaway(
    f"scored on held-out images, removing a class's ten most useful {layer} units costs it "
    f"{g10_range} pts over {len(seeds)} seeds, ten units in a random order {r10_range} pts; the "
    f"greedy ten cost at least 30 pts more than the random ten on {sum(outcomes[gap])} of "
    f"{len(seeds)} seeds. Our layer has {units_total} units, so ten are "
    f"{100 * min(10, steps) / units_total:.0f}% of it.",
    paper="a handful of units carries a class: removing its 5 most useful conv5 units "
    "greedily costs it about 28 pts and 10 units over 40, while as many random units cost "
    "almost nothing.",
    claim="Z4",
)

# %% [markdown]
# On seed {glue:text}`seed0`, scored on the held-out half, removing the five units that matter
# most to a class costs it {glue:text}`g5` pts on average, ten cost {glue:text}`g10` pts
# ({glue:text}`g10_range` pts over the {glue:text}`n_seeds` seeds), and after fifteen the median
# class is at {glue:text}`acc15`% — out of {glue:text}`units_total` units in
# {glue:text}`layer`, so ten units are {glue:text}`ten_pct` of the layer where the paper's ten
# are 4% of 256. Ten units in a random order cost {glue:text}`r10` pts
# ({glue:text}`r10_range` over seeds). The core check is the paper's contrast: ten greedy units
# cost a class at least 30 pts more than ten random ones, on {glue:text}`seeds_gap` of the
# seeds. The paper's "random ≈ 0" is for 10 of 256 units; the check on random ablation removes
# the same fraction of our layer, {glue:text}`paper_units` units ({glue:text}`paper_pct`).

# %% [markdown]
# ## Exercises
#
# The solutions' numbers come from this run: the hidden code cell before each solution computes
# them (expand it to see how).
#
# **1. How many units does a class need?** From panel (a), estimate for each class shown how many
# greedy units it takes to halve its accuracy. Then count it for every class: the first step at
# which the greedy curve is at most half the class's intact accuracy. Does any class fall to half
# within {glue:text}`ex_steps` units of a random order (the mean of the random orders)?


# %% tags=["hide-input", "solution"]
# per class: the first step at which its greedy curve (and its random orders' mean curve) is at
# most half its intact accuracy (greedy_curves.halving_step)
report.glue({"ex_steps": steps, **greedy_curves.halving_counts(result, setup.class_names)})

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Greedy ablation halves the accuracy of {glue:text}`ex1_reached` of the {glue:text}`ex1_alive`
# classes with a nonzero intact accuracy within {glue:text}`ex_steps` units{glue:text}`ex1_dead`;
# {glue:text}`ex1_median`, and the classes that get there need {glue:text}`ex1_range`.
# Removing units in a random order halves {glue:text}`ex1_random` classes within the same number
# of units. The difference between the two counts measures how unevenly the layer's
# {glue:text}`units_total` units serve a class.
# ```
#
# **2. Is greedy just the single-unit ranking?** Greedy's first step ablates each unit alone,
# which is the sweep of [Fig. 3](zhou2018_fig3_layer_curves.ipynb). On the half of the images
# greedy chose its units on (`study.split_halves`), check that greedy's first accuracy
# (`result.chosen`) equals the lowest class accuracy in that sweep (`sweeps.unit_sweep`). Then
# predict: are
# greedy's first {glue:text}`ex2_t` units the {glue:text}`ex2_t` units whose single ablations hurt
# the class most? And do {glue:text}`ex2_t` units cost a class more or less together than the sum
# of their single costs?

# %% tags=["hide-input", "solution"]
choose, _ = study.split_halves(setup.labels)
single = sweeps.unit_sweep(
    setup.model, layer, setup.images[choose], setup.labels[choose], setup.num_classes
)
# on the choose half, like the sweep: greedy's first 5 units against the 5 most damaging alone
chosen_drop = runs.chosen_drops()[0]
report.glue(greedy_curves.single_unit_overlap(result, chosen_drop, single, t=min(5, steps)))

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Greedy's first accuracy equals the sweep's lowest accuracy for {glue:text}`ex2_equal` of the
# {glue:text}`ex2_classes` classes. Its first {glue:text}`ex2_t` units share a median of
# {glue:text}`ex2_overlap` units with the class's {glue:text}`ex2_t` most damaging single units,
# and all {glue:text}`ex2_t` for {glue:text}`ex2_same` classes: after the first step, each choice
# depends on the units already removed. Ablated together, greedy's {glue:text}`ex2_t` units cost
# the median class {glue:text}`ex2_together` pts; ablated one at a time, the same units cost it
# {glue:text}`ex2_alone` pts summed over the {glue:text}`ex2_t` ablations: together they cost
# {glue:text}`ex2_compare` the sum of their single costs. Units that can stand in for one another
# cost little alone and more together, and single-unit ablation cannot see it.
# ```
#
# **3. Does greedy destroy only its class?** Greedy chooses a class's units by that class's
# accuracy alone. Ablate each class's first {glue:text}`ex3_t` greedy units together and measure
# every class (`engine.unit_sets` and `sweeps.cached_sweep`). Predict: how much do the other
# classes lose? Which pairs would you expect to suffer together?

# %% tags=["hide-input", "solution"]
from unitroles import engine

t3 = min(10, steps)
greedy_sets = engine.unit_sets(units_total, [order[:t3].tolist() for order in result.order])
# drops (pts): row i ablates class i's greedy units, column j measures class j
sets = sweeps.cached_sweep(
    setup.model, layer, setup.images, setup.labels, greedy_sets, setup.num_classes,
    name=f"greedy-sets-{layer}",
).class_drop()[:, result.classes]  # fmt: skip
names = [setup.class_names[k] for k in result.classes]
report.glue({"ex3_t": t3, **greedy_curves.crosstalk(sets, names, run.world)})

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# Ablating a class's {glue:text}`ex3_t` greedy units costs that class a median
# {glue:text}`ex3_own` pts and the other classes {glue:text}`ex3_other` pts on average; in
# {glue:text}`ex3_share` of the (units of one class, another class) pairs the other class loses
# more than 10 pts. The five pairs with the largest losses outside the greedy class:
#
# ```{glue} ex3_pairs
# ```
#
# Compare the pairs with the recipes on the [scene world](scenes_world.ipynb) page: classes can
# also share background textures and colours, which are evidence too. Greedy picks the units a
# class depends on most; how many other classes depend on them as well is what this exercise
# measures.
# ````
