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
# # Zhou et al. 2018, Fig. 2: a gallery of ablated units
#
# Fig. 2 of the paper shows five units, each with its top images, the class accuracy drops its
# ablation causes (sorted) and the overall accuracy before and after. The most damaged classes
# match what the unit shows (a waterfall unit costs *waterfall* 50 pts), while a few unrelated
# classes gain slightly. We draw the same panels for units of the book's baseline alexnet-mini
# conv5: the interpretable units (dissection IoU > 0.04) that damage some class most, topped up
# with the most damaging units if there are too few. The world's recipes say which classes
# contain each unit's concept. Drops are in percentage points; positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
n_units = 5  # units in the gallery
top_k = 5  # images shown per unit
dissect_per_class = 50
# paper profile only
checkpoint = None  # or $UNITROLES_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
broden_root = None  # or $UNITROLES_BRODEN
eval_per_class = 10

# %%
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
table = units.table()
ranked = table.sort_values("max_class_drop", ascending=False, kind="stable")
chosen = list(ranked.index[ranked["interpretable"]][:n_units])
chosen += [u for u in ranked.index if u not in chosen][: n_units - len(chosen)]
drops = units.counts.class_drop()
tops = attributes.top_images(
    setup.model, layer, setup.images, chosen, k=top_k, thresholds=units.dissection.thresholds
)
print(setup.description, f"— top-1 accuracy {units.counts.base_overall_accuracy():.1f}%")

# %%
fig, axes = plots.figure(
    2, len(chosen), width=7.5, height=1.55 * len(chosen), gridspec_kw={"width_ratios": [1.6, 1]}
)
axes = np.atleast_2d(axes)
base = units.counts.base_overall_accuracy()
for row, u in zip(axes, chosen):
    r = table.loc[u]
    plots.unit_strip(
        row[0], setup.display_images(tops[u].indices), tops[u].regions,
        title=f"unit {u}: {r['concept']} ({r['category']}, IoU {r['iou']:.2f})",
    )  # fmt: skip
    plots.class_drops(row[1], drops[u], names, label_top=2)
    row[1].set_title(
        f"overall {base:.1f}% → {base - r['overall_drop']:.1f}%", fontsize=8, loc="right"
    )
    row[1].set_xlabel("")
    row[1].set_ylabel("drop (pts)", fontsize=8)
axes[-1, 1].set_xlabel("classes, sorted by drop")
plots.show()

# %% [markdown]
# ## The gallery in numbers

# %%
world = SceneWorld(size=image_size, seed=world_seed) if profile != "paper" else None


def related(r) -> str | bool:
    if world is None:
        return "n/a"
    k = names.index(r["most_damaged"])
    return k in study.classes_with(world, r["concept"], r["category"])


gallery = table.loc[chosen, ["concept", "category", "iou", "overall_drop", "max_class_drop"]]
gallery["most damaged class"] = table.loc[chosen, "most_damaged"]
gallery["recipe of that class has the concept"] = [related(table.loc[u]) for u in chosen]
gallery["largest gain (pts)"] = -table.loc[chosen, "min_class_drop"]
gallery["classes that gain"] = (drops[chosen] < 0).sum(1)
paper = pd.DataFrame(  # Zhou et al. 2018, Fig. 2 and sec. 3.2
    {"concept": ["paper: waterfall unit"], "most damaged class": ["waterfall"],
     "max_class_drop": [50], "overall_drop": ["< 1"]},
)  # fmt: skip
pd.concat([gallery.round(2).astype(object), paper]).fillna("")

# %%
matches = [bool(related(table.loc[u])) for u in chosen] if world else []
gains = -table.loc[chosen, "min_class_drop"]
report.glue(
    {
        "n_units": len(chosen),
        "n_match": sum(matches) if world else "n/a",
        "median_max_drop": f"{table.loc[chosen, 'max_class_drop'].median():.0f}",
        "median_gain": f"{gains.median():.0f}",
        "max_overall": f"{table.loc[chosen, 'overall_drop'].abs().max():.2f}",
    }
)
checks = {
    "every shown unit moves overall accuracy by less than 1 pt": bool(
        table.loc[chosen, "overall_drop"].abs().lt(1).all()
    ),
    "every shown unit makes some class gain": bool((gains > 0).all()),
    "each unit's largest gain is smaller than its largest drop": bool(
        (gains < table.loc[chosen, "max_class_drop"]).all()
    ),
}
if world is not None:
    checks["the most damaged class contains the unit's concept for at least half the units"] = (
        sum(matches) >= len(chosen) / 2
    )
report.claim(
    "Z2",
    "The most damaged classes match what the unit detects; a few classes gain slightly.",
    paper="waterfall unit: waterfall −50 pts; gains small and unrelated",
    ours=(
        f"{len(chosen)} units: median max class drop "
        f"{table.loc[chosen, 'max_class_drop'].median():.0f} pts, median largest gain "
        f"{gains.median():.0f} pts"
        + (f"; concept in the most damaged class for {sum(matches)} of {len(chosen)}" * bool(world))
    ),
    checks=checks,
    profile=profile,
)

# %% [markdown]
# For {glue:text}`n_match` of the {glue:text}`n_units` units the most damaged class has the
# unit's concept in its recipe. The worst-hit class loses a median {glue:text}`median_max_drop`
# pts, while no unit moves overall accuracy by more than {glue:text}`max_overall` pts. Some
# classes gain when a unit is removed (median largest gain {glue:text}`median_gain` pts); the
# paper found such gains semantically unrelated to the unit and did not show them.
