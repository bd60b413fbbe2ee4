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
# # Zhao et al. 2023, Fig. 4: the models in role space
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Each class's role proportions — the shares of the layer's units that are core, overfitted and
# confusing for it (generalizing units are rare and left out) — make a point in three
# dimensions. Zhao et al. plot these points for every ImageNet class and each of their five
# VGG16 models and see the models separate: models A and B (well generalized) lie close
# together, with few core and overfitted units and many confusing ones, while models C, D and E
# move towards more overfitted and fewer confusing units. Here we plot the same points for all
# classes of our five vgg16-mini models at `conv5_3` (units ranked per class by the L1 norm of
# their map on the class's training images; test curve on the world's held-out test split) in
# the three 2-D projections of that 3-D space, which show what a 3-D scatter on a page
# cannot: where each model's cloud lies and how far it overlaps the others. How well the models
# separate is measured by the leave-one-out accuracy of a nearest-centroid rule that assigns each
# class's point to the model whose mean point (over its other classes) is closest.

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
from unitroles import params, profiles

run = profiles.check(globals(), {**params.COMMON, **params.ROF, **params.ZHAO_PAPER})

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from unitroles import ladder, plots, report, role_figures, study, verdicts

plots.use_style()
ladders = run.ladder(layer=layer, rank_by=rank_by)  # by seed: the five models of each
seeds = list(ladders)
models = ladders[seeds[0]]  # the figure shows the first seed; the claim reads every seed
AXES = role_figures.ROLE_SPACE  # core, overfitted, confusing
points = ladder.role_points(models)  # a (model, class) a row, proportions in % of the layer
print(f"{len(points)} points: {len(models)} models × {len(points) // len(models)} classes")


# %%
fig = role_figures.role_space_figure(points)
plots.caption(
    fig,
    "Every class of every model as a point: the share of the layer's units (%) that are core, "
    "overfitted and confusing for it, in the three 2-D projections of the paper's 3-D plot. Small "
    "marks are classes, large outlined marks each model's mean point (letters A–E).",
    alt="Three scatter plots of per-class role proportions for models A to E. Mean points "
    "(core, overfitted, confusing %): "
    + "; ".join(
        f"{name}: {g['core'].mean():.0f}, {g['overfitted'].mean():.0f}, {g['confusing'].mean():.0f}"
        for name, g in points.groupby("model", sort=False)
    )
    + ".",
)
plots.show()


# %% [markdown]
# ## How well the models separate

# %%
per_seed = {seed: ladder.separation(ladder.role_points(ladders[seed])) for seed in seeds}
(accuracy, n5), (two_way, n2) = per_seed[seeds[0]]["five"], per_seed[seeds[0]]["two"]
by_model = points.groupby("model", sort=False)[list(AXES)]
centres = by_model.mean()
centres["spread (mean distance to centre, pts)"] = by_model.apply(
    lambda g: np.linalg.norm(g - g.mean(), axis=1).mean()
)
centres["paper"] = [
    "few core and overfitted, many confusing", "like A, more core and a wider spread",
    "more overfitted, fewer confusing", "more overfitted, fewer confusing",
    "most overfitted, fewest confusing",
]  # fmt: skip
display(report.table(
    centres, decimals=1,
    headers={a: f"{a} (% of units)" for a in AXES},
))  # fmt: skip

# %%
chance = 1 / len(models)
report.glue(
    {
        "seed0": int(seeds[0]),
        "loo_5": f"{accuracy:.0%}",
        "loo_2": f"{two_way:.0%}",
        "chance": f"{chance:.0%}",
        "line_5": f"{2 * chance:.0%}",
        "over_A": f"{centres.loc['model A', 'overfitted']:.1f}%",
        "over_E": f"{centres.loc['model E', 'overfitted']:.1f}%",
        "conf_A": f"{centres.loc['model A', 'confusing']:.1f}%",
        "conf_E": f"{centres.loc['model E', 'confusing']:.1f}%",
    }
)

# %% [markdown]
# Mean point of each model (% of the layer's units) beside the paper's reading of its Fig. 4.
# Leave-one-out nearest-centroid accuracy over the five models: {glue:text}`loo_5`
# (chance {glue:text}`chance`; a detail check asks for twice chance, {glue:text}`line_5`);
# models A and B against models D and E: {glue:text}`loo_2` (the core check's line: 90%).
# Seed {glue:text}`seed0` here; every seed below.

# %% [markdown]
# ## The claim

