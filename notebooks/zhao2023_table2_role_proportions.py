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
# # Zhao et al. 2023, Table 2: role proportions over all classes
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# For every class, the ROF test splits the units of the last conv layer into core, overfitted,
# generalizing and confusing units; the **role proportion** of a class is the share of the
# layer's units in each role, $P_k^{(R)} = |U_R(k)| / N$. Zhao et al. average these over all
# ImageNet classes for their five VGG16 models and find that from model A (best generalized) to
# model E (worst) the overfitted proportion rises from 3.1% to 61.4% and the confusing proportion
# falls from 79.1% to 20.9%, while generalizing units stay rare and the core proportion stays
# between 16% and 29%. Here we do the same at `conv5_3` of our five vgg16-mini models over all
# classes of the world: units ranked per class by the L1 norm of their map on the class's
# training images (the images each model was trained on, without augmentation), test curve on
# the world's held-out test split. Proportions are in % of the layer's units, mean ± standard
# deviation (sample, ddof = 1) over classes.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0  # scales the recipes' image counts (smoke runs use a few images)
epoch_scale = 1.0  # scales the recipes' epochs
world_seed = 0
image_size = 48
layer = "conv5_3"
rank_by = "activation"  # activation (L1 of the unit's map on the class's training images) | weight
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

run = profiles.check(globals(), {**params.COMMON, **params.ROF, **params.ZHAO_PAPER})

# %%
from IPython.display import display

from unitroles import ladder, plots, report, role_figures, roles, zhao2023

plots.use_style()
ladders = run.ladder(layer=layer, rank_by=rank_by)  # by seed: the five models of each
seeds = list(ladders)
models = ladders[seeds[0]]  # the tolerance study below reads the first seed
# fractions; columns (role, mean | std over the classes of every seed together)
ours = roles.mean_std(ladder.pooled_proportions(ladders))
seed_means = ladder.role_means(ladders)  # a (model, seed) a row: role means over classes (%)
first = next(iter(models.values())).taxonomy
print(f"{first.units} units at {layer}; {len(first.class_names)} classes per model; seeds {seeds}")

# %% [markdown]
# ## Our five models beside the paper's

# %%
ours_are = (  # Table 2 and Table 1's gaps; "%" in the headers, not the cells
    f"{run.arch('vgg16-mini', 'VGG16')} {layer}, {profile} profile, the classes of "
    f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} together (mean gap over seeds)"
)
display(zhao2023.proportions_table(ours, seed_means, caption=ours_are))

# %% [markdown]
# How much a model's proportions move from seed to seed: each role's mean over classes, as the
# mean over seeds and, in brackets, its range (the seed band).

# %%
display(zhao2023.band_table(seed_means))

# %%
fig = role_figures.proportion_bars(
    {"(a) paper (VGG16, ImageNet)": zhao2023.TABLE2, "(b) ours": ours}
)
plots.caption(fig, **ladder.proportion_caption(ours))
plots.show()

# %% [markdown]
# ## Where a turning point sits on a flat curve
#
# A model that fits its training images well has a training ROF curve that is nearly flat once
# enough units are on, so its exact minimum — the paper's turning point $n_0 = \arg\min_n E(n)$ —
# can sit anywhere along that floor, decided by differences of a few millionths of a nat, and
# with it the split between overfitted and confusing units. So we also read the turning point
# with a tolerance $\varepsilon$: the first $n$ whose loss is within $\varepsilon$ of the
# curve's fall, $E(n) \le \min E + \varepsilon\,(E(0) - \min E)$, for $\varepsilon$ = 0 (the
# paper's reading), 0.1% and 1%.

# %%
trends = ladder.seed_trends(ladders)  # seed -> tolerance -> the role means' trend A → E
display(report.table(ladder.tolerance_table(models, trends[seeds[0]])))
report.glue(ladder.turning_point_glue(models, trends[seeds[0]]))  # the diagnosis, seed 0

# %% [markdown]
# Each column reads the turning points of seed {glue:text}`seed0`'s models at one tolerance; the
# last two rows give the median class's turning point on the training and on the test curve, in
# units of the layer.
#
# ## The claim

# %%
z5 = ladder.judge_proportions(seed_means, trends, models)  # a check passes at every tolerance
z5.show("R5", paper=ladder.PAPER_R5, profile=profile)

# %% [markdown]
# Over {glue:text}`seeds_n` seeds (mean and range), from model A to model E our overfitted
# proportion goes from {glue:text}`over_A` to {glue:text}`over_E` (rank correlation with the
# model order {glue:text}`rho_over`) and the confusing proportion from {glue:text}`conf_A` to
# {glue:text}`conf_E` ({glue:text}`rho_conf`); generalizing units make up at most
# {glue:text}`gen_max` of the layer in any model, and the core proportion ranges from
# {glue:text}`core_lo` to {glue:text}`core_hi`.
# {glue:text}`hinge`
#
# **Where the overfitted units come from.** In {glue:text}`last_model` (seed
# {glue:text}`seed0`), the median over classes
# of $n_0^{train} - n_0^{test}$ is {glue:text}`apart_exact` units at ε = 0 and
# {glue:text}`apart_tolerant` at ε = {glue:text}`eps_small`, where the overfitted proportion is
# {glue:text}`over_E_tolerant`. {glue:text}`over_reading` The paper does not say how flat its
# curves are there, so whether its 61% overfitted units in model E are of this kind cannot be
# told from the paper.
#
# Nothing in training favours the test images, so units that help only them (generalizing) are
# rare; units that help only the training images (overfitted) are what memorising looks like from
# inside one layer, and they take the place of confusing units as the gap grows. Our models stop
# training at the paper's training accuracy rather than at zero loss, so their training curves
# keep a floor above zero: in {glue:text}`last_model` the median class reaches
# {glue:text}`last_train_min` nats at its training turning point and rises by
# {glue:text}`last_train_rise` nats after it.
