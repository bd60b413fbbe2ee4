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
# ```{glue:md} takeaway
# :format: myst
# ```
#
# If a few units carry a class, removing them together should wreck it while removing as many
# random units should not. Zhou et al. ablate units greedily per class: at each step they add the
# unit whose removal, together with those already removed, lowers that class's accuracy most.
# Here we do the same at the last conv layer of the book's baseline alexnet-mini (ties go to the
# larger class loss), with one safeguard the paper does not state: the units are *chosen* on one
# half of each class's validation images (the 1st, 3rd, 5th, ... image) and *scored* on the
# other half, so the curve measures what the units carry, not how well greedy search fits the
# images it searched on. The baseline removes as many units in random orders, i.e. the same
# fraction of the layer, scored on the same half. We repeat it on several seeds of the recipe;
# each check passes when it passes on every seed, fails when it fails on every seed, and is
# undecided when the seeds split (a majority one seed cannot overturn, of 3). Accuracies are
# measured on each class's images, in %; drops in percentage points, positive = worse.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
layer = "conv5"
seeds = [0, 1, 2]  # baseline instances (greedy search is this page's costly step)
steps = 20  # units removed per class
random_orders = 5  # random removal orders per class, for the baseline
classes_shown = 6  # classes drawn at random for panel (a)
seed = 0  # draws the random orders and the classes shown
# paper profile only
checkpoint = None  # or $UNITROLES_CHECKPOINT
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
        "layer": params.Str(),
        "seeds": params.List(params.Int(min=0), min_len=1),
        "steps": params.Int(min=1),
        "random_orders": params.Int(min=0),
        "classes_shown": params.Int(min=1),
        "seed": params.Int(min=0),
    },
)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import plots, report, study, sweeps, tables, verdicts

plots.use_style()
seeds = run.seeds(seeds)  # paper: your checkpoint; smoke: two seeds, the code path only
if run.smoke:
    steps, random_orders = 3, 2
instances = run.models(seeds)
units_total = sweeps.layer_units(instances[0].model, layer, instances[0].images)
steps = min(steps, units_total)
results = [
    study.held_out_greedy(
        st.model, layer, st.images, st.labels, range(st.num_classes), steps,
        random_orders=random_orders, seed=seed,
    )
    for st in instances
]  # fmt: skip
drops = [r.drops() for r in results]  # per seed: greedy, random (classes, steps + 1), pts
chosen_drops = [r.chosen[:, :1] - r.chosen for r in results]  # in-sample, on the choose half
setup, result = instances[0], results[0]  # panel (a) and the exercises use the first instance
greedy_drop, mean_random = drops[0]
for st in instances:
    print(st.description)

# %%
rng = np.random.default_rng(seed)
shown = sorted(
    rng.choice(setup.num_classes, size=min(classes_shown, setup.num_classes), replace=False)
)
n = np.arange(steps + 1)
fig, (ax_a, ax_b) = plots.figure(2, width=7.0, height=4.0)
for i, k in enumerate(shown):
    colour = plots.PALETTE[i % len(plots.PALETTE)]
    name = tables.pretty(setup.class_names[k])
    ax_a.plot(n, result.greedy[k], color=colour, label=name)
    ax_a.plot(n, result.random[k].mean(0), color=colour, ls=":", lw=1)
