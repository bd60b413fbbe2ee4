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
proportions = {name: m.taxonomy.proportions() for name, m in models.items()}
ours = roles.mean_std(proportions)  # fractions; columns (role, mean | std)
first = next(iter(models.values())).taxonomy
print(f"{first.units} units at {layer}; {len(first.class_names)} classes per model")

# %% [markdown]
# ## Our five models beside the paper's

# %%
PAPER = roles.mean_std_table(  # Zhao et al. 2023, Table 2 (VGG16, ImageNet), in %
    {
        "model A": [(16.1, 9), (3.1, 1), (1.7, 1), (79.1, 10)],
        "model B": [(25.9, 16), (3.4, 1), (1.8, 1), (68.9, 17)],
        "model C": [(28.6, 20), (11.5, 4), (0.5, 0), (59.4, 22)],
        "model D": [(25.4, 17), (33.9, 11), (0.2, 0), (40.5, 24)],
        "model E": [(17.7, 14), (61.4, 18), (0.0, 0), (20.9, 20)],
    }
)
arch = "VGG16" if profile == "paper" else "vgg16-mini"
ours_label = f"ours ({arch} {layer}, {profile} profile)"
table = pd.concat(
    {
        "paper (VGG16, ImageNet)": roles.format_mean_std(PAPER, std_digits=0),
        ours_label: roles.format_mean_std(ours),
    },
    axis=1,
)
table[(ours_label, "gap")] = [f"{m.gap:.3f}" for m in models.values()]
table

# %%
fig, axes = plots.figure(2, width=7.5, height=3.2, sharey=True)
x = np.arange(len(models))
width = 0.2
for ax, (label, t) in zip(axes, [("paper (VGG16, ImageNet)", PAPER), ("ours", ours)]):
    for i, r in enumerate(roles.ROLES):
        ax.bar(
            x + (i - 1.5) * width, 100 * t[(r, "mean")], width, yerr=100 * t[(r, "std")],
            color=plots.ROLE_COLORS[r], edgecolor="0.3", lw=0.5, error_kw={"lw": 0.7},
            label=r,
        )  # fmt: skip
    ax.set_xticks(x, [name.replace("model ", "") for name in t.index])
    ax.set_xlabel("model (A best generalized → E worst)")
    ax.set_title(label)
axes[0].set_ylabel("units in the role (% of the layer)")
axes[0].legend(fontsize=7)
plots.show()

# %% [markdown]
# Bars are means over classes; whiskers one standard deviation.

# %% [markdown]
# ## The claim

# %%
order = pd.Series(np.arange(len(models)), index=list(models))
mean = {r: ours[(r, "mean")] for r in roles.ROLES}
# rounded: one adjacent swap of five gives ρ = 0.9 exactly, which floating point makes 0.8999…
rho_over = round(float(order.corr(mean["overfitted"], method="spearman")), 6)
rho_conf = round(float(order.corr(mean["confusing"], method="spearman")), 6)
core_band = 100 * float(mean["core"].max() - mean["core"].min())
gen_max = 100 * float(mean["generalizing"].max())
pct = lambda s: " → ".join(f"{100 * v:.1f}" for v in s)
last = list(models)[-1]
train_shape = roles.rof_summary(models[last].taxonomy.train)
report.glue(
    {
        "last_model": last,
        "last_train_min": f"{train_shape['loss_min'].median():.1e}",
        "last_train_rise": f"{train_shape['rise'].median():.1e}",
        "over_A": f"{100 * mean['overfitted'].iloc[0]:.1f}%",
        "over_E": f"{100 * mean['overfitted'].iloc[-1]:.1f}%",
        "conf_A": f"{100 * mean['confusing'].iloc[0]:.1f}%",
        "conf_E": f"{100 * mean['confusing'].iloc[-1]:.1f}%",
        "core_lo": f"{100 * mean['core'].min():.1f}%",
        "core_hi": f"{100 * mean['core'].max():.1f}%",
        "gen_max": f"{gen_max:.1f}%",
        "rho_over": f"{rho_over:.2f}",
        "rho_conf": f"{rho_conf:.2f}",
    }
)
over_rises = f"overfitted rises A → E (Spearman ρ ≥ 0.9; ρ = {rho_over:.2f})"
conf_falls = f"confusing falls A → E (Spearman ρ ≤ −0.9; ρ = {rho_conf:.2f})"
report.claim(
    "R5",
    "From model A to model E the overfitted proportion rises and the confusing proportion falls; "
    "generalizing units stay rare; the core proportion stays in a band.",
    paper="overfitted 3.1 → 3.4 → 11.5 → 33.9 → 61.4%; confusing 79.1 → 68.9 → 59.4 → 40.5 → "
    "20.9%; generalizing ≤ 1.8%; core 16.1–28.6%",
    ours=(
        f"overfitted {pct(mean['overfitted'])}%; confusing {pct(mean['confusing'])}%; "
        f"generalizing ≤ {gen_max:.1f}%; core {100 * mean['core'].min():.1f}–"
        f"{100 * mean['core'].max():.1f}%"
    ),
    checks={
        over_rises: rho_over >= 0.9,
        conf_falls: rho_conf <= -0.9,
        "generalizing rare (mean < 5% in every model)": gen_max < 5,
        f"core in a band (model means within 15 pts; {core_band:.1f} pts)": core_band <= 15,
    },
    core=[over_rises, conf_falls],
    profile=profile,
)

# %% [markdown]
# From model A to model E our overfitted proportion goes from {glue:text}`over_A` to
# {glue:text}`over_E` (rank correlation with the model order {glue:text}`rho_over`) and the
# confusing proportion from {glue:text}`conf_A` to {glue:text}`conf_E`
# ({glue:text}`rho_conf`); generalizing units make up at most {glue:text}`gen_max` of the layer
# in any model, and the core proportion ranges from {glue:text}`core_lo` to {glue:text}`core_hi`.
# Nothing in training favours the test images, so units that help only them (generalizing) are
# rare; units that help only the training images (overfitted) are what memorising looks like from
# inside one layer, and they take the place of confusing units as the gap grows. A caveat for the
# models that fit their training images: there the training curve is flat near zero once a few
# units are on. In {glue:text}`last_model` the median class reaches {glue:text}`last_train_min`
# nats at its training turning point and rises by only {glue:text}`last_train_rise` nats after it,
# so where the training curve turns — and with it the split between overfitted and confusing
# units — rests on very small differences of loss.
