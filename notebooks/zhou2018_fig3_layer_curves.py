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
# # Zhou et al. 2018, Fig. 3: overall versus class-specific damage, layer by layer
#
# Ablating one unit of AlexNet barely moves its overall accuracy, which suggested earlier that
# single units do not matter. Zhou et al. look per class instead: for every unit of a layer they
# record the overall accuracy drop and the largest and smallest drop over classes, and sort the
# units by their largest class drop. Here we ablate every unit of three conv layers of the book's
# baseline alexnet-mini, one at a time, on all validation images. Drops are in percentage points;
# positive means worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layers = ["conv3", "conv4", "conv5"]
# paper profile only: AlexNet checkpoint (e.g. Places365 CSAIL) and an ImageFolder val split
checkpoint = None  # or $UNITROLES_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
eval_per_class = 10

# %%
import numpy as np
import pandas as pd

from unitroles import plots, report, setups, sweeps

plots.use_style()
setup = setups.model_setup(
    profile, data_scale=data_scale, epoch_scale=epoch_scale, world_seed=world_seed,
    image_size=image_size, checkpoint=checkpoint, val_root=val_root,
    eval_per_class=eval_per_class,
)  # fmt: skip
results = {
    layer: sweeps.unit_sweep(setup.model, layer, setup.images, setup.labels, setup.num_classes)
    for layer in layers
}
print(setup.description, f"— top-1 accuracy {100 * setup.accuracy:.1f}%")

# %%
fig, axes = plots.figure(len(layers), width=7.5, height=3.0, sharey=True)
for ax, (layer, counts) in zip(np.atleast_1d(axes), results.items()):
    s = counts.summary().sort_values("max_class_drop", ascending=False)
    rank = np.arange(1, len(s) + 1)
    ax.plot(rank, s["max_class_drop"], label="max class drop")
    ax.plot(rank, s["overall_drop"], label="overall drop")
    ax.plot(rank, s["min_class_drop"], label="min class drop")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_title(layer)
    ax.set_xlabel("units, sorted by max class drop")
np.atleast_1d(axes)[0].set_ylabel("accuracy drop (pts)")
np.atleast_1d(axes)[0].legend(fontsize=8)
plots.show()

# %% [markdown]
# ## Per layer

# %%
rows = {}
for layer, counts in results.items():
    s = counts.summary()
    rows[layer] = {
        "units": len(s),
        "mean overall drop": s["overall_drop"].mean(),
        "largest overall drop": s["overall_drop"].max(),
        "largest max class drop": s["max_class_drop"].max(),
        "units with max class drop > 10 pts (%)": 100 * (s["max_class_drop"] > 10).mean(),
        "median min class drop": s["min_class_drop"].median(),
    }
table = pd.DataFrame(rows).T
paper = pd.DataFrame(  # Zhou et al. 2018, sec. 3.2 and Fig. 3 (Places365 AlexNet)
    {"units": 256, "mean overall drop": "< 1", "largest overall drop": "< 1",
     "largest max class drop": "≈ 50", "units with max class drop > 10 pts (%)": "> 50",
     "median min class drop": "slightly < 0"},
    index=["paper: AlexNet conv5"],
)  # fmt: skip
pd.concat([table.round(2).astype(object), paper])

# %% [markdown]
# The last row gives the figures the paper states for Places365 AlexNet conv5. Our validation
# set has {glue:text}`images_per_class` images a class, so one image is
# {glue:text}`pts_per_image` pts of a class's accuracy.

