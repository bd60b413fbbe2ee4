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
# # Zhou et al. 2018, Fig. 7: units against random directions
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Is the class-specific damage of ablating one unit a property of the units, or would any
# direction of the layer's representation do the same? Zhou et al. rotate the layer's channel
# space by a random orthogonal matrix, which leaves the network's outputs unchanged, and ablate
# each axis of the rotated basis in turn: the activation's projection on that random direction is
# removed at every position. Then they sort the directions by their max class drop, as for units,
# and compare the curves, and the same for the overall drop. Here we do this at the last conv layer
# of the book's alexnet-mini (`conv5`) and at `layer4` of a resnet18-mini, each trained from
# several seeds, on all validation images, with several random rotations per model. Every check is
# made model by model and passes when it holds on every seed (a majority one seed cannot
# overturn, of 3), fails when it fails on every seed, and is undecided when they split. Drops are in
# percentage points (pts); positive means worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
alexnet_layer = "conv5"
resnet_layer = "layer4"
resnet_recipe = "resnet18"
seeds = [0, 1, 2]  # training seeds of each network (book and smoke profiles)
rotation_seeds = 5  # random rotations (seeds 0..n-1) of each model
# paper profile only: AlexNet and ResNet18 checkpoints and an ImageFolder val split
checkpoint = None  # AlexNet, or $UNITROLES_CHECKPOINT
resnet_checkpoint = None  # ResNet18, or $UNITROLES_RESNET_CHECKPOINT
val_root = None  # or $UNITROLES_VAL_ROOT
eval_per_class = 10


# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(
    globals(),
    {
        **params.COMMON,
        **params.ZHOU_PAPER,
        "resnet_checkpoint": params.Path("file", env="UNITROLES_RESNET_CHECKPOINT"),
        "alexnet_layer": params.Str(),
        "resnet_layer": params.Str(),
        "resnet_recipe": params.Str(),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "rotation_seeds": params.Int(min=1),
    },
)

# %%
from functools import partial

import numpy as np
import pandas as pd
import torch
from IPython.display import display

from unitroles import drop_curves, engine, plots, report, sweeps, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: one published checkpoint a network; smoke: the code path
networks = {  # name: (recipe, architecture, checkpoint parameter, layer)
    "AlexNet": ("baseline", "alexnet", "checkpoint", alexnet_layer),
    "ResNet18": (resnet_recipe, "resnet18", "resnet_checkpoint", resnet_layer),
}
rows = []  # one per (network, seed, ablated basis): the summary of its sorted curves
max_drops = {}  # (network, seed, "units" | rotation) -> max class drop per unit or direction
overall = {}  # the same keys -> overall drop per unit or direction
for name, (recipe, arch, parameter, layer) in networks.items():
    for seed in seeds:
        setup = run.model(
            recipe, seed=seed, arch=arch, checkpoint=run[parameter], parameter=parameter
        )
        args = (setup.model, layer, setup.images, setup.labels)
        width = sweeps.layer_units(setup.model, layer, setup.images)
        # one shard per sweep: the layer's prefix runs once over the images, not once per 16
        summaries = {
            "units": sweeps.unit_sweep(*args, setup.num_classes, shard_size=width).summary()
        }
        # every rotation's basis stacked into one sweep: rows r * width .. (r + 1) * width - 1
        bases = torch.cat([engine.random_rotation(width, r) for r in range(rotation_seeds)])
        rotated = sweeps.cached_sweep(
            *args, engine.directions(bases), setup.num_classes, name=f"rotations-{layer}",
            shard_size=len(bases),
        ).summary().reset_index(drop=True)  # fmt: skip
        for r in range(rotation_seeds):
            summaries[r] = rotated.iloc[r * width : (r + 1) * width]
        for basis, summary in summaries.items():
            max_drops[name, seed, basis] = summary["max_class_drop"].to_numpy()
            overall[name, seed, basis] = summary["overall_drop"].to_numpy()
            rows.append(
                {"network": name, "seed": seed, "basis": basis,
                 **drop_curves.summary(summary["max_class_drop"]),
                 "overall": summary["overall_drop"].mean()}
            )  # fmt: skip
        print(f"{name}: {setup.description} — top-1 accuracy {100 * setup.accuracy:.1f}%")
