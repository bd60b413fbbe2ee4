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
# # Zhao et al. 2023, Fig. 2: four roles from two turning points
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# A class's ROF curve on its training images and on its test images need not turn at the same
# point. Zhao et al. call the units switched on before the turning point the *active set* $U_0$
# (eq. 2) and compare the two sets, $U_0^{train}$ and $U_0^{test}$, both taken in the same
# ranking: **core** units are active on both (eq. 3), **overfitted** units on the training images
# only (eq. 4), **generalizing** units on the test images only (eq. 5), and **confusing** units on
# neither (eq. 6). By construction the four sets partition the layer (eq. 7), and since both
# curves follow one ranking, the roles are bands of it: core first, then overfitted (when the
# training curve turns later) or generalizing (when the test curve does), then confusing. The
# paper draws this as a sketch, for networks that generalize well and badly; here we draw it from
# the real curves of one class at `conv5_3` of vgg16-mini models A (best generalized) and E
# (worst) of [Table 1](zhao2023_table1_generalization.ipynb) — units ranked per class by the L1
# norm of their map on the class's training images, test curve on the world's held-out test split
# — and check the partition for every class of the five models (the first seed of each rung; the
# partition is a definition, so one seed tests the code as well as three).

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0  # scales the recipes' image counts (smoke runs use a few images)
epoch_scale = 1.0  # scales the recipes' epochs
world_seed = 0
image_size = 48
layer = "conv5_3"
rank_by = "activation"  # activation (L1 of the unit's map on the class's training images) | weight
model_names = ["model A", "model E"]  # a well and a poorly generalized model
class_name = None  # None: the class whose test accuracy in the first model is the median
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
        "model_names": params.List(params.Choice(*params.MODELS), min_len=1),
        "class_name": params.Str(optional=True),
    },
)

# %%
from IPython.display import display

from unitroles import plots, report, reranking, role_bands, role_figures, roles

plots.use_style()
models = run.generalization_roles(layer=layer, rank_by=rank_by)
taxa = {name: m.taxonomy for name, m in models.items()}
first = taxa[model_names[0]]
k = roles.representative_class(first.test) if class_name is None else first.class_index(class_name)
shown = first.class_names[k]
shown_roles = {name: role_bands.class_roles(taxa[name], k) for name in model_names}  # n0s, counts
print(f"class shown: {shown}")

# %%
role_figures.taxonomy_figure(models, k, model_names)
plots.show()

# %% [markdown]
# ## The class shown, and the partition in every model

# %%
display(report.table(role_bands.class_table({name: taxa[name] for name in model_names}, k)))

# %%
partition = role_bands.partition_summary(taxa)
display(report.table(partition))

# %% [markdown]
# ## The claim

# %%
z2 = role_bands.judge(partition, shown, shown_roles)  # the partition over every class and model
z2.show("R2", paper=role_bands.PAPER, profile=profile)

# %% [markdown]
# In {glue:text}`m0`, the training curve of {glue:text}`shown_class` turns at
# {glue:text}`m0_n0_train` units and its test curve at {glue:text}`m0_n0_test`: the class has
# {glue:text}`m0_core` core, {glue:text}`m0_overfitted` overfitted, {glue:text}`m0_generalizing`
# generalizing and {glue:text}`m0_confusing` confusing units. In {glue:text}`m1` the two curves
# turn at {glue:text}`m1_n0_train` and {glue:text}`m1_n0_test` units: {glue:text}`m1_core` core,
# {glue:text}`m1_overfitted` overfitted, {glue:text}`m1_generalizing` generalizing and
# {glue:text}`m1_confusing` confusing units. The partition itself is a matter of definition —
# every unit is either in or out of each active set — and the table checks it on all
# {glue:text}`class_model_pairs` (class, model) pairs of the five models. What is not a matter of
# definition is how the units split among the roles, and how that split changes with
# generalization: the following pages turn to that.