# %%
# Each accuracy is a share of n points: its 95% interval (Wilson) is the uncertainty a check
# reads against its line; an interval that straddles the line leaves the check undecided.
interval = "{:.0%}–{:.0%}".format
hits5, hits2 = round(accuracy * n5), round(two_way * n2)
ci5, ci2 = verdicts.share_interval(hits5, n5), verdicts.share_interval(hits2, n2)
two, five_way = verdicts.CLAIMS["R6"].core[0], "five models: leave-one-out accuracy ≥ 2× chance"
outcomes = {two: [], five_way: []}
rows = {}
for seed, sep in per_seed.items():
    (acc5, m5), (acc2, m2) = sep["five"], sep["two"]
    h5, h2 = round(acc5 * m5), round(acc2 * m2)
    outcomes[two].append(verdicts.share_check(h2, m2, 0.9))
    outcomes[five_way].append(verdicts.share_check(h5, m5, 2 * chance))
    rows[seed] = {
        "five models (%)": f"{acc5:.0%} ({interval(*verdicts.share_interval(h5, m5))})",
        "A+B vs D+E (%)": f"{acc2:.0%} ({interval(*verdicts.share_interval(h2, m2))})",
    }
display(report.table(pd.DataFrame(rows).T.rename_axis("seed")))

# %% [markdown]
# Per seed: each leave-one-out accuracy with its 95% interval (Wilson).

# %%
checks, core = study.seed_checks(outcomes, core=[two])
twos = [sep["two"][0] for sep in per_seed.values()]
fives = [sep["five"][0] for sep in per_seed.values()]
report.glue(
    {
        "loo_2_seeds": verdicts.over_seeds([100 * v for v in twos], ".0f", alone=True) + "%",
        "loo_5_seeds": verdicts.over_seeds([100 * v for v in fives], ".0f", alone=True) + "%",
    }
)
report.claim(
    "R6",
    ours=(
        f"over {len(seeds)} seeds, A+B vs D+E leave-one-out nearest-centroid accuracy "
        f"{verdicts.over_seeds([100 * v for v in twos], '.0f', alone=True)}% (line 90%); five "
        f"models {verdicts.over_seeds([100 * v for v in fives], '.0f', alone=True)}% (chance "
        f"{chance:.0%}, line {2 * chance:.0%})"
    ),
    checks=checks,
    core=core,
    profile=profile,
)
report.takeaway(
    f"a class's point tells models A and B from D and E by the nearest model centre in "
    f"{verdicts.over_seeds([100 * v for v in twos], '.0f', alone=True)}% of cases over "
    f"{len(seeds)} seeds (the line: 90%), and identifies its model among all five in "
    f"{verdicts.over_seeds([100 * v for v in fives], '.0f', alone=True)}% (chance "
    f"{chance:.0%}); on seed {seeds[0]} the mean point moves from "
    f"{centres.loc['model A', 'overfitted']:.0f}% overfitted and "
    f"{centres.loc['model A', 'confusing']:.0f}% confusing units (A) to "
    f"{centres.loc['model E', 'overfitted']:.0f}% and {centres.loc['model E', 'confusing']:.0f}% "
    "(E).",
    paper="the per-class role proportions of the five models separate in a 3-D plot (judged by "
    "eye).",
    claim="R6",
)
report.glue({"loo_5_ci": interval(*ci5), "loo_2_ci": interval(*ci2)})

# %% [markdown]
# The mean point moves from {glue:text}`over_A` overfitted and {glue:text}`conf_A` confusing
# units in model A to {glue:text}`over_E` and {glue:text}`conf_E` in model E (seed
# {glue:text}`seed0`). On that seed a class's point alone identifies its model in
# {glue:text}`loo_5` of the cases, and tells the two well-generalized models from the two worst
# in {glue:text}`loo_2`. The paper judges separation
# by eye; the nearest-centroid rule is our stand-in for that judgement. Each accuracy is a share
# of a hundred-odd points and carries a binomial uncertainty (95% intervals
# {glue:text}`loo_5_ci` and {glue:text}`loo_2_ci`): a check passes when the interval lies at or
# above its line, fails when it lies below, and is undecided when it straddles the line, where
# models trained on another CPU could land on either side.
#
# **The core check was changed** to say what the paper says (issue 26), before the run that
# shows its outcome: the paper calls models A and B "quite similar", so telling all five apart
# asks more than it claims; A and B against D and E is its claim. Both are evaluated on this run:

# %%
report.check_changes("R6", {n: verdicts.seed_outcomes(v) for n, v in outcomes.items()})