stats = pd.DataFrame(rows)
stats["ablated"] = np.where(stats["basis"] == "units", "units", "random")

# %%
fig, axes = plots.figure(2, 2, width=7.0, height=5.6)
for row, (name, (*_, layer)) in enumerate(networks.items()):
    for col, (drops, what) in enumerate([(max_drops, "max class drop"), (overall, "overall drop")]):
        ax = axes[row, col]
        unit_curves = drop_curves.stack([drops[name, s, "units"] for s in seeds])
        # per model: the rank-by-rank mean of its rotations' sorted curves
        random_curves = np.stack(
            [drop_curves.stack([drops[name, s, r] for r in range(rotation_seeds)]).mean(0)
             for s in seeds]
        )  # fmt: skip
        plots.seed_band(ax, unit_curves, label="units", color=plots.PALETTE[0])
        plots.seed_band(ax, random_curves, label="random directions", color=plots.PALETTE[1])
        if col == 0:
            head_units = drop_curves.head_size(unit_curves.shape[1])
            ax.axvspan(0.5, head_units + 0.5, color="0.5", alpha=0.12, lw=0)
            ax.axhline(drop_curves.OVER_PTS, color="0.5", lw=0.8, ls=":")
        ax.axhline(0, color="0.5", lw=0.8)
        letter = "abcdefgh"[list(axes.flat).index(ax)]
        ax.set_title(f"({letter}) {name} {layer}: {what}" + (",\nits own scale" if col else ""))
        ax.set_xlabel(f"units or directions, sorted by {what}")
        ax.set_ylabel(f"{what} (pts)")
fig.legend(
    *axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
    fontsize=plots.SMALL,
)  # fmt: skip
plots.caption(
    fig,
    "Ablating units (blue) against ablating the axes of a random rotation of the same layer "
    "(orange), "
    + " and ".join(f"{name} {layer}" for name, (*_, layer) in networks.items())
    + ". (a, c) Max class drop; (b, d) overall drop (its own, much smaller scale); in "
    "percentage points, positive = worse, each curve sorted largest first. Lines: mean over "
    f"{len(seeds)} training seeds (random: each model's mean over {rotation_seeds} rotations "
    "first); bands: their range. Grey strip: the curve's head; dotted line: "
    f"{drop_curves.OVER_PTS:g} pts.",
    alt="Four line charts of sorted drops, units against random directions. "
    + "; ".join(
        f"{name} {layer}: head of the max class drop curve "
        f"{means.loc[(name, 'units'), 'head']:.1f} pts for units, "
        f"{means.loc[(name, 'random'), 'head']:.1f} pts for random directions; mean overall "
        f"drop {means.loc[(name, 'units'), 'overall']:.2f} against "
        f"{means.loc[(name, 'random'), 'overall']:.2f} pts"
        for name, (*_, layer) in networks.items()
        for means in [stats.groupby(["network", "ablated"]).mean(numeric_only=True)]
    )
    + ".",
)
plots.show()

# %% [markdown]
# Each curve sorts the ablations of one layer by the drop shown, largest first. The unit line is
# the rank-by-rank mean of the sorted curves of {glue:text}`n_seeds` training seeds and its band
# their minimum to maximum; the random line does the same with each model's rank-by-rank mean over
# {glue:text}`rotation_seeds` random rotations. The grey strip is the curve's *head*, its top
# {glue:text}`head_pct`% of units, and the dotted line {glue:text}`over_pts` pts: the part of the
# curve the paper's figure shows apart. The overall-drop panels have their own, much smaller
# scale (the paper magnifies its overall panels 1000 times).

# %%
units = stats[stats["ablated"] == "units"].set_index(["network", "seed"])
random = stats[stats["ablated"] == "random"].groupby(["network", "seed"])
random_mean, random_max = random.mean(numeric_only=True), random.max(numeric_only=True)
columns = {
    "head": f"top {round(100 * drop_curves.HEAD_FRACTION)}% mean max class drop (pts)",
    "over": f"share over {drop_curves.OVER_PTS:g} pts (%)",
    "mean": "mean max class drop (pts)",
    "largest": "largest max class drop (pts)",
    "overall": "mean overall drop (pts)",
}