# %% [markdown]
# ## Exercises
#
# The solutions' numbers come from this run: the hidden code cell before each solution computes
# them (expand it to see how).
#
# **1. Four counts from two numbers.** In {glue:text}`ex1_model`, the curves of
# {glue:text}`shown_class` turn at {glue:text}`ex1_n0_train` units (train) and
# {glue:text}`ex1_n0_test` units (test), out of {glue:text}`ex1_units`. Without the table, how many
# units does each role get? Write the four counts as functions of $n_0^{train}$, $n_0^{test}$ and
# $N$, then check your formulas on every class of the five models (`tax.counts()`).

# %% tags=["hide-input", "solution"]
# role_bands.band_counts: core min(n0_train, n0_test), overfitted max(n0_train - n0_test, 0),
# generalizing max(n0_test - n0_train, 0), confusing N - max(n0_train, n0_test)
report.glue(role_bands.band_exercise(model_names[-1], taxa, k))

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Both active sets are prefixes of the same rank order, so the shorter lies inside the longer:
# core $= \min(n_0^{train}, n_0^{test})$, overfitted $= \max(n_0^{train} - n_0^{test}, 0)$,
# generalizing $= \max(n_0^{test} - n_0^{train}, 0)$, and confusing
# $= N - \max(n_0^{train}, n_0^{test})$. Here: {glue:text}`ex1_worked`. The formulas give the
# role counts of {glue:text}`ex1_matches` of the {glue:text}`class_model_pairs` (class, model)
# pairs. Under one ranking the taxonomy holds no more than the two turning points.
# ```
#
# **2. Change the ranking.** Rerun the page with `rank_by = "weight"`: every class then switches
# units on in the order of their filter's L1 norm. Which roles grow and which shrink, in
# {glue:text}`ex2_first` and in {glue:text}`ex2_last`? Use what the exercises of
# [Fig. 1](zhao2023_fig1_rof_curve.ipynb) found about the turning points. (To stay quick, the
# solution reruns both rankings on the first images of each class of the page's sets
# ({glue:text}`ex2_images` a class), so that the rows differ in the ranking alone.)

# %% tags=["hide-input", "solution"]
# both models again, units switched on by activation and by their filter's L1 norm, on the
# first 20 images a class of each split
ex = reranking.RoleExercises(run, models, model_names, layer, most=20)
report.glue(ex.glue())

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# The median turning points (units) and the mean role proportions over classes, for each model
# and ranking:
#
# ```{glue} ex2_table
# ```
#
# In {glue:text}`ex2_first`, {glue:text}`ex2_moves_first`; in {glue:text}`ex2_last`,
# {glue:text}`ex2_moves_last`. The counts follow the turning points (exercise 1): a ranking that
# moves both turning points later makes more core and fewer confusing units, and one that moves
# them apart makes more overfitted or generalizing units. A unit's role is a property of the
# unit, the class *and* the ranking.
# ````
#
# **3. Which units move?** A role belongs to a (class, unit) pair. For {glue:text}`ex2_first`,
# cross-tabulate every pair's role under the activation ranking against its role under the
# weight ranking. Where do the activation ranking's core units go? Where do the weight ranking's
# core units come from?

# %% tags=["hide-input", "solution"]
report.glue(ex.crosstab(model_names[0]))  # role under activation against role under weight

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# (Class, unit) pairs of {glue:text}`ex2_first` by role under each ranking (rows: activation,
# columns: weight):
#
# ```{glue} ex3_table
# ```
#
# Of the pairs that are core under the activation ranking, {glue:text}`ex3_stay` stay core under
# the weight ranking. The weight ranking's core pairs were, under the activation ranking:
# {glue:text}`ex3_origin`. Changing the ranking does not just shift a boundary: it reorders the
# units, so a pair can change role in any direction. Zhao et al.'s roles are defined for the
# activation ranking, and the book's role pages use it throughout.
# ````