# %%
last = results[layers[-1]].summary()
per_class = int(setup.labels.bincount().min())
report.glue(
    {
        "images_per_class": per_class,
        "pts_per_image": f"{100 / per_class:.1f}",
        "last_layer": layers[-1],
        "last_mean_overall": f"{last['overall_drop'].mean():.2f}",
        "last_max_class": f"{last['max_class_drop'].max():.0f}",
        "last_share_10": f"{100 * (last['max_class_drop'] > 10).mean():.0f}%",
    }
)
report.claim(
    "Z3",
    "Per layer, a unit's overall drop is tiny while its max class drop is large; the min class "
    "drop is slightly negative.",
    paper="conv5: overall < 1 pt; max class drop up to 50 pts; over half the units > 10 pts",
    ours=(
        f"{layers[-1]}: mean overall {last['overall_drop'].mean():.2f} pts; max class drop up to "
        f"{last['max_class_drop'].max():.0f} pts; {100 * (last['max_class_drop'] > 10).mean():.0f}%"
        " of units > 10 pts"
    ),
    checks={
        "mean overall drop < 1 pt in every layer": bool(table["mean overall drop"].lt(1).all()),
        f"largest max class drop at {layers[-1]} >= 20 pts": bool(
            last["max_class_drop"].max() >= 20
        ),
        f"over half the units of {layers[-1]} > 10 pts": bool(
            (last["max_class_drop"] > 10).mean() > 0.5
        ),
        "median min class drop < 0 in every layer": bool(
            table["median min class drop"].lt(0).all()
        ),
    },
    profile=profile,
)

# %% [markdown]
# At {glue:text}`last_layer`, ablating one unit costs {glue:text}`last_mean_overall` pts of
# overall accuracy on average, yet the worst-hit class loses up to {glue:text}`last_max_class`
# pts, and {glue:text}`last_share_10` of the units drop some class by more than 10 pts. The
# overall drop averages a few large class losses with many small gains, which is why it hides
# what single units do.

# %% [markdown]
# ## Exercises
#
# The solutions' numbers come from this run: the hidden code cell before each solution computes
# them (expand it to see how).
#
# **1. How many images is 10 pts?** The paper counts the units whose max class drop exceeds
# 10 pts. Here one validation image is {glue:text}`pts_per_image` pts of a class's accuracy. How
# many images must a class lose for a unit to count? Recount, for each layer, the share of units
# whose max class drop exceeds 0 pts (any class loses an image), 5, 10 and 20 pts. Up to which of
# these thresholds does "over half the units" hold at {glue:text}`last_layer`?

# %% tags=["hide-input"]
thresholds = [0, 5, 10, 20]
shares = pd.DataFrame(
    {
        f"> {t} pts": {
            layer: 100 * (counts.summary()["max_class_drop"] > t).mean()
            for layer, counts in results.items()
        }
        for t in thresholds
    }
).rename_axis("units (%) with max class drop")
passing = [t for t in thresholds if shares.loc[layers[-1], f"> {t} pts"] > 50]
failing = [t for t in thresholds if t not in passing]
if not passing:
    holds = "no threshold has over half the units above it, not even 0 pts"
elif not failing:
    holds = f"over half the units exceed every threshold, up to {max(passing)} pts"
else:
    holds = (
        f"over half the units exceed {max(passing)} pts, but not {min(failing)} pts: the "
        "share falls as the threshold rises"
    )
report.glue(
    {
        # the fewest images m with 100 m / per_class > 10
        "ex1_images": f"{per_class // 10 + 1} image{'s' if per_class // 10 else ''}",
        "ex1_table": shares.round(1),
        "ex1_holds": holds,
    }
)

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# A class must lose {glue:text}`ex1_images` for its drop to exceed 10 pts. The share of
# units whose max class drop exceeds each threshold:
#
# ```{glue} ex1_table
# ```
#
# At {glue:text}`last_layer`, {glue:text}`ex1_holds`. A threshold in points stands for a number of
# images that depends on the size of the validation set: count it in images before comparing a
# verdict across datasets.
# ````
#
# **2. How many classes does one unit hurt?** For each unit of {glue:text}`last_layer`, count the
# classes whose accuracy drops by more than 10 pts when it is ablated. How many units hurt no
# class, exactly one, or several? How many different classes are hurt by some unit?