table = pd.DataFrame(
    {
        f"{name} {networks[name][3]}: {what}": {
            title: verdicts.over_seeds(
                frame.loc[name, column], ".2f" if column == "overall" else ".1f"
            )
            for column, title in columns.items()
        }
        for name in networks
        for what, frame in [("units", units), ("random", random_mean)]
    }
)  # (statistics, network and basis)
table["paper: AlexNet conv5, ResNet18 layer4"] = pd.Series(  # Zhou et al. 2018, sec. 3.4, Fig. 7
    {columns["head"]: "units above random", columns["mean"]: "units above random",
     columns["overall"]: "units above random; gap small (axis × 1000)"}
).reindex(table.index, fill_value="—")  # fmt: skip
display(report.table(table.rename_axis("mean over models (range)"), wrap=True))

# %% [markdown]
# Each cell gives the mean over the {glue:text}`n_seeds` models and, in brackets, their range; a
# random cell first averages each model's {glue:text}`rotation_seeds` rotations. The paper states
# its result as curves, not numbers; its row gives what the figure shows.
#
# The checks below are made model by model. The core check is the paper's central statement at
# both networks: the head of the units' max class drop curve (the mean of its top
# {glue:text}`head_pct`%) lies above that of *every* rotation of the same model, so above the
# spread of random bases, not only their mean. The details: the share of units over
# {glue:text}`over_pts` pts and the mean max class drop (the whole curve) also lie above every
# rotation's, and the overall-drop gap between units and random directions is small. With
# {glue:text}`num_classes` classes, a drop confined to one class moves overall accuracy by a
# {glue:text}`num_classes`th of it; we call the overall gap small when it is under a tenth of the
# gap in mean max class drop.

# %%
gap = units["mean"] - random_mean["mean"]  # (network, seed), pts
overall_gap = units["overall"] - random_mean["overall"]
checks, core = {}, []
for name, (*_, layer) in networks.items():
    where = f"{name} {layer}"
    per_seed = {
        "the head of the units' max class drop curve (top "
        f"{round(100 * drop_curves.HEAD_FRACTION)}% mean) above every rotation's": (
            units.loc[name, "head"] > random_max.loc[name, "head"]
        ),
        f"the share of units over {drop_curves.OVER_PTS:g} pts above every rotation's": (
            units.loc[name, "over"] > random_max.loc[name, "over"]
        ),
        "the units' mean max class drop above every rotation's": (
            units.loc[name, "mean"] > random_max.loc[name, "mean"]
        ),
        "the overall gap under a tenth of the mean max class drop gap": (
            overall_gap.loc[name].abs() < 0.1 * gap.loc[name].abs()
        ),
    }
    # no unit and no direction of any rotation over the line on any seed: no side can pass
    over_possible = bool(
        (units.loc[name, "over"] > 0).any() or (random_max.loc[name, "over"] > 0).any()
    )
    for k, (what, passes) in enumerate(per_seed.items()):
        possible = over_possible or "share of units over" not in what
        seeds_text = verdicts.on_seeds(passes.to_numpy(), seeds)
        if not possible:
            seeds_text = f"none over {drop_curves.OVER_PTS:g} pts on any seed"
        check = f"{where}: {what}, {seeds_text}"
        checks[check] = verdicts.informative(verdicts.seed_vote(passes.to_numpy()), possible)
        if k == 0:
            core.append(check)

span = partial(verdicts.over_seeds, mean=False)  # "10.1–14.2": the range over the models


def over_sentence() -> str:
    """The share of units over the line against random directions', or that none reach it."""
    parts, nowhere = [], []
    for name in networks:
        u, r = units.loc[name, "over"], random_max.loc[name, "over"]
        if (u > 0).any() or (r > 0).any():
            shares = span(u, ".0f"), span(random_mean.loc[name, "over"], ".0f")
            parts.append(
                f"{shares[0]}% of units against {shares[1]}% of random directions at {name}"
            )
        else:
            nowhere.append(name)
    text = ""
    if parts:
        text = f"The share dropping some class by more than {drop_curves.OVER_PTS:g} pts is " + (
            " and ".join(parts) + " (range over the models). "
        )
    if nowhere:
        text += (
            f"At {' and '.join(nowhere)} no unit and no random direction drops any class by more "
            f"than {drop_curves.OVER_PTS:g} pts on any model, so the check on that share cannot "
            "tell units from random directions: it is *not informative* and counts neither way."
        )
    return text.strip()


