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
# # Zhao et al. 2023, Table 3: role shares of individual units
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Table 2 looks at the roles class by class; Zhao et al. then turn the table round and look unit
# by unit. A unit is core for some classes and confusing for others; its **role share**
# $RS_n^{(R)} = \frac{1}{K}\sum_{k=1}^{K} \mathbb{1}[U_n \in U_{R}(k)]$ (eq. 9) is the fraction
# of the $K$ classes for which it plays role $R$, and the four shares of a unit sum to 1
# (eq. 10). The paper's Table 3 gives the mean and standard deviation of the shares over the
# units of each of its five VGG16 models and notes that the means agree with Table 2's. They
# must: the mean share over the $N$ units and the mean proportion over the $K$ classes are the
# same double sum, $\frac{1}{NK}\sum_k |U_R(k)|$, counted in two orders. Only the spreads carry
# new information — how evenly the roles are spread over units rather than over classes. Here
# the shares come from the same ROF tests as Table 2: `conv5_3` of our five vgg16-mini models
# (the first seed of each rung; the identity holds on any),
# all classes, units ranked per class by the L1 norm of their map on the class's training images,
# test curve on the world's held-out test split. Shares are in % of the classes, mean ± standard
# deviation (sample, ddof = 1) over units.

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

from unitroles import plots, report, rof_pages, role_figures, roles

plots.use_style()
models = run.generalization_roles(layer=layer, rank_by=rank_by)
shares = {name: m.taxonomy.shares() for name, m in models.items()}  # (units, roles) per model
by_unit = roles.mean_std(shares)  # Table 3: over units
by_class = roles.mean_std({name: m.taxonomy.proportions() for name, m in models.items()})
first = next(iter(models.values())).taxonomy
print(f"{first.units} units at {layer}; shares over {len(first.class_names)} classes")

# %% [markdown]
# ## Our five models beside the paper's

# %%
arch = run.arch("vgg16-mini", "VGG16")
display(rof_pages.shares_beside_paper(by_unit, arch, layer, profile))  # the paper's row, then ours

# %%
role_figures.shares_figure(shares)
plots.show()

# %% [markdown]
# ## Means over units equal means over classes

# %%
r7 = rof_pages.ShareIdentity(by_unit, by_class)
display(report.table(r7.table(), decimals=2))  # one row a (model, role)

# %% [markdown]
# The largest difference between a mean over units and the matching mean over classes is
# {glue:text}`gap_means` (fraction); the spreads differ by up to {glue:text}`spread_max` pts.

# %% [markdown]
# ## The claim

# %%
z7 = rof_pages.judge_shares(r7)  # the means' identity and the spreads
z7.show("R7", paper=rof_pages.PAPER_R7, profile=profile)

# %% [markdown]
# The equality of the means is a counting identity: the same {glue:text}`gap_means` would come out
# of any assignment of roles, so it says nothing about the network. The spreads do: in model A
# the core share varies by {glue:text}`core_sd_unit_A` (one standard deviation) from unit to unit,
# against {glue:text}`core_sd_class_A` from class to class. Section 6.2 of the paper argues that
# in a well-generalized network most units should have a small core share and a large confusing
# share; the cumulative plots show how far each of our models is from that.
