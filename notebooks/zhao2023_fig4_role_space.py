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
# # Zhao et al. 2023, Fig. 4: the models in role space
#
# Each class's role proportions — the shares of the layer's units that are core, overfitted and
# confusing for it (generalizing units are rare and left out) — make a point in three
# dimensions. Zhao et al. plot these points for every ImageNet class and each of their five
# VGG16 models and see the models separate: models A and B (well generalized) lie close
# together, with few core and overfitted units and many confusing ones, while models C, D and E
# move towards more overfitted and fewer confusing units. Here we plot the same points for all
# classes of our five vgg16-mini models at `conv5_3` (units ranked per class by the L1 norm of
# their map on the class's training images; test curve on the world's held-out test split), in
# 3-D and in its three 2-D projections. How well the models separate is measured by the
# leave-one-out accuracy of a nearest-centroid rule that assigns each class's point to the model
# whose mean point (over its other classes) is closest.

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
from unitroles import params

params.check(globals(), {**params.COMMON, **params.ROF, **params.ZHAO_PAPER})

# %%
import numpy as np
import pandas as pd

from unitroles import plots, report, roles

plots.use_style()
models = roles.generalization_roles(
    profile, data_scale=data_scale, epoch_scale=epoch_scale, world_seed=world_seed,
    image_size=image_size, layer=layer, rank_by=rank_by, checkpoint_dir=checkpoint_dir,
    train_root=train_root, val_root=val_root, per_class=eval_per_class,
    skip_unreadable=skip_unreadable,
)  # fmt: skip
AXES = ("core", "overfitted", "confusing")
points = pd.concat(
    {name: m.taxonomy.proportions()[list(AXES)] * 100 for name, m in models.items()},
    names=["model", "class"],
).reset_index()  # one row per (model, class), proportions in % of the layer
colours = dict(zip(models, plots.PALETTE))
print(f"{len(points)} points: {len(models)} models × {len(points) // len(models)} classes")

# %%
fig, axes = plots.figure(3, 2, width=7.5, height=7.0, gridspec_kw={"height_ratios": [1.6, 1]})
grid = axes[0, 0].get_gridspec()
for ax in axes[0]:
    ax.remove()
ax3 = fig.add_subplot(grid[0, :], projection="3d")
for name, group in points.groupby("model", sort=False):
    ax3.scatter(*(group[a] for a in AXES), s=10, color=colours[name], label=name, alpha=0.8)
ax3.set_xlabel("core (%)", fontsize=8)
ax3.set_ylabel("overfitted (%)", fontsize=8)
ax3.set_zlabel("confusing (%)", fontsize=8)
ax3.tick_params(labelsize=7)
for setter in (ax3.set_xlim, ax3.set_ylim, ax3.set_zlim):
    setter(0, 100)
ax3.view_init(elev=20, azim=-55)
ax3.set_box_aspect(None, zoom=1.1)
ax3.legend(fontsize=7, loc="upper left")
for ax, (a, b) in zip(axes[1], [("core", "overfitted"), ("core", "confusing"),
                               ("overfitted", "confusing")]):  # fmt: skip
    for name, group in points.groupby("model", sort=False):
        ax.scatter(group[a], group[b], s=8, color=colours[name], alpha=0.7, label=name)
    ax.set_xlabel(f"{a} (% of units)", fontsize=8)
    ax.set_ylabel(f"{b} (% of units)", fontsize=8)
    ax.set_xlim(-3, 103)
    ax.set_ylim(-3, 103)
    ax.set_aspect("equal")
plots.show()

# %% [markdown]
# Each point is one class of one model: the share of the layer's units that are core,
# overfitted and confusing for it. Bottom row: the three projections of the 3-D plot.

# %% [markdown]
# ## How well the models separate

# %%
xyz = points[list(AXES)].to_numpy()
groups = points["model"].to_numpy()
accuracy = roles.nearest_centroid_loo(xyz, groups)
well, poor = ["model A", "model B"], ["model D", "model E"]
pair = points["model"].isin(well + poor).to_numpy()
two_way = roles.nearest_centroid_loo(xyz[pair], np.where(np.isin(groups[pair], well), "AB", "DE"))
by_model = points.groupby("model", sort=False)[list(AXES)]
centres = by_model.mean()
centres["spread (mean distance to centre, pts)"] = by_model.apply(
    lambda g: np.linalg.norm(g - g.mean(), axis=1).mean()
)
centres["paper"] = [
    "few core and overfitted, many confusing", "like A, more core and a wider spread",
    "more overfitted, fewer confusing", "more overfitted, fewer confusing",
    "most overfitted, fewest confusing",
]  # fmt: skip
centres.round(1)

# %%
chance = 1 / len(models)
report.glue(
    {
        "loo_5": f"{accuracy:.0%}",
        "loo_2": f"{two_way:.0%}",
        "chance": f"{chance:.0%}",
        "over_A": f"{centres.loc['model A', 'overfitted']:.1f}%",
        "over_E": f"{centres.loc['model E', 'overfitted']:.1f}%",
        "conf_A": f"{centres.loc['model A', 'confusing']:.1f}%",
        "conf_E": f"{centres.loc['model E', 'confusing']:.1f}%",
    }
)

# %% [markdown]
# Mean point of each model (% of the layer's units) beside the paper's reading of its Fig. 4.
# Leave-one-out nearest-centroid accuracy over the five models: {glue:text}`loo_5`
# (chance {glue:text}`chance`); models A and B against models D and E: {glue:text}`loo_2`.

# %% [markdown]
# ## The claim

# %%
five_way = f"five models: leave-one-out accuracy ≥ 2× chance ({2 * chance:.0%})"
report.claim(
    "R6",
    "Per-class role proportions (core, overfitted, confusing) separate the models in a 3-D plot.",
    paper="the five models separate well; A and B are close, C, D and E move towards more "
    "overfitted and fewer confusing units (scatter, Fig. 4)",
    ours=(
        f"leave-one-out nearest-centroid accuracy {accuracy:.0%} over five models (chance "
        f"{chance:.0%}); A+B vs D+E {two_way:.0%}"
    ),
    checks={
        five_way: accuracy >= 2 * chance,
        "well (A, B) vs poorly (D, E) generalized: leave-one-out accuracy ≥ 90%": two_way >= 0.9,
    },
    core=[five_way],
    profile=profile,
)

# %% [markdown]
# The mean point moves from {glue:text}`over_A` overfitted and {glue:text}`conf_A` confusing
# units in model A to {glue:text}`over_E` and {glue:text}`conf_E` in model E. A class's point
# alone identifies its model in {glue:text}`loo_5` of the cases, and tells the two
# well-generalized models from the two worst in {glue:text}`loo_2`. The paper judges separation
# by eye; the nearest-centroid rule is our stand-in for that judgement.