keys = {"AlexNet": "alexnet", "ResNet18": "resnet"}
head_wins = units["head"] > random_max["head"]
report.glue(
    {
        "n_seeds": len(seeds),
        "rotation_seeds": rotation_seeds,
        "head_pct": round(100 * drop_curves.HEAD_FRACTION),
        "over_pts": f"{drop_curves.OVER_PTS:g}",
        "alexnet_layer_name": alexnet_layer,
        "resnet_layer_name": resnet_layer,
        "num_classes": setup.num_classes,
        **{f"head_units_{k}": span(units.loc[n, "head"]) for n, k in keys.items()},
        **{f"head_random_{k}": span(random_mean.loc[n, "head"]) for n, k in keys.items()},
        **{f"head_wins_{k}": int(head_wins.loc[n].sum()) for n, k in keys.items()},
        **{f"over_units_{k}": span(units.loc[n, "over"], ".0f") for n, k in keys.items()},
        **{f"over_random_{k}": span(random_mean.loc[n, "over"], ".0f")
           for n, k in keys.items()},
        **{f"mean_units_{k}": span(units.loc[n, "mean"]) for n, k in keys.items()},
        **{f"mean_random_{k}": span(random_mean.loc[n, "mean"]) for n, k in keys.items()},
        **{f"ogap_{k}": span(overall_gap.loc[n], ".2f") for n, k in keys.items()},
        **{f"gap_{k}": span(gap.loc[n]) for n, k in keys.items()},
        "over_sentence": over_sentence(),
    }
)  # fmt: skip
report.claim(
    "Z8",
    ours="; ".join(
        f"{name} {layer}: top {round(100 * drop_curves.HEAD_FRACTION)}% mean max class drop "
        f"{span(units.loc[name, 'head'])} (units) vs "
        f"{span(random_mean.loc[name, 'head'])} pts (random), overall gap "
        f"{span(overall_gap.loc[name], '.2f')} pts, over {len(seeds)} seeds"
        for name, (*_, layer) in networks.items()
    ),
    checks=checks,
    core=core,
    profile=profile,
)

# %%
report.takeaway(
    " ".join(
        f"At {name} {layer}, the head of the units' max class drop curve lies above every "
        f"random rotation's on {int(head_wins.loc[name].sum())} of {len(seeds)} seeds "
        f"({span(units.loc[name, 'head'])} pts for units, "
        f"{span(random_mean.loc[name, 'head'])} for random directions)."
        for name, (*_, layer) in networks.items()
    ),
    paper="ablating units costs single classes more than ablating random directions of the same "
    "layer (AlexNet conv5, ResNet18 layer4), while the overall-drop gap is tiny: the network's "
    "units, not just its representation, carry class-specific information.",
    claim="Z8",
)

# %% [markdown]
# Read the curves from the left. At AlexNet's {glue:text}`alexnet_layer_name` the top
# {glue:text}`head_pct`% of units drop their worst class by {glue:text}`head_units_alexnet` pts
# on average (range over the models), the top {glue:text}`head_pct`% of random directions by
# {glue:text}`head_random_alexnet` pts; the units' head lies above every rotation's on
# {glue:text}`head_wins_alexnet` of {glue:text}`n_seeds` models. At ResNet18's
# {glue:text}`resnet_layer_name` the two are {glue:text}`head_units_resnet` and
# {glue:text}`head_random_resnet` pts, above every rotation on {glue:text}`head_wins_resnet` of
# {glue:text}`n_seeds` models. {glue:text}`over_sentence`
#
# Over the whole curve, the mean max class drop is {glue:text}`mean_units_alexnet`
# pts for units against {glue:text}`mean_random_alexnet` pts for random directions at AlexNet,
# {glue:text}`mean_units_resnet` against {glue:text}`mean_random_resnet` pts at ResNet18. Where the
# unit curve starts above the random one and ends below it, a few units concentrate class
# information that random directions spread over many. On overall accuracy the gaps are
# {glue:text}`ogap_alexnet` and {glue:text}`ogap_resnet` pts, against max-class gaps of
# {glue:text}`gap_alexnet` and {glue:text}`gap_resnet` pts.
