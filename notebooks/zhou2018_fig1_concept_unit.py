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
# # Zhou et al. 2018, Fig. 1: one concept unit, a few classes
#
# Zhou et al. open with a unit of AlexNet-Places365 conv5 that network dissection labels *bed*.
# Ablating it barely changes the network's overall accuracy, yet bedroom and youth hostel lose
# many points. Here we dissect conv5 of the book's baseline alexnet-mini on the synthetic world's
# Broden-format export, take the unit dissection labels with the world's `bed` object (or, if no
# unit is interpretable as `bed`, the unit with the best object IoU), and ablate it on the
# validation images. Because the world is drawn from recipes, we also know which classes contain
# the concept, which real data cannot tell us. Drops are in percentage points; positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
concept = "bed"  # the object concept to look for first
top_k = 6  # images shown for the unit
dissect_per_class = 50  # images a class in the dissection set (synthetic world)
# paper profile only: AlexNet checkpoint, ImageFolder val split, Broden folder
checkpoint = None  # or $UNITROLES_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
broden_root = None  # or $UNITROLES_BRODEN
eval_per_class = 10

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from unitroles import attributes, plots, report, study
from unitroles.scenes import SceneWorld

plots.use_style()
units = study.unit_study(
    profile, layer=layer, data_scale=data_scale, epoch_scale=epoch_scale,
    world_seed=world_seed, image_size=image_size, dissect_per_class=dissect_per_class,
    checkpoint=checkpoint, val_root=val_root, broden_root=broden_root,
    eval_per_class=eval_per_class,
)  # fmt: skip
setup, names = units.setup, units.class_names
objects = units.dissection.best(["object"])
ious = units.dissection.frame()
if concept in ious and ious[concept].max() > attributes.INTERPRETABLE_IOU:
    unit = int(ious[concept].idxmax())
    unit_concept, chosen_by = concept, f"the unit with the best IoU for `{concept}`"
else:
    unit = int(objects["iou"].idxmax())
    unit_concept = objects.loc[unit, "concept"]
    chosen_by = f"no unit is interpretable as `{concept}`; the unit with the best object IoU"
iou = float(ious.loc[unit, unit_concept])
drops = units.counts.class_drop()[unit]
base_overall = units.counts.base_overall_accuracy()
after_overall = units.counts.overall_accuracy()[unit]
damaged = np.argsort(-drops, kind="stable")[:3]
print(setup.description, f"— top-1 accuracy {base_overall:.1f}%")
print(f"unit {unit}: {chosen_by}; {unit_concept} IoU {iou:.3f}")

# %%
top = attributes.top_images(
    setup.model, layer, setup.images, [unit], k=top_k, thresholds=units.dissection.thresholds
)[unit]
fig = plt.figure(figsize=(7.5, 5.6), constrained_layout=True)
grid = fig.add_gridspec(3, 3, height_ratios=[1.0, 1.5, 1.1])
plots.unit_strip(
    fig.add_subplot(grid[0, :]), setup.display_images(top.indices), top.regions,
    title=f"{layer} unit {unit} ({unit_concept}, IoU {iou:.2f}): top {top_k} validation images",
)  # fmt: skip
ax = fig.add_subplot(grid[1, :])
plots.class_drops(ax, drops, names, title="class accuracy drops when the unit is ablated")
ax.text(
    0.99, 0.95, f"overall accuracy {base_overall:.1f}% → {after_overall:.1f}%",
    transform=ax.transAxes, ha="right", va="top", fontsize=9,
)  # fmt: skip
for j, k in enumerate(damaged):
    sub = grid[2, j].subgridspec(1, 3, wspace=0.05)
    shown = np.flatnonzero(setup.labels.numpy() == k)[:3]
    for i, idx in enumerate(shown):
        a = fig.add_subplot(sub[0, i])
        a.imshow(setup.display_images([idx])[0].permute(1, 2, 0).numpy())
        a.set_axis_off()
        if i == 1:
            a.set_title(f"{names[k].replace('_', ' ')} (−{drops[k]:.0f} pts)", fontsize=8)
plots.show()

# %% [markdown]
# ## The most damaged classes

# %%
base_class = units.counts.base_class_accuracy()
after_class = units.counts.class_accuracy()[unit]
world = SceneWorld(size=image_size, seed=world_seed) if profile != "paper" else None
related = set(study.classes_with(world, unit_concept, "object")) if world else set()
order = np.argsort(-drops, kind="stable")[:6]
table = pd.DataFrame(
    {
        "class": [names[k] for k in order],
        "accuracy before (%)": base_class[order].round(1),
        "after (%)": after_class[order].round(1),
        "drop (pts)": drops[order].round(1),
        f"recipe has {unit_concept}": [k in related for k in order] if world else "n/a",
    }
)
paper = pd.DataFrame(  # Zhou et al. 2018, Fig. 1 (Places365 AlexNet conv5, the bed unit)
    {"class": ["paper: youth hostel", "paper: bedroom"], "drop (pts)": [23, 15]}
)
pd.concat([table, paper], ignore_index=True).fillna("")

# %%
top3_related = sum(k in related for k in damaged)
report.glue(
    {
        "unit": unit,
        "unit_concept": unit_concept,
        "unit_iou": f"{iou:.3f}",
        "base_overall": f"{base_overall:.1f}%",
        "after_overall": f"{after_overall:.1f}%",
        "top_class": names[damaged[0]].replace("_", " "),
        "top_drop": f"{drops[damaged[0]]:.0f}",
        "top3_related": top3_related,
        "pts_per_image": f"{100 / int(setup.labels.bincount().min()):.1f}",
    }
)
checks = {
    "overall accuracy moves by less than 1 pt": bool(abs(base_overall - after_overall) < 1),
    "the most damaged class loses at least 10 pts": bool(drops[damaged[0]] >= 10),
}
if world is not None:
    checks[f"at least 2 of the 3 most damaged classes contain {unit_concept}"] = top3_related >= 2
report.claim(
    "Z1",
    "Ablating one concept-selective unit barely moves overall accuracy but drops a few related "
    "classes a lot.",
    paper="bed unit: overall 50.6% → 50.4%; youth hostel −23 pts, bedroom −15 pts",
    ours=(
        f"{unit_concept} unit {unit}: overall {base_overall:.1f}% → {after_overall:.1f}%; "
        + ", ".join(f"{names[k]} −{drops[k]:.0f} pts" for k in damaged)
    ),
    checks=checks,
    profile=profile,
)

# %% [markdown]
# Unit {glue:text}`unit` is labelled {glue:text}`unit_concept` by dissection (IoU
# {glue:text}`unit_iou`). Removing it takes overall accuracy from {glue:text}`base_overall` to
# {glue:text}`after_overall`, while {glue:text}`top_class` loses {glue:text}`top_drop` pts;
# {glue:text}`top3_related` of the three most damaged classes have the concept in their recipe.
# One validation image is {glue:text}`pts_per_image` pts of a class's accuracy.
