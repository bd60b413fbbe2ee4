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
# # Zhao et al. 2023, Fig. 1: the retrieval-of-function curve
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Zhao et al. look for the group of units that a class needs by bringing a dead layer back to
# life: they switch every unit of the last conv layer of VGG16 off, then switch the units back on
# one at a time, in descending order of their activation's L1 norm, and record the cross-entropy
# loss after each step. This **retrieval-of-function (ROF) curve** $E(n)$ falls fast as the first
# units come on, reaches its minimum after a small part of the layer — the **turning point**
# $n_0 = \arg\min_n E(n)$ — and rises again as the remaining units come on. Here we run the test
# at `conv5_3` of the best-generalized of the five vgg16-mini models of
# [Table 1](zhao2023_table1_generalization.ipynb), for every class: units are ranked per class by
# the mean L1 norm of their post-ReLU map on the class's training images (the images the model was
# trained on, without augmentation); $E(n)$ is the mean cross-entropy (nats) on the class's
# training images and, with the same ranking, on its images of the world's held-out test split.
# $n = 0$ (every unit off) is a candidate for the minimum.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0  # scales the recipes' image counts (smoke runs use a few images)
epoch_scale = 1.0  # scales the recipes' epochs
world_seed = 0
image_size = 48
layer = "conv5_3"
rank_by = "activation"  # activation (L1 of the unit's map on the class's training images) | weight
model_name = "model A"
class_name = None  # None: the class whose test accuracy in this model is the median
early = 0.1  # "falls fast": the part of the fall made by the first 10% of the units
# paper profile only: five VGG16 checkpoints gen-A.pth .. gen-E.pth and ImageFolder splits
checkpoint_dir = None  # or $UNITROLES_CHECKPOINTS
train_root = None  # or $UNITROLES_TRAIN_ROOT
val_root = None  # or $UNITROLES_VAL_ROOT
eval_per_class = 50  # paper profile: images a class from each split
skip_unreadable = False  # paper profile: leave out images that do not decode (counted)

# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        **params.ROF,
        **params.ZHAO_PAPER,
        "model_name": params.Choice(*params.MODELS),
        "class_name": params.Str(optional=True),
        "early": params.Float(min=0, max=1, min_open=True),
    },
)

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from unitroles import plots, report, reranking, rof_pages, role_figures, roles, tables

plots.use_style()
ladders = run.ladder(layer=layer, rank_by=rank_by)  # by seed: the five models of each
seeds = list(ladders)
chosen = ladders[seeds[0]][model_name]  # the figures show the first seed; the claim reads all
tax = chosen.taxonomy
k = roles.representative_class(tax.test) if class_name is None else tax.class_index(class_name)
shown = tax.class_names[k]
summary = rof_pages.curve_summaries(tax, early)  # per split, one row a class: n0, E(0), E(n0)...
print(chosen.description)
print(f"{tax.units} units at {layer}; {len(tax.class_names)} classes; class shown: {shown}")

# %%
role_figures.turning_points_figure(tax, k, summary, model=model_name, layer=layer)
plots.show()

# %% [markdown]
# ## The curves' shape, over all classes

# %%
display(report.table(rof_pages.shape_table(summary, tax.units, early)))

# %% [markdown]
# ## The claim

# %%
r1 = rof_pages.curve_checks({seed: ladders[seed][model_name].taxonomy for seed in seeds}, early)
z1 = rof_pages.judge_curve(r1, tax, k, summary, model_name)  # each check voted over the seeds
z1.show("R1", paper=rof_pages.PAPER_R1, profile=profile)

# %% [markdown]
# In {glue:text}`model`, the class shown ({glue:text}`shown_class`) reaches its lowest training
# loss with {glue:text}`n0_train_shown` of the {glue:text}`units` units on and its lowest test
# loss with {glue:text}`n0_test_shown`. Over all classes the median turning point lies at
# {glue:text}`median_n0_train` of the units on the training images and at
# {glue:text}`median_n0_test` on the test images. On the test images the median class falls from
# {glue:text}`dead_test` nats with the layer dead to {glue:text}`min_test` nats at its turning
# point, and the units after it raise the loss again by a median {glue:text}`rise_test` nats:
# switching them on costs the class a little, although the whole model uses them. The next page
# turns the two turning points into the four roles of a unit.
#
# **The turning-point check was rewritten** to say what the paper says (issue 26), before the
# run that shows its outcome: "a small part" was half the layer, and the paper's Table 2 puts
# model A's units before the turning point at about a fifth. Over
# {glue:text}`seeds_n` seeds of {glue:text}`model`, the median turning point lies at
# {glue:text}`n0_train_seeds` of the units (train) and {glue:text}`n0_test_seeds` (test). The
# old check is evaluated on this run too, and not counted:

