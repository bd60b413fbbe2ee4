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
# # Zhou et al. 2018, Fig. 4: greedy ablation destroys a class with a handful of units
#
# If a few units carry a class, removing them together should wreck it while removing as many
# random units should not. Zhou et al. ablate units greedily per class: at each step they add the
# unit whose removal, together with those already removed, lowers that class's accuracy most.
# Here we do the same at the last conv layer of the book's baseline alexnet-mini (ties go to the
# larger class loss), and compare with removing units in random orders. Accuracies are measured on
# each class's validation images, in %; drops in percentage points.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
steps = 20  # units removed per class
random_orders = 5  # random removal orders per class, for the baseline
classes_shown = 6  # classes drawn at random for panel (a)
seed = 0
# paper profile only
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
if profile == "smoke":  # seconds, not minutes: the code path, not the science
    steps, random_orders = 3, 2
steps = min(steps, sweeps.layer_units(setup.model, layer, setup.images))
result = sweeps.cached_greedy(
    setup.model, layer, setup.images, setup.labels, range(setup.num_classes), steps,
    random_orders=random_orders, seed=seed,
)  # fmt: skip
greedy_drop = result.greedy[:, :1] - result.greedy  # (classes, steps + 1), pts
random_drop = result.random[:, :, :1] - result.random  # (classes, orders, steps + 1)
print(setup.description)

# %%
rng = np.random.default_rng(seed)
shown = sorted(
    rng.choice(setup.num_classes, size=min(classes_shown, setup.num_classes), replace=False)
)
n = np.arange(steps + 1)
fig, (ax_a, ax_b) = plots.figure(2, width=7.5, height=3.2)
for i, k in enumerate(shown):
    colour = plots.PALETTE[i % len(plots.PALETTE)]
    name = setup.class_names[k].replace("_", " ")
    ax_a.plot(n, result.greedy[k], color=colour, label=name)
    ax_a.plot(n, result.random[k].mean(0), color=colour, ls=":", lw=1)
ax_a.set(
    xlabel="units ablated", ylabel="class accuracy (%)", title="(a) greedy (solid), random (dotted)"
)
ax_a.legend(fontsize=7, ncol=2)
mean_random = random_drop.mean(1)
ax_b.plot(n, greedy_drop.mean(0), label="greedy")
ax_b.fill_between(n, *np.percentile(greedy_drop, [25, 75], axis=0), alpha=0.2)
ax_b.plot(n, mean_random.mean(0), label="random order")
ax_b.fill_between(n, *np.percentile(mean_random, [25, 75], axis=0), alpha=0.2)
ax_b.set(xlabel="units ablated", ylabel="class accuracy drop (pts)", title="(b) mean over classes")
ax_b.legend(fontsize=8)
plots.show()

# %% [markdown]
# Shaded bands span the 25th to 75th percentile over classes.

# %%
at = [t for t in (1, 5, 10, 15, 20) if t <= steps]
table = pd.DataFrame(
    {
        "greedy: mean class drop (pts)": greedy_drop.mean(0)[at],
        "random: mean class drop (pts)": mean_random.mean(0)[at],
        "greedy: median class accuracy (%)": np.median(result.greedy, axis=0)[at],
    },
    index=pd.Index(at, name="units ablated"),
)
table["paper (greedy)"] = pd.Series({5: "≈ 28", 10: "> 40", 15: "class near 0%"})
table.style.format(precision=1, na_rep="—")


# %%
def at_step(curve, t):
    return float(curve[min(t, steps)])


g5, g10 = at_step(greedy_drop.mean(0), 5), at_step(greedy_drop.mean(0), 10)
r10 = at_step(mean_random.mean(0), 10)
acc15 = at_step(np.median(result.greedy, axis=0), 15)
report.glue(
    {
        "g5": f"{g5:.0f}", "g10": f"{g10:.0f}", "r10": f"{r10:.1f}", "acc15": f"{acc15:.0f}",
        "units_total": sweeps.layer_units(setup.model, layer, setup.images), "layer": layer,
    }
)  # fmt: skip
report.claim(
    "Z4",
    "Greedy ablation of a class's most informative units destroys it fast; random units do not.",
    paper="top 5 units ≈ 28 pts, top 10 > 40 pts; random ≈ 0; class near 0% after 10–15 units",
    ours=(
        f"top 5: {g5:.0f} pts, top 10: {g10:.0f} pts; random 10: {r10:.1f} pts; "
        f"median class accuracy after 15: {acc15:.0f}%"
    ),
    checks={
        "greedy top 5 ≥ 20 pts": g5 >= 20,
        "greedy top 10 ≥ 35 pts": g10 >= 35,
        "random 10 < 5 pts": r10 < 5,
        "median class accuracy after 15 units < 10%": acc15 < 10,
    },
    profile=profile,
)

# %% [markdown]
# Removing the five units that matter most to a class costs it {glue:text}`g5` pts on average,
# ten cost {glue:text}`g10` pts, and after fifteen the median class is at {glue:text}`acc15`% —
# out of {glue:text}`units_total` units in {glue:text}`layer`. Ten units in a random order cost
# {glue:text}`r10` pts.
