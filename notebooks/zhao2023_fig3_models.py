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
# # Zhao et al. 2023, Fig. 3: one class, five models
#
# Do the roles of units tell a well-generalized network from an overfitted one? Zhao et al. run
# the retrieval-of-function test for one class at the last conv layer of their five VGG16 models
# (Table 1: generalization gap 0.075 for model A up to 0.604 for model E) and find that the
# well-generalized models have similar ROF curves on the training and the test images, while the
# poorly generalized ones have curves that diverge; model A needs fewer than 30 core units (of
# 512) for the class. Here we do the same at `conv5_3` of our five vgg16-mini models, for one
# class and, to see past the choice of class, for every class: units are ranked per class by the
# L1 norm of their map on the class's training images (the images each model was trained on,
# without augmentation), and the test curve is measured on the world's held-out test split.
# How far two curves lie apart is measured by their **divergence**, the mean over
# $n = 0..N$ of $|E_{train}(n) - E_{test}(n)|$ (nats).

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0  # scales the recipes' image counts (smoke runs use a few images)
epoch_scale = 1.0  # scales the recipes' epochs
world_seed = 0
image_size = 48
layer = "conv5_3"
rank_by = "activation"  # activation (L1 of the unit's map on the class's training images) | weight
class_name = None  # None: the class whose test accuracy in model A is the median
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

params.check(
    globals(),
    {
        **params.COMMON,
        **params.ROF,
        **params.ZHAO_PAPER,
        "class_name": params.Str(optional=True),
    },
)

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
first = models["model A"].taxonomy
k = roles.representative_class(first.test) if class_name is None else first.class_index(class_name)
shown = first.class_names[k]
counts = {name: m.taxonomy.counts().iloc[k] for name, m in models.items()}
divergence = {name: roles.curve_divergence(m.taxonomy) for name, m in models.items()}
gaps = pd.Series({name: m.gap for name, m in models.items()})
print(f"class shown: {shown}; {first.units} units at {layer}")

# %%
fig, axes = plots.figure(3, 2, width=7.5, height=5.6)
n = np.arange(first.units + 1)
for ax, (name, m) in zip(axes.flat, models.items()):
    tax, c = m.taxonomy, counts[name]
    if ax is not axes[0, 0]:
        ax.sharey(axes[0, 0])
    plots.role_bands(ax, c["n0_train"], c["n0_test"], tax.units)
    ax.plot(n, tax.train.loss[k], color=plots.PALETTE[0], label="train curve")
    ax.plot(n, tax.test.loss[k], color=plots.PALETTE[3], label="test curve")
    ax.set_title(
        f"{name} (gap {m.gap:.2f})\n{c['core']} core, {c['overfitted']} overf., "
        f"{c['generalizing']} gen., {c['confusing']} conf.",
        fontsize=8,
    )
    ax.set_xlabel("units switched on, n", fontsize=8)
for ax in axes[:, 0]:
    ax.set_ylabel("cross-entropy E(n) (nats)", fontsize=8)
axes[0, 0].legend(handles=axes[0, 0].get_lines()[:2], fontsize=7)
ax = axes[1, 2]
mean_div = pd.Series({name: d.mean() for name, d in divergence.items()})
ax.plot(gaps, mean_div, "o", color="0.3")
for name in models:
    ax.annotate(name[-1], (gaps[name], mean_div[name]), xytext=(4, 2), textcoords="offset points")
ax.set_xlabel("generalization gap (fraction)", fontsize=8)
ax.set_ylabel("mean curve divergence (nats)", fontsize=8)
ax.set_title("train–test divergence,\nmean over classes", fontsize=8)
plots.role_legend(fig)
fig.suptitle(f"{shown.replace('_', ' ')}, {layer}", fontsize=10)
plots.show()

# %% [markdown]
# Each panel shows the train and test ROF curves of the same class in one model, its units
# coloured by role; the last panel gives each model's divergence between the two curves,
# averaged over all classes, against its generalization gap.

# %% [markdown]
# ## Per model

# %%
table = pd.DataFrame(
    {
        "gap": gaps,
        **{f"{r} ({shown})": {name: int(c[r]) for name, c in counts.items()} for r in roles.ROLES},
        f"divergence ({shown})": {name: d[k] for name, d in divergence.items()},
        "divergence (mean over classes)": {name: d.mean() for name, d in divergence.items()},
    }
)
table["paper"] = [
    "similar curves; < 30 of 512 units core", "similar curves", "curves diverge",
    "curves diverge", "curves diverge most",
]  # fmt: skip
table.style.format(precision=3)

# %% [markdown]
# ## The claim

# %%
rho = round(float(gaps.corr(mean_div, method="spearman")), 6)  # 0.9 is 0.9, not 0.8999…
bound = 30 / 512  # the paper's "fewer than 30 core units" in model A, as a share of the layer
core_a = int(counts["model A"]["core"])
report.glue(
    {
        "shown_class": shown.replace("_", " "),
        "rho": f"{rho:.2f}",
        "div_A": f"{mean_div['model A']:.3f}",
        "div_E": f"{mean_div['model E']:.3f}",
        "core_A": core_a,
        "units": first.units,
        "core_bound": f"{bound * first.units:.1f}",
        "median_core_A": f"{models['model A'].taxonomy.counts()['core'].median():.0f}",
    }
)
div_rises = "divergence rises with the gap (Spearman ρ ≥ 0.7 over the five models)"
a_below_e = "model A's curves diverge less than model E's"
report.claim(
    "R4",
    "Well-generalized models have similar train and test ROF curves; poorly generalized ones "
    "diverge.",
    paper="similar curves for the well-generalized models, large differences for the poorly "
    "generalized ones; fewer than 30 core units (of 512) in model A",
    ours=(
        f"mean divergence A → E: {', '.join(f'{v:.3f}' for v in mean_div)} nats; Spearman ρ "
        f"with the gap {rho:.2f}; {shown}: {core_a} core units of {first.units} in model A"
    ),
    checks={
        div_rises: rho >= 0.7,
        a_below_e: bool(mean_div["model A"] < mean_div["model E"]),
        f"model A: fewer core units for the class shown than 30/512 of the layer "
        f"({bound * first.units:.1f} of {first.units})": core_a < bound * first.units,
    },
    core=[div_rises, a_below_e],
    profile=profile,
)

# %% [markdown]
# Averaged over all classes, the train and test curves of model A lie {glue:text}`div_A` nats
# apart and those of model E {glue:text}`div_E` nats; across the five models the divergence and
# the generalization gap have a rank correlation of {glue:text}`rho`. For the class shown
# ({glue:text}`shown_class`), model A has {glue:text}`core_A` core units of {glue:text}`units`;
# the paper's bound of 30 of 512 units is {glue:text}`core_bound` units at our layer's width,
# and the median class of model A has {glue:text}`median_core_A` core units. The paper shows
# one class; the table of role proportions over all classes follows on the next pages.