# %% tags=["hide-input"]
last_drops = results[layers[-1]].class_drop()
hurt = last_drops > 10  # (units, classes)
per_unit = hurt.sum(1)
per_class_units = hurt.sum(0)
most = int(per_class_units.argmax())
report.glue(
    {
        "ex2_units": len(per_unit),
        "ex2_none": int((per_unit == 0).sum()),
        "ex2_one": int((per_unit == 1).sum()),
        "ex2_several": int((per_unit >= 2).sum()),
        "ex2_classes": int((per_class_units > 0).sum()),
        "ex2_all_classes": setup.num_classes,
        "ex2_most": (
            f"{setup.class_names[most].replace('_', ' ')} is hurt by the most units "
            f"({per_class_units[most]})"
            if per_class_units.any()
            else "no class is hurt by any unit"
        ),
        "ex2_reading": (
            "No unit hurts a class by that much"
            if not per_unit.any()
            else "Most of the units that hurt a class hurt only one"
            if (per_unit == 1).sum() > (per_unit >= 2).sum()
            else "Most of the units that hurt a class hurt several"
            if (per_unit == 1).sum() < (per_unit >= 2).sum()
            else "As many units hurt one class as hurt several"
        ),
    }
)

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Of the {glue:text}`ex2_units` units, {glue:text}`ex2_none` hurt no class by more than 10 pts,
# {glue:text}`ex2_one` hurt exactly one and {glue:text}`ex2_several` hurt two or more. Between
# them they hurt {glue:text}`ex2_classes` of the {glue:text}`ex2_all_classes` classes;
# {glue:text}`ex2_most`. {glue:text}`ex2_reading`: the max class drop sees this, the overall drop
# averages it away.
# ```
#
# **3. Who gains when a class loses?** Where a unit's min class drop is negative, removing the
# unit *helps* some classes. Predict which. For every unit that hurts some class, take its most
# damaged class and the classes it helps (negative drop). Using the world's recipes (the
# [scene world](scenes_world.ipynb) page), how often does a helped class share an object with the
# most damaged class, compared with the other classes? Why would it?

# %% tags=["hide-input"]
rows = {}
if profile != "paper":
    from unitroles.scenes import SceneWorld

    recipes = SceneWorld(size=image_size, seed=world_seed).classes
    parts = [{p.name for p in c.parts} for c in recipes]
    shares_object = np.array([[bool(a & b) for b in parts] for a in parts])
    for layer, counts in results.items():
        drops = counts.class_drop()
        helped, other = [], []
        for d in drops[drops.max(1) > 0]:
            worst = int(d.argmax())
            rest = np.arange(len(d)) != worst
            helped += list(shares_object[worst, (d < 0) & rest])
            other += list(shares_object[worst, rest])
        rows[layer] = {
            "(unit, helped class) pairs": len(helped),
            "helped classes sharing an object (%)": 100 * np.mean(helped) if helped else np.nan,
            "all other classes sharing an object (%)": 100 * np.mean(other) if other else np.nan,
        }
gains = pd.DataFrame(rows).T
if len(gains):
    gains["(unit, helped class) pairs"] = gains["(unit, helped class) pairs"].astype(int)
    helped_pct = gains["helped classes sharing an object (%)"]
    other_pct = gains["all other classes sharing an object (%)"]
    more = int((helped_pct > other_pct).sum())
    outcome = f"in {more} of the {len(gains)} layers"
else:
    outcome = "n/a (no recipes under the paper profile)"
report.glue({"ex3_table": gains.round(1), "ex3_more": outcome})

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# ```{glue} ex3_table
# ```
#
# Why it would: a unit that supports the damaged class's score raises that score on every image,
# including images of classes that look like the damaged class (they share its objects) and that
# the network wrongly gives to it. Without the unit, some of those images return to their own
# class, which gains. If this is how classes gain, a helped class should share an object with the
# damaged class more often than the other classes do. It does {glue:text}`ex3_more`. This is one
# way a unit's min class drop comes to be negative.
# ````