# %%
report.check_changes("R1", r1.votes())

# %% [markdown]
# ## Exercises
#
# The solutions' numbers come from this run: the hidden code cell before each solution computes
# them (expand it to see how). They run the ROF test of {glue:text}`model` again with other rank
# orders. To stay quick they use only the first {glue:text}`ex_train_images` training and
# {glue:text}`ex_test_images` test images of each class (the start of the page's image sets), and
# they rerun the page's activation ranking on the same images, so that their rows differ in the
# ranking alone.
#
# **1. A ranking that ignores the class.** Rerun the page with `rank_by = "weight"` (in the
# parameters cell, or `-p rank_by weight` on the `python -m unitroles.execute` command line): the
# units are then switched on by the L1 norm of their filter, in the same order for every class.
# Before you do, predict: does the turning point come earlier or later than with the activation
# ranking? Does the curve still make most of its fall with the first {glue:text}`ex_early` of the
# units?

# %% tags=["hide-input", "solution"]
# the page's model again, on the first 20 images a class of each split (all: its first row)
ex = reranking.CurveExercises(run, chosen, layer, early, summary, most=20)
ex.rank("activation", tax.train.order)  # the page's ranking, on the exercises' images
ex.rank("weight", ex.weight_order)  # the filters' L1 norm: one order for every class
report.glue(ex.glue("ex1", than=("activation", "weight")))

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# The median turning point and the shape of the curves, for each ranking:
#
# ```{glue} ex1_table
# ```
#
# On the test curves, the weight ranking puts the median turning point at
# {glue:text}`ex_weight_n0` of the units, {glue:text}`ex1_direction` than the activation ranking
# on the same images ({glue:text}`ex_activation_n0`), and its first {glue:text}`ex_early` of the
# units make {glue:text}`ex_weight_early` of the fall, against {glue:text}`ex_activation_early`.
# The weight order is one order for every class: it cannot put a class's own units first. The
# first row, on all the page's images, shows how far the smaller image sets move the activation
# ranking's numbers.
# ````
#
# **2. No ranking at all.** Write the order yourself: one random permutation of the units per
# class (`np.random.default_rng(0).permutation(tax.units)`), passed to
# `roles.rof_curves(model, layer, images, labels, order)`. Where does the turning point go? Is the
# weight ranking better than chance at finding the units a class needs?

# %% tags=["hide-input", "solution"]
rng = np.random.default_rng(0)
ex.rank("random", lambda: np.stack([rng.permutation(tax.units) for _ in tax.class_names]))
report.glue(ex.glue("ex2", than=("random", "weight")))

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# ```{glue} ex2_table
# ```
#
# With a random order the median turning point on the test curves is at
# {glue:text}`ex_random_n0` of the units, and the first {glue:text}`ex_early` of the units make
# {glue:text}`ex_random_early` of the fall. The weight ranking turns {glue:text}`ex2_direction`
# than the random order ({glue:text}`ex_weight_n0`). Every order ends at the same point, the
# intact model $E(N)$; what the order decides is how soon the units the class needs are on, and
# a random order is the baseline any ranking has to beat.
# ````
#
# **3. Backwards.** Reverse the activation ranking, so that the units least active on the class
# come on first. Sketch the test curve you expect for {glue:text}`shown_class` before you compute
# it. Where is the turning point now, and in how many classes does the curve still rise after it?

# %% tags=["hide-input", "solution"]
ex.rank("reversed", tax.train.order[:, ::-1].copy())
fig = ex.figure(k, title=f"{tables.pretty(shown)}, {model_name}: test curves by ranking")
report.glue(ex.glue("ex3") | {"ex3_figure": fig})
plt.close(fig)

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# ```{glue:figure} ex3_figure
# The test curve of {glue:text}`shown_class` in {glue:text}`model` under each ranking, on the
# exercises' images.
# ```
#
# ```{glue} ex3_table
# ```
#
# Reversed, the median turning point on the test curves is at {glue:text}`ex_reversed_n0` of the
# units, and the curve rises after its minimum in {glue:text}`ex_reversed_rise` of the classes
# (against {glue:text}`ex_activation_rise` with the activation ranking). The units the reversed
# order switches on first are those the activation ranking leaves until after its turning point.
# The fast fall, the early minimum and the rise after it describe the curve under one ranking:
# claim R1 is a claim about the activation ranking, not about the layer alone.
# ````
