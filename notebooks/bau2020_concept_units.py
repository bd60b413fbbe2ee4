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
# # Do dissection labels find the units that matter? (Bau et al. 2020)
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Bau et al. (2020) remove the few conv5 units most tied to a class of a scene classifier (for
# *ski resort*, units that detect snow, mountains, houses and trees) and show that the class
# collapses while the other classes barely move. Zhou et al.'s [Fig. 4](zhou2018_fig4_greedy.ipynb)
# finds a class's units greedily, by ablating them; nothing else in the book chooses units
# *without* ablating first. Here, for every class whose recipe always draws an object (the
# world's ground truth), {glue:text}`steps_` conv5 units are chosen by rules that ablate nothing —
# their IoU with the class's object (network dissection), their class selectivity for it, or the
# L1 norm of their weights — and removed together, one more at a time, beside greedy and random
# choices. The rules choose on one half of each class's validation images and every set is
# scored on the other half, as on the Fig. 4 page. The claim was written before the run: **units
# chosen by their concept destroy their class almost as fast as greedy ones, and spare the
# rest.** Drops are in percentage points (pts), positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
seeds = [0, 1, 2, 3, 4]  # baseline instances
steps = 8  # units removed per class, one more at a time
greedy_steps = 20  # greedy's search, as on the Fig. 4 page (its cache is shared)
random_orders = 3  # random orders per class
seed = 0  # draws the random orders
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
        "steps": params.Int(min=1),
        "greedy_steps": params.Int(min=1),
        "random_orders": params.Int(min=1),
        "seed": params.Int(min=0),
    },
)

# %%
from IPython.display import display

from unitroles import concept_removal, plots, report

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
if run.smoke:
    greedy_steps = steps = 3
runs = []  # a concept_removal.Removal a seed: each rule's drops, class by class (None: no concept)
for s in seeds:
    unit_study = run.unit_study(s, layer=layer, progress=False)
    runs.append(concept_removal.measure(
        unit_study.setup, layer, unit_study.dissection, unit_study.l1, steps, world=run.world,
        greedy_steps=greedy_steps, random_orders=random_orders, seed=seed,
    ))  # fmt: skip
    print(unit_study.setup.description)
measured = None not in runs
steps = runs[0].steps if measured else steps
report.glue({"steps_": steps})

# %% [markdown]
# ## The class and the others, unit by unit

# %%
if measured:
    concept_removal.figure(runs, seeds, layer)

# %%
if measured:
    display(report.table(concept_removal.step_table(runs), wrap=True))

# %% [markdown]
# Each cell is the mean over seeds, with the lowest and highest seed in brackets. Bau et al.
# report no table of this kind: their ski resort loses most of its accuracy when its most
# important units go, while the mean accuracy of the other classes barely changes (VGG-16 on
# Places365; their units are ranked by their effect on the class, ours without ablating).

# %%
if measured:  # each rule's drops after the last step, one column per seed, to fit the column
    display(report.table(concept_removal.per_seed(runs, seeds).T, decimals=1))
w2 = concept_removal.judge(runs, seeds, layer)  # the checks voted over the seeds
w2.show("W2", paper=concept_removal.PAPER, profile=profile)

# %% [markdown]
# After {glue:text}`steps_` units chosen by concept IoU, a class loses {glue:text}`concept_own`
# pts over the seeds; greedy's {glue:text}`steps_` units cost it {glue:text}`greedy_own` pts, so
# the concept rule gets {glue:text}`ratio` of the way. Selectivity's units cost
# {glue:text}`selectivity_own` pts, the largest-weight units {glue:text}`weight_own` pts and
# random units {glue:text}`random_own` pts. The other classes lose {glue:text}`concept_others`
# pts on average under the concept rule ({glue:text}`greedy_others` under greedy). The core
# checks read "almost as fast" as half of greedy's drop and "spare the rest" as at most a fifth
# of the class's drop, voted over the seeds; a stricter detail asks for 80% of greedy's drop.
#
# Of the three rules that ablate nothing, {glue:text}`best_rule` comes closest to greedy here
# ({glue:text}`best_own` pts after {glue:text}`steps_` units). One reading, not tested here: a
# class in this world is told from its sibling by one object, but the network can also use the
# background textures and colours its recipe draws (see the [scene world](scenes_world.ipynb)).
# Units chosen by their IoU with the object can only find the first kind of evidence; greedy
# ablation and class selectivity find whatever the class uses.

# %% [markdown]
# ## Exercises
#
# The solution's numbers come from this run: the hidden code cell before it computes them
# (expand it to see how).
#
# **1. Do the rules find greedy's units?** Greedy ablation chooses a class's
# {glue:text}`steps_` units by their joint effect. Predict, before you look: of greedy's
# {glue:text}`steps_` units, how many does the concept rule pick for the median class, how many
# does selectivity pick, and how many would {glue:text}`steps_` random units share with them by
# chance? Then count them on the first seed (`concept_removal.overlap_with_greedy`).

# %% tags=["hide-input", "solution"]
# per rule: the median over classes of the units its first `steps` share with greedy's
overlap = concept_removal.overlap_with_greedy(runs[0]) if measured else None
report.glue(concept_removal.overlap_glue(overlap, steps, unit_study.units))

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# Units shared with greedy's {glue:text}`steps_`, median over classes, on the first seed:
#
# ```{glue} ex1_table
# ```
#
# By chance, {glue:text}`steps_` units drawn from {glue:text}`ex1_units` share
# {glue:text}`steps_` × {glue:text}`steps_` / {glue:text}`ex1_units` = {glue:text}`ex1_chance`
# units with greedy's on average. A rule that ablates nothing can still cost a class as much as
# greedy without picking the same units: units that carry the same object can stand in for one
# another, which is why greedy's choice after the first step depends on what it already removed.
# ````
