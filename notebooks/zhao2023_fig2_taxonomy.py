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
# — and check the partition for every class of the five models.

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

# %%
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from unitroles import plots, report, roles

plots.use_style()
models = roles.generalization_roles(
    profile, data_scale=data_scale, epoch_scale=epoch_scale, world_seed=world_seed,
    image_size=image_size, layer=layer, rank_by=rank_by, checkpoint_dir=checkpoint_dir,
    train_root=train_root, val_root=val_root, per_class=eval_per_class,
)  # fmt: skip
first = models[model_names[0]].taxonomy
k = roles.representative_class(first.test) if class_name is None else first.class_index(class_name)
shown = first.class_names[k]
print(f"class shown: {shown}")

# %%
fig, axes = plots.figure(2, 2, width=7.5, height=5.8)
cmap = ListedColormap([plots.ROLE_COLORS[r] for r in roles.ROLES])
for col, (name, letters) in enumerate(zip(model_names, ("ac", "bd"))):
    tax = models[name].taxonomy
    ax_curve, ax_map = axes[0, col], axes[1, col]
    n = np.arange(tax.units + 1)
    n0_train, n0_test = int(tax.n0_train[k]), int(tax.n0_test[k])
    plots.role_bands(ax_curve, n0_train, n0_test, tax.units)
    ax_curve.plot(n, tax.train.loss[k], color=plots.PALETTE[0], label="train curve")
    ax_curve.plot(n, tax.test.loss[k], color=plots.PALETTE[3], label="test curve")
    ax_curve.plot(n0_train, tax.train.loss[k, n0_train], "o", color=plots.PALETTE[0])
    ax_curve.plot(n0_test, tax.test.loss[k, n0_test], "o", color=plots.PALETTE[3])
    ax_curve.set(
        xlabel="units switched on, n (in rank order)", ylabel="cross-entropy E(n) (nats)",
        title=f"({letters[0]}) {shown.replace('_', ' ')}, {name} (gap {models[name].gap:.2f})",
    )  # fmt: skip
    ax_curve.legend(handles=ax_curve.get_lines()[:2], fontsize=8)
    ranked = np.take_along_axis(tax.roles(), tax.train.order, axis=1)  # roles in rank order
    by_core = np.argsort(tax.counts()["core"].to_numpy(), kind="stable")
    ax_map.imshow(
        ranked[by_core], aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5, interpolation="none",
        extent=(0, tax.units, len(ranked), 0),
    )  # fmt: skip
    ax_map.set(
        xlabel="units switched on, n (in rank order)", ylabel="classes (by core units)",
        title=f"({letters[1]}) every class of {name}",
    )  # fmt: skip
    ax_map.set_yticks([])
    ax_map.grid(False)
plots.role_legend(fig)
plots.show()

# %% [markdown]
# (a, b) Dots mark the two turning points; the bands colour the units by role in the order they
# are switched on. (c, d) Each row is one class, its units in that class's rank order, coloured the
# same way.

# %% [markdown]
# ## The class shown, and the partition in every model

# %%
definitions = {
    "core": "U0(train) ∩ U0(test)  (3)",
    "overfitted": "U0(train) ∩ (Ul − U0(test))  (4)",
    "generalizing": "U0(test) ∩ (Ul − U0(train))  (5)",
    "confusing": "(Ul − U0(train)) ∩ (Ul − U0(test))  (6)",
}


def ranks(tax, role):
    """The ranks (1 = switched on first) of class ``k``'s units in ``role``, as ``first–last``."""
    ranked = np.take_along_axis(tax.roles(), tax.train.order, axis=1)[k]
    at = np.flatnonzero(ranked == roles.ROLES.index(role)) + 1
    return "—" if not len(at) else f"{at[0]}–{at[-1]}" if len(at) > 1 else str(at[0])


table = {"paper's definition": definitions}
for name in model_names:
    tax = models[name].taxonomy
    table[f"{name}: units"] = {r: int(tax.sets()[r][k].sum()) for r in roles.ROLES}
    table[f"{name}: ranks"] = {r: ranks(tax, r) for r in roles.ROLES}
pd.DataFrame(table)

# %%
rows = {}
for name, m in models.items():
    s, c = m.taxonomy.sets(), m.taxonomy.roles()
    ranked_m = np.take_along_axis(c, m.taxonomy.train.order, axis=1)
    band = np.where(ranked_m == 3, 2, ranked_m)  # core 0, overfitted 1 | generalizing 2, confusing
    rows[name] = {
        "classes": len(c),
        "classes partitioned (7)": int(roles.is_partition(s).sum()),
        "classes in bands (core, o|g, confusing)": int((np.diff(band, axis=1) >= 0).all(1).sum()),
        "classes with both overfitted and generalizing units": int(
            (s["overfitted"].any(1) & s["generalizing"].any(1)).sum()
        ),
    }
partition = pd.DataFrame(rows).T
partition

# %% [markdown]
# ## The claim

# %%
total = int(partition["classes"].sum())
per_model = {}
for i, name in enumerate(model_names):
    tax = models[name].taxonomy
    per_model[name] = {"n0_train": int(tax.n0_train[k]), "n0_test": int(tax.n0_test[k])} | {
        r: int(tax.sets()[r][k].sum()) for r in roles.ROLES
    }
    report.glue({f"m{i}_{key}": value for key, value in per_model[name].items()} | {f"m{i}": name})
report.glue({"shown_class": shown.replace("_", " "), "class_model_pairs": total})
report.claim(
    "R2",
    "The four roles partition the layer: core = active on both the training and the test curve, "
    "overfitted = training only, generalizing = test only, confusing = neither.",
    paper="definitions (3)–(7), drawn as a sketch (Fig. 2)",
    ours=(
        f"{int(partition['classes partitioned (7)'].sum())} of {total} (class, model) pairs "
        f"partitioned; {shown}: "
        + "; ".join(
            f"{name}: n0 = {c['n0_train']} (train), {c['n0_test']} (test) → "
            + ", ".join(f"{c[r]} {r}" for r in roles.ROLES)
            for name, c in per_model.items()
        )
    ),
    checks={
        "eqs. (3)–(6) partition the layer (7) for every class of every model": bool(
            (partition["classes partitioned (7)"] == partition["classes"]).all()
        ),
        "roles form bands of the rank order for every class": bool(
            (partition["classes in bands (core, o|g, confusing)"] == partition["classes"]).all()
        ),
        "no class has both overfitted and generalizing units": bool(
            (partition["classes with both overfitted and generalizing units"] == 0).all()
        ),
    },
    profile=profile,
)

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
