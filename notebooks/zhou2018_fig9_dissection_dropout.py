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
# # Zhou et al. 2018, Fig. 9: channel dropout and interpretable units
#
# Dropping whole conv5 channels during training spreads class information over many units (Fig.
# 8). Does it also make units less interpretable? Zhou et al. dissect conv5 of the baseline
# AlexNet-Places365 and of the same network trained with channel dropout on conv5, and count the
# units that network dissection calls interpretable (best concept IoU > 0.04), concept by concept.
# We do the same for the book's baseline alexnet-mini and its `dropout-conv5` sibling on the
# synthetic world's Broden-format export.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
recipes = ["baseline", "dropout-conv5"]
dissect_per_class = 50
# paper profile only: one checkpoint per recipe, same order
checkpoints = [None, None]
val_root = None  # or $UNITROLES_VAL_ROOT
broden_root = None  # or $UNITROLES_BRODEN
eval_per_class = 10

# %%
import numpy as np
import pandas as pd

from unitroles import attributes, plots, report, setups

plots.use_style()
broden, transform = setups.dissection_data(
    profile, world_seed=world_seed, image_size=image_size,
    per_class=max(2, round(dissect_per_class * data_scale)), broden_root=broden_root,
)  # fmt: skip
models, best = {}, {}
for recipe, checkpoint in zip(recipes, checkpoints):
    setup = setups.model_setup(
        profile, recipe=recipe, data_scale=data_scale, epoch_scale=epoch_scale,
        world_seed=world_seed, image_size=image_size, checkpoint=checkpoint, val_root=val_root,
        eval_per_class=eval_per_class,
    )  # fmt: skip
    dissection = attributes.cached_dissection(setup.model, layer, broden, transform)
    models[recipe] = setup
    best[recipe] = dissection.best()
    print(setup.description, f"— top-1 accuracy {100 * setup.accuracy:.1f}%")

# %%
counts = pd.DataFrame(
    {r: b[b["interpretable"]].groupby(["category", "concept"]).size() for r, b in best.items()}
).fillna(0)
counts = counts.astype(int).sort_values(recipes, ascending=False)
fig, ax = plots.figure(width=7.5, height=3.2)
x = np.arange(len(counts))
width = 0.8 / len(recipes)
for i, recipe in enumerate(recipes):
    label = f"{recipe} ({100 * models[recipe].accuracy:.1f}% val)"
    ax.bar(x + (i - (len(recipes) - 1) / 2) * width, counts[recipe], width, label=label)
ax.set_xticks(x, [f"{c} ({cat})" for cat, c in counts.index], rotation=60, ha="right", fontsize=7)
ax.set_ylabel("interpretable units")
ax.set_title(f"{layer}: units whose best concept has IoU > {attributes.INTERPRETABLE_IOU}")
ax.legend(fontsize=8)
plots.show()

# %% [markdown]
# ## Per category

# %%
per_category = pd.DataFrame(
    {r: b[b["interpretable"]].groupby("category").size() for r, b in best.items()}
).fillna(0)
per_category.loc["all"] = per_category.sum()
per_category.loc["distinct concepts"] = [
    b.loc[b["interpretable"], "concept"].nunique() for b in best.values()
]
per_category.loc["units in the layer"] = [len(b) for b in best.values()]
per_category.loc["mean best IoU"] = [b["iou"].mean() for b in best.values()]
per_category.round(3)

# %%
base, drop = (int(best[r]["interpretable"].sum()) for r in recipes[:2])
report.glue(
    {
        "n_base": base,
        "n_drop": drop,
        "n_units": len(best[recipes[0]]),
        "distinct_base": int(per_category.loc["distinct concepts", recipes[0]]),
        "distinct_drop": int(per_category.loc["distinct concepts", recipes[1]]),
    }
)
report.claim(
    "Z10",
    "Channel dropout reduces the number of interpretable units (network dissection).",
    paper="histogram per concept; dropout greatly reduces the number of interpretable units",
    ours=(
        f"{recipes[0]}: {base} interpretable units; {recipes[1]}: {drop} "
        f"(of {len(best[recipes[0]])})"
    ),
    checks={f"{recipes[1]} has fewer interpretable units than {recipes[0]}": drop < base},
    profile=profile,
)

# %% [markdown]
# Of {glue:text}`n_units` conv5 units, dissection finds {glue:text}`n_base` interpretable in the
# baseline ({glue:text}`distinct_base` distinct concepts) and {glue:text}`n_drop` in the model
# trained with channel dropout on conv5 ({glue:text}`distinct_drop` distinct concepts).
