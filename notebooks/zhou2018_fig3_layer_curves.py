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
