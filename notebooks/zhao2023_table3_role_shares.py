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
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import plots, report, role_figures, roles, verdicts, zhao2023

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
side = zhao2023.beside_paper(zhao2023.TABLE3, by_unit)  # "%" in the headers, not the cells
display(
    report.table(
        side,
        headers={role: f"{role} (%)" for role in side.columns},
        caption=f"Role shares in % of the classes, mean ± standard deviation over units. Paper: "
        f"VGG16 on ImageNet (Table 3); ours: {run.arch('vgg16-mini', 'VGG16')} {layer}, "
        f"{profile} profile.",
    )
)


# %%
fig = role_figures.share_distributions(shares, ("core", "overfitted", "confusing"))
plots.caption(
    fig,
    "The distribution of each role share over the layer's units (cumulative): for a share on the "
    "x axis (% of classes for which a unit plays the role), the fraction of units with at most "
    "that share; one line per model. Generalizing shares are left out, being near zero.",
    alt="Three cumulative distribution plots (core, overfitted, confusing share). Median unit, "
    "overfitted share: "
    + ", ".join(f"{name} {100 * s['overfitted'].median():.0f}%" for name, s in shares.items())
    + ".",
)
plots.show()


# %% [markdown]
# ## Means over units equal means over classes

# %%
check = pd.concat(
    {
        "mean over units (%)": 100 * by_unit.xs("mean", axis=1, level=1),
        "mean over classes (%)": 100 * by_class.xs("mean", axis=1, level=1),
        "std over units (%)": 100 * by_unit.xs("std", axis=1, level=1),
        "std over classes (%)": 100 * by_class.xs("std", axis=1, level=1),
    },
    axis=1,
)
gap_means = float(
    np.abs(by_unit.xs("mean", axis=1, level=1) - by_class.xs("mean", axis=1, level=1)).max().max()
)
spread_gap = (
    (by_unit.xs("std", axis=1, level=1) - by_class.xs("std", axis=1, level=1)).abs().max(axis=1)
)
report.glue(
    {
        "gap_means": f"{gap_means:.1e}",
        "spread_max": f"{100 * spread_gap.max():.1f}",
        "spread_min": f"{100 * spread_gap.min():.1f}",
        "core_sd_unit_A": f"{100 * by_unit.loc['model A', ('core', 'std')]:.1f}%",
        "core_sd_class_A": f"{100 * by_class.loc['model A', ('core', 'std')]:.1f}%",
    }
)
display(
    report.table(  # one row a (model, role)
        check.stack(level=1, future_stack=True).rename_axis(["model", "role"]), decimals=2
    )
)

# %% [markdown]
# The largest difference between a mean over units and the matching mean over classes is
# {glue:text}`gap_means` (fraction); the spreads differ by up to {glue:text}`spread_max` pts.

# %% [markdown]
# ## The claim

# %%
(equal,) = verdicts.CLAIMS["R7"].core
report.claim(
    "R7",
    ours=(
        f"largest difference of a mean over units from its mean over classes {gap_means:.1e}; "
        "the spreads differ by "
        f"{100 * spread_gap.min():.1f}–{100 * spread_gap.max():.1f} pts (largest role gap per "
        "model)"
    ),
    checks={
        equal: bool(gap_means <= 1e-12),
        "the spreads differ (≥ 1 pt for some role, in every model)": bool(
            (spread_gap >= 0.01).all()
        ),
    },
    profile=profile,
)
report.takeaway(
    f"the mean role shares over units equal the mean proportions over classes to {gap_means:.0e} "
    f"in every model, as they must; the spreads differ by up to {100 * spread_gap.max():.1f} pts "
    f"(model A's core share: {100 * by_unit.loc['model A', ('core', 'std')]:.1f}% from unit to "
    f"unit, {100 * by_class.loc['model A', ('core', 'std')]:.1f}% from class to class).",
    paper="Table 3's mean role shares per unit equal Table 2's mean proportions per class; the "
    "standard deviations differ.",
    claim="R7",
    note="An identity: any assignment of roles gives equal means, so only the spreads say "
    "something about the network.",
)

# %% [markdown]
# The equality of the means is a counting identity: the same {glue:text}`gap_means` would come out
# of any assignment of roles, so it says nothing about the network. The spreads do: in model A
# the core share varies by {glue:text}`core_sd_unit_A` (one standard deviation) from unit to unit,
# against {glue:text}`core_sd_class_A` from class to class. Section 6.2 of the paper argues that
# in a well-generalized network most units should have a small core share and a large confusing
# share; the cumulative plots show how far each of our models is from that.