ax_a.set(
    xlabel="units ablated", ylabel="class accuracy (%)",
    title=f"(a) seed {seeds[0]}: greedy (solid), random (dotted)",
)  # fmt: skip
# the class names below the panel, off the curves
ax_a.legend(fontsize=plots.SMALL, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
CURVES = {
    "greedy, scored on the held-out half": [g.mean(0) for g, _ in drops],
    "greedy, scored where chosen": [c.mean(0) for c in chosen_drops],
    "random order": [r.mean(0) for _, r in drops],
}
for i, (label, per_seed_curves) in enumerate(CURVES.items()):
    lo, hi = study.seed_band(per_seed_curves)
    ax_b.plot(n, np.mean(per_seed_curves, 0), color=plots.PALETTE[i], label=label,
              ls="--" if "where chosen" in label else "-")  # fmt: skip
    ax_b.fill_between(n, lo, hi, color=plots.PALETTE[i], alpha=0.2, lw=0)
ax_b.set(
    xlabel="units ablated", ylabel="class accuracy drop (pts)",
    title=f"(b) mean over classes, {len(seeds)} seeds",
)  # fmt: skip
top = ax_b.secondary_xaxis(
    "top", functions=(lambda u: 100 * u / units_total, lambda p: p * units_total / 100)
)
top.set_xlabel(f"% of the layer's {units_total} units", fontsize=plots.SMALL)
ax_b.legend(fontsize=plots.SMALL, loc="upper left")  # the curves rise to the right
plots.caption(
    fig,
    f"Greedy ablation at {layer}, units chosen on one half of each class's validation images and "
    f"scored on the other. (a) Seed {seeds[0]}: the accuracy (%) of {len(shown)} classes drawn "
    "at random as units are removed greedily for that class (solid) or in random orders "
    "(dotted). (b) The class accuracy drop in percentage points (positive = worse), mean over "
    f"classes: greedy units scored on the held-out half, the same units scored where they were "
    f"chosen (dashed), and random orders; lines are the mean over {len(seeds)} seeds, bands "
    "their range. The top axis gives the share of the layer removed.",
    alt=f"Two line charts against the number of units ablated (0 to {steps}). Left: class "
    f"accuracy of {', '.join(tables.pretty(setup.class_names[k]) for k in shown)} "
    "as units are removed greedily (solid) or at random (dotted). Right: mean class accuracy "
    "drop; after "
    f"{min(10, steps)} units greedy (held out) costs "
    f"{np.mean([g.mean(0)[min(10, steps)] for g, _ in drops]):.0f} pts and random orders "
    f"{np.mean([r.mean(0)[min(10, steps)] for _, r in drops]):.1f} pts on average over seeds.",
)
plots.show()

# %% [markdown]
# In (b) the lines are the mean over seeds of the mean class drop, and the bands span the lowest
# to the highest seed. The dashed line scores the greedy units on the half they were chosen on:
# the gap between it and the held-out line is what choosing and scoring on the same images adds.

# %%
at = [t for t in (1, 5, 10, 15, 20) if t <= steps]


table = pd.DataFrame(
    {
        "greedy, held out: mean class drop (pts)": [
            verdicts.over_seeds([g.mean(0)[t] for g, _ in drops]) for t in at
        ],
        "greedy, where chosen (pts)": [
            verdicts.over_seeds([c.mean(0)[t] for c in chosen_drops]) for t in at
        ],
        "random: mean class drop (pts)": [
            verdicts.over_seeds([r.mean(0)[t] for _, r in drops]) for t in at
        ],
        "greedy, held out: median class accuracy (%)": [
            verdicts.over_seeds([np.median(r.greedy, axis=0)[t] for r in results]) for t in at
        ],
    },
    index=pd.Index(at, name="units ablated"),
)
table.insert(0, "% of the layer", [round(100 * t / units_total, 1) for t in at])
table["paper: greedy, of 256 units"] = pd.Series({5: "≈ 28", 10: "> 40", 15: "class near 0%"})
display(report.table(table, decimals={"% of the layer": 1}, wrap=True))

# %% [markdown]
# Each cell is the mean over seeds, with the lowest and highest seed in brackets.


# %%
def at_step(curve, t):
    return float(curve[min(t, steps)])


paper_units = max(1, round(units_total * 10 / 256))  # the paper's 10 of 256 units, in our layer
per_seed = pd.DataFrame(
    {
        "seed": s,
        "greedy 5 (pts)": at_step(g.mean(0), 5),
        "greedy 10 (pts)": at_step(g.mean(0), 10),
        "random 10 (pts)": at_step(r.mean(0), 10),
        f"random {paper_units} (pts)": at_step(r.mean(0), paper_units),
        "median class accuracy after 15 (%)": at_step(np.median(res.greedy, axis=0), 15),
    }
    for s, (g, r), res in zip(seeds, drops, results)
).set_index("seed")
gap = "held-out greedy 10 units cost a class ≥ 30 pts more than random 10"
outcomes = {
    gap: list(per_seed["greedy 10 (pts)"] - per_seed["random 10 (pts)"] >= 30),
    "held-out greedy top 5 ≥ 20 pts": list(per_seed["greedy 5 (pts)"] >= 20),
    "held-out greedy top 10 ≥ 35 pts": list(per_seed["greedy 10 (pts)"] >= 35),
    f"random {paper_units} units (the paper's 10 of 256, as a fraction of the layer) < 5 pts": list(
        per_seed[f"random {paper_units} (pts)"] < 5
    ),
    "median class accuracy after 15 held-out greedy units < 10%": list(
        per_seed["median class accuracy after 15 (%)"] < 10
    ),
}
checks, core = study.seed_checks(outcomes, core=[gap])
g5, g10, r10, acc15 = per_seed.iloc[0][
    ["greedy 5 (pts)", "greedy 10 (pts)", "random 10 (pts)", "median class accuracy after 15 (%)"]
]
g10_range = verdicts.over_seeds(per_seed["greedy 10 (pts)"], ".0f", mean=False)
r10_range = verdicts.over_seeds(per_seed["random 10 (pts)"], mean=False)

report.glue(
    {
        "seed0": seeds[0], "n_seeds": len(seeds),
        "g5": f"{g5:.0f}", "g10": f"{g10:.0f}", "r10": f"{r10:.1f}", "acc15": f"{acc15:.0f}",
        "g10_range": g10_range, "r10_range": r10_range,
        "seeds_gap": sum(outcomes[gap]),
        "paper_units": paper_units,
        "paper_pct": f"{100 * paper_units / units_total:.0f}%",
        "ten_pct": f"{100 * min(10, steps) / units_total:.0f}%",
        "units_total": units_total, "layer": layer,
    }
)  # fmt: skip
display(report.table(per_seed, decimals=1))

# %%
report.claim(
    "Z4",
    ours="; ".join(
        f"seed {s}: top 5 {r['greedy 5 (pts)']:.0f} pts, top 10 {r['greedy 10 (pts)']:.0f} pts, "
        f"random 10 {r['random 10 (pts)']:.1f} pts (held out)"
        for s, r in per_seed.iterrows()
    ),
    checks=checks,
    core=core,
    profile=profile,
)

# %%
report.takeaway(
    f"scored on held-out images, removing a class's ten most useful {layer} units costs it "
    f"{g10_range} pts over {len(seeds)} seeds, ten units in a random order {r10_range} pts; the "
    f"greedy ten cost at least 30 pts more than the random ten on {sum(outcomes[gap])} of "
    f"{len(seeds)} seeds. Our layer has {units_total} units, so ten are "
    f"{100 * min(10, steps) / units_total:.0f}% of it.",
    paper="a handful of units carries a class: removing its 5 most useful conv5 units "
    "greedily costs it about 28 pts and 10 units over 40, while as many random units cost "
    "almost nothing.",
    claim="Z4",
)

# %% [markdown]
# On seed {glue:text}`seed0`, scored on the held-out half, removing the five units that matter
# most to a class costs it {glue:text}`g5` pts on average, ten cost {glue:text}`g10` pts
# ({glue:text}`g10_range` pts over the {glue:text}`n_seeds` seeds), and after fifteen the median
# class is at {glue:text}`acc15`% — out of {glue:text}`units_total` units in
# {glue:text}`layer`, so ten units are {glue:text}`ten_pct` of the layer where the paper's ten
# are 4% of 256. Ten units in a random order cost {glue:text}`r10` pts
# ({glue:text}`r10_range` over seeds). The core check is the paper's contrast: ten greedy units
# cost a class at least 30 pts more than ten random ones, on {glue:text}`seeds_gap` of the
# seeds. The paper's "random ≈ 0" is for 10 of 256 units; the check on random ablation removes
# the same fraction of our layer, {glue:text}`paper_units` units ({glue:text}`paper_pct`).

# %% [markdown]
# ## Exercises
#
# The solutions' numbers come from this run: the hidden code cell before each solution computes
# them (expand it to see how).
#
# **1. How many units does a class need?** From panel (a), estimate for each class shown how many
# greedy units it takes to halve its accuracy. Then count it for every class: the first step at
# which the greedy curve is at most half the class's intact accuracy. Does any class fall to half
# within {glue:text}`ex_steps` units of a random order (the mean of the random orders)?


# %% tags=["hide-input", "solution"]
def halving_step(curve):
    """The first number of units ablated at which ``curve`` is at most half its start; None if
    it never gets there."""
    below = np.flatnonzero(curve <= curve[0] / 2)
    return int(below[0]) if len(below) else None


base = result.greedy[:, 0]
alive = np.flatnonzero(base > 0)  # a class at 0% cannot be halved
greedy_half = [halving_step(result.greedy[k]) for k in alive]
random_half = [halving_step(result.random[k].mean(0)) for k in alive]
reached = [t for t in greedy_half if t is not None]
halves = [np.inf if t is None else t for t in greedy_half]
dead = [tables.pretty(setup.class_names[result.classes[i]]) for i in np.flatnonzero(base == 0)]
report.glue(
    {
        "ex_steps": steps,
        "ex1_alive": len(alive),
        "ex1_reached": len(reached),
        "ex1_median": (
            f"the median class gets there after {np.median(halves):g} "
            f"unit{'' if np.median(halves) == 1 else 's'}"
            if len(reached) > len(alive) / 2
            else "the median class does not get there"
        ),
        "ex1_range": (
            "—"
            if not reached
            else f"{min(reached)}–{max(reached)} units"
            if len(set(reached)) > 1
            else f"{reached[0]} unit{'' if reached[0] == 1 else 's'}"
        ),
        "ex1_random": sum(t is not None for t in random_half),
        "ex1_dead": (
            f" ({', '.join(dead)} {'is' if len(dead) == 1 else 'are'} at 0% before any "
            "ablation and left out)"
            if dead
            else ""
        ),
    }
)

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Greedy ablation halves the accuracy of {glue:text}`ex1_reached` of the {glue:text}`ex1_alive`
# classes with a nonzero intact accuracy within {glue:text}`ex_steps` units{glue:text}`ex1_dead`;
# {glue:text}`ex1_median`, and the classes that get there need {glue:text}`ex1_range`.
# Removing units in a random order halves {glue:text}`ex1_random` classes within the same number
# of units. The difference between the two counts measures how unevenly the layer's
# {glue:text}`units_total` units serve a class.
# ```
#
# **2. Is greedy just the single-unit ranking?** Greedy's first step ablates each unit alone,
# which is the sweep of [Fig. 3](zhou2018_fig3_layer_curves.ipynb). On the half of the images
# greedy chose its units on (`study.split_halves`), check that greedy's first accuracy
# (`result.chosen`) equals the lowest class accuracy in that sweep (`sweeps.unit_sweep`). Then
# predict: are
# greedy's first {glue:text}`ex2_t` units the {glue:text}`ex2_t` units whose single ablations hurt
# the class most? And do {glue:text}`ex2_t` units cost a class more or less together than the sum
# of their single costs?

# %% tags=["hide-input", "solution"]
choose, _ = study.split_halves(setup.labels)
single = sweeps.unit_sweep(
    setup.model, layer, setup.images[choose], setup.labels[choose], setup.num_classes
)
chosen_drop = chosen_drops[0]  # on the choose half, like the sweep
single_acc, single_loss = single.class_accuracy(), single.loss.numpy()
single_drop = single.class_drop()
t = min(5, steps)
overlap, together, alone = [], [], []
for i, k in enumerate(result.classes):
    top = np.lexsort((-single_loss[:, k], single_acc[:, k]))[:t]  # greedy's rule, one unit alone
    overlap.append(len(set(top.tolist()) & set(result.order[i, :t].tolist())))
    together.append(chosen_drop[i, t])
    alone.append(single_drop[result.order[i, :t], k].sum())
report.glue(
    {
        "ex2_t": t,
        "ex2_equal": int(np.isclose(result.chosen[:, 1], single_acc.min(0)[result.classes]).sum()),
        "ex2_classes": len(result.classes),
        "ex2_overlap": f"{np.median(overlap):g}",
        "ex2_same": int(sum(o == t for o in overlap)),
        "ex2_together": f"{np.median(together):.0f}",
        "ex2_alone": f"{np.median(alone):.0f}",
        "ex2_compare": (
            "more than"
            if np.median(together) > np.median(alone)
            else "less than"
            if np.median(together) < np.median(alone)
            else "as much as"
        ),
    }
)

# %% [markdown]
# ```{admonition} Solution
# :class: dropdown
# Greedy's first accuracy equals the sweep's lowest accuracy for {glue:text}`ex2_equal` of the
# {glue:text}`ex2_classes` classes. Its first {glue:text}`ex2_t` units share a median of
# {glue:text}`ex2_overlap` units with the class's {glue:text}`ex2_t` most damaging single units,
# and all {glue:text}`ex2_t` for {glue:text}`ex2_same` classes: after the first step, each choice
# depends on the units already removed. Ablated together, greedy's {glue:text}`ex2_t` units cost
# the median class {glue:text}`ex2_together` pts; ablated one at a time, the same units cost it
# {glue:text}`ex2_alone` pts summed over the {glue:text}`ex2_t` ablations: together they cost
# {glue:text}`ex2_compare` the sum of their single costs. Units that can stand in for one another
# cost little alone and more together, and single-unit ablation cannot see it.
# ```
#
# **3. Does greedy destroy only its class?** Greedy chooses a class's units by that class's
# accuracy alone. Ablate each class's first {glue:text}`ex3_t` greedy units together and measure
# every class (`engine.unit_sets` and `sweeps.cached_sweep`). Predict: how much do the other
# classes lose? Which pairs would you expect to suffer together?

# %% tags=["hide-input", "solution"]
from unitroles import engine

t3 = min(10, steps)
units_total = sweeps.layer_units(setup.model, layer, setup.images)
greedy_sets = engine.unit_sets(units_total, [order[:t3].tolist() for order in result.order])
# drops (pts): row i ablates class i's greedy units, column j measures class j
sets = sweeps.cached_sweep(
    setup.model, layer, setup.images, setup.labels, greedy_sets, setup.num_classes,
    name=f"greedy-sets-{layer}",
).class_drop()[:, result.classes]  # fmt: skip
own = np.diag(sets)
off = ~np.eye(len(result.classes), dtype=bool)
pairs = pd.DataFrame(
    [
        {
            "units of": setup.class_names[result.classes[i]],
            "class hurt": setup.class_names[result.classes[j]],
            "its drop (pts)": sets[i, j],
            "own class's drop (pts)": own[i],
        }
        for i, j in zip(*np.nonzero(off))
    ]
).sort_values("its drop (pts)", ascending=False, kind="stable")
if run.synthetic:
    recipes = {c.name: {p.name for p in c.parts} for c in run.world.classes}
    pairs["share an object"] = [
        bool(recipes[a] & recipes[b]) for a, b in zip(pairs["units of"], pairs["class hurt"])
    ]
report.glue(
    {
        "ex3_t": t3,
        "ex3_own": f"{np.median(own):.0f}",
        "ex3_other": f"{sets[off].mean():.1f}",
        "ex3_share": f"{100 * (sets[off] > 10).mean():.0f}%",
        "ex3_pairs": report.table(pairs.head(5), index=False, decimals=1),
    }
)

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# Ablating a class's {glue:text}`ex3_t` greedy units costs that class a median
# {glue:text}`ex3_own` pts and the other classes {glue:text}`ex3_other` pts on average; in
# {glue:text}`ex3_share` of the (units of one class, another class) pairs the other class loses
# more than 10 pts. The five pairs with the largest losses outside the greedy class:
#
# ```{glue} ex3_pairs
# ```
#
# Compare the pairs with the recipes on the [scene world](scenes_world.ipynb) page: classes can
# also share background textures and colours, which are evidence too. Greedy picks the units a
# class depends on most; how many other classes depend on them as well is what this exercise
# measures.
# ````
