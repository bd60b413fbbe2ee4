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
# # Zhao et al. 2023, Table 2: role proportions over all classes
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# For every class, the ROF test splits the units of the last conv layer into core, overfitted,
# generalizing and confusing units; the **role proportion** of a class is the share of the
# layer's units in each role, $P_k^{(R)} = |U_R(k)| / N$. Zhao et al. average these over all
# ImageNet classes for their five VGG16 models and find that from model A (best generalized) to
# model E (worst) the overfitted proportion rises from 3.1% to 61.4% and the confusing proportion
# falls from 79.1% to 20.9%, while generalizing units stay rare and the core proportion stays
# between 16% and 29%. Here we do the same at `conv5_3` of our five vgg16-mini models over all
# classes of the world: units ranked per class by the L1 norm of their map on the class's
# training images (the images each model was trained on, without augmentation), test curve on
# the world's held-out test split. Proportions are in % of the layer's units, mean ± standard
# deviation (sample, ddof = 1) over classes.

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

from unitroles import (
    generalization,
    ladder,
    plots,
    report,
    role_figures,
    roles,
    study,
    verdicts,
    zhao2023,
)  # fmt: skip

plots.use_style()
ladders = run.ladder(layer=layer, rank_by=rank_by)  # by seed: the five models of each
seeds = list(ladders)
models = ladders[seeds[0]]  # the tolerance study below reads the first seed
# fractions; columns (role, mean | std over the classes of every seed together)
ours = roles.mean_std(ladder.pooled_proportions(ladders))
seed_means = ladder.role_means(ladders)  # a (model, seed) a row: role means over classes (%)
first = next(iter(models.values())).taxonomy
print(f"{first.units} units at {layer}; {len(first.class_names)} classes per model; seeds {seeds}")

# %% [markdown]
# ## Our five models beside the paper's

# %%
side = zhao2023.beside_paper(  # Table 2 and Table 1's gaps; "%" in the headers, not the cells
    zhao2023.TABLE2,
    ours,
    paper_gaps=zhao2023.TABLE1["gap"],
    our_gaps=seed_means.groupby("model", sort=False)["gap"].mean(),
)
display(
    report.table(
        side,
        headers={role: f"{role} (%)" for role in roles.ROLES},
        caption="Role proportions in % of the layer's units, mean ± standard deviation over "
        "classes; gap: training minus test accuracy. Paper: VGG16 on ImageNet (Tables 1 and 2); "
        f"ours: {run.arch('vgg16-mini', 'VGG16')} {layer}, {profile} profile, the classes of "
        f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} together (mean gap over seeds).",
    )
)

# %% [markdown]
# How much a model's proportions move from seed to seed: each role's mean over classes, as the
# mean over seeds and, in brackets, its range (the seed band).

# %%
band = zhao2023.seed_table(seed_means, {r: f"{r} (%)" for r in roles.ROLES}, fmt=".1f")
paper_means = (100 * zhao2023.TABLE2.xs("mean", axis=1, level=1)).round(1)
band.insert(2, "overfitted, paper (%)", paper_means["overfitted"].map("{:.1f}".format).to_numpy())
band["confusing, paper (%)"] = paper_means["confusing"].map("{:.1f}".format).to_numpy()
display(report.table(band))


# %%
fig = role_figures.proportion_bars(
    {"(a) paper (VGG16, ImageNet)": zhao2023.TABLE2, "(b) ours": ours}
)
plots.caption(
    fig,
    "Mean role proportion over classes (% of the layer's units; whiskers: one standard "
    "deviation over classes) for models A to E: the paper's Table 2 (left) and our run (right).",
    alt="Grouped bars of core, overfitted, generalizing and confusing proportions for models A to "
    "E. Ours, overfitted: "
    + ", ".join(f"{100 * v:.0f}%" for v in ours[("overfitted", "mean")])
    + "; confusing: "
    + ", ".join(f"{100 * v:.0f}%" for v in ours[("confusing", "mean")])
    + ".",
)
plots.show()


# %% [markdown]
# ## Where a turning point sits on a flat curve
#
# A model that fits its training images well has a training ROF curve that is nearly flat once
# enough units are on, so its exact minimum — the paper's turning point $n_0 = \arg\min_n E(n)$ —
# can sit anywhere along that floor, decided by differences of a few millionths of a nat, and
# with it the split between overfitted and confusing units. So we also read the turning point
# with a tolerance $\varepsilon$: the first $n$ whose loss is within $\varepsilon$ of the
# curve's fall, $E(n) \le \min E + \varepsilon\,(E(0) - \min E)$, for $\varepsilon$ = 0 (the
# paper's reading), 0.1% and 1%.

# %%
trends = {eps: generalization.role_trend(models, eps) for eps in generalization.TOLERANCES}
pct = lambda s: " → ".join(f"{100 * v:.1f}" for v in s)
sensitivity = pd.DataFrame(
    {
        f"ε = {eps:.1%}": {
            "overfitted A → E (%)": pct(t.means["overfitted"]),
            "confusing A → E (%)": pct(t.means["confusing"]),
            "core A → E (%)": pct(t.means["core"]),
            "ρ (overfitted, order)": f"{t.rho_over:.2f}",
            "ρ (confusing, order)": f"{t.rho_conf:.2f}",
            "largest generalizing mean (%)": f"{100 * t.gen_max:.1f}",
            "median n0, train, A → E (units)": " → ".join(
                f"{np.median(m.taxonomy.with_tolerance(eps).n0_train):.0f}" for m in models.values()
            ),
            "median n0, test, A → E (units)": " → ".join(
                f"{np.median(m.taxonomy.with_tolerance(eps).n0_test):.0f}" for m in models.values()
            ),
        }
        for eps, t in trends.items()
    }
)
display(report.table(sensitivity))

# %% [markdown]
# Each column reads the turning points of seed {glue:text}`seed0`'s models at one tolerance; the
# last two rows give the median class's turning point on the training and on the test curve, in
# units of the layer.

# %%
# The diagnosis (seed {seeds[0]}): how far apart the two turning points of the median class sit,
# at ε = 0 and 0.1%
last_name = list(models)[-1]
apart = {
    eps: float(
        np.median(
            models[last_name].taxonomy.with_tolerance(eps).n0_train
            - models[last_name].taxonomy.with_tolerance(eps).n0_test
        )
    )
    for eps in generalization.TOLERANCES[:2]
}
over_small = trends[generalization.TOLERANCES[1]].means["overfitted"]
report.glue(
    {
        "apart_exact": f"{apart[0.0]:.0f}",
        "apart_tolerant": f"{apart[generalization.TOLERANCES[1]]:.0f}",
        "over_E_tolerant": f"{100 * over_small[last_name]:.1f}%",
        "over_reading": (
            "Most of our overfitted units therefore lower the training loss by less than "
            f"{generalization.TOLERANCES[1]:.1%} of the curve's fall each: the training curve "
            "descends very slowly after the test curve has turned, and the exact argmin counts "
            "every unit of that slow descent as overfitted."
            if over_small[last_name] < 0.5 * trends[0.0].means.loc[last_name, "overfitted"]
            else f"Most overfitted units remain at ε = {generalization.TOLERANCES[1]:.1%}: they "
            "lower the training loss by more than that share of its fall, not only on a floor."
        ),
        "eps_small": f"{generalization.TOLERANCES[1]:.1%}",
    }
)

# %% [markdown]
# ## The claim

# %%
labels = {
    "over_rises": "overfitted rises A → E (Spearman ρ ≥ 0.9 at every ε)",
    "conf_falls": "confusing falls A → E (Spearman ρ ≤ −0.9 at every ε)",
    "gen_rare": "generalizing rare (mean < 5% in every model, at every ε)",
    "core_band": "core in a band (model means within 15 pts at every ε)",
}
seed_trends = {  # seed -> tolerance -> Trend
    s: {eps: generalization.role_trend(ladders[s], eps) for eps in generalization.TOLERANCES}
    for s in seeds
}
per_tolerance = {  # check -> seed -> its outcome at each tolerance
    n: {s: [t.checks()[n] for t in tr.values()] for s, tr in seed_trends.items()} for n in labels
}
passes = {labels[n]: [all(v) for v in by_seed.values()] for n, by_seed in per_tolerance.items()}
hinges = [
    n for n, by_seed in per_tolerance.items() if any(len(set(v)) > 1 for v in by_seed.values())
]
eps_list = ", ".join(f"{eps:.1%}" for eps in generalization.TOLERANCES)
base = trends[0.0]  # seed 0, ε = 0
mean = {  # each role's mean over classes, A → E, averaged over seeds (ε = 0)
    r: seed_means.groupby("model", sort=False)[r].mean() / 100 for r in roles.ROLES
}
rhos = {k: [getattr(tr[0.0], k) for tr in seed_trends.values()] for k in ("rho_over", "rho_conf")}
gen_max = max(tr[0.0].gen_max for tr in seed_trends.values())
last = list(models)[-1]
train_shape = roles.rof_summary(models[last].taxonomy.train)
checks, core = study.seed_checks(passes, core=[labels["over_rises"], labels["conf_falls"]])


def seed_range(col: str, model: str) -> str:
    """A role's mean proportion (%) of one model over seeds: mean (range)."""
    return verdicts.over_seeds(seed_means.loc[seed_means.model == model, col], ".1f", alone=True)


report.glue(
    {
        "seed0": int(seeds[0]),
        "seeds_n": len(seeds),
        "last_model": last,
        "last_train_min": f"{train_shape['loss_min'].median():.1e}",
        "last_train_rise": f"{train_shape['rise'].median():.1e}",
        "over_A": seed_range("overfitted", "model A") + "%",
        "over_E": seed_range("overfitted", last) + "%",
        "conf_A": seed_range("confusing", "model A") + "%",
        "conf_E": seed_range("confusing", last) + "%",
        "core_lo": f"{100 * mean['core'].min():.1f}%",
        "core_hi": f"{100 * mean['core'].max():.1f}%",
        "gen_max": f"{100 * gen_max:.1f}%",
        "rho_over": verdicts.over_seeds(rhos["rho_over"], ".2f", alone=True),
        "rho_conf": verdicts.over_seeds(rhos["rho_conf"], ".2f", alone=True),
        "tolerances": eps_list,
        **{  # read by the Zhao closing page: mean proportions A → E (fractions), mean of seeds
            f"{r}_series": [round(float(v), 4) for v in mean[r]] for r in roles.ROLES
        },
        "hinge": (
            "The conclusion does not hinge on the tolerance: on every seed every check comes out "
            f"the same at ε = {eps_list}, so the numbers quoted are the paper's reading (ε = 0)."
            if not hinges
            else "The conclusion hinges on the tolerance on some seed for: "
            + "; ".join(labels[n].split(" (")[0] for n in hinges)
            + ". The verdict counts a check as passed on a seed only when it passes there at "
            "every tolerance."
        ),
    }
)
report.claim(
    "R5",
    ours=(
        f"mean over {len(seeds)} seeds: overfitted {pct(mean['overfitted'])}%; confusing "
        f"{pct(mean['confusing'])}%; generalizing ≤ {100 * gen_max:.1f}% (any seed); core "
        f"{100 * mean['core'].min():.1f}–{100 * mean['core'].max():.1f}%; ρ (overfitted, order) "
        f"{verdicts.over_seeds(rhos['rho_over'], '.2f', alone=True)} (turning points at ε = 0; "
        f"checks at ε = {eps_list})"
    ),
    checks=checks,
    core=core,
    profile=profile,
)
report.takeaway(
    f"from model A to model E our overfitted proportion goes {pct(mean['overfitted'])}% and the "
    f"confusing proportion {pct(mean['confusing'])}% (means of {len(seeds)} seeds; rank "
    "correlations with the model order "
    f"{verdicts.over_seeds(rhos['rho_over'], '.2f', alone=True)} and "
    f"{verdicts.over_seeds(rhos['rho_conf'], '.2f', alone=True)}); generalizing units stay at "
    f"most {100 * gen_max:.1f}% of the layer."
    + (
        " The reading does not depend on how the turning point is taken."
        if not hinges
        else " Part of it depends on how the turning point is taken on a flat curve (see below)."
    ),
    paper="overfitted units rise from 3.1% (model A) to 61.4% (model E) of the layer while "
    "confusing units fall from 79.1% to 20.9%; generalizing units are rare.",
    claim="R5",
)

# %% [markdown]
# Over {glue:text}`seeds_n` seeds (mean and range), from model A to model E our overfitted
# proportion goes from {glue:text}`over_A` to {glue:text}`over_E` (rank correlation with the
# model order {glue:text}`rho_over`) and the confusing proportion from {glue:text}`conf_A` to
# {glue:text}`conf_E` ({glue:text}`rho_conf`); generalizing units make up at most
# {glue:text}`gen_max` of the layer in any model, and the core proportion ranges from
# {glue:text}`core_lo` to {glue:text}`core_hi`.
# {glue:text}`hinge`
#
# **Where the overfitted units come from.** In {glue:text}`last_model` (seed
# {glue:text}`seed0`), the median over classes
# of $n_0^{train} - n_0^{test}$ is {glue:text}`apart_exact` units at ε = 0 and
# {glue:text}`apart_tolerant` at ε = {glue:text}`eps_small`, where the overfitted proportion is
# {glue:text}`over_E_tolerant`. {glue:text}`over_reading` The paper does not say how flat its
# curves are there, so whether its 61% overfitted units in model E are of this kind cannot be
# told from the paper.
#
# Nothing in training favours the test images, so units that help only them (generalizing) are
# rare; units that help only the training images (overfitted) are what memorising looks like from
# inside one layer, and they take the place of confusing units as the gap grows. Our models stop
# training at the paper's training accuracy rather than at zero loss, so their training curves
# keep a floor above zero: in {glue:text}`last_model` the median class reaches
# {glue:text}`last_train_min` nats at its training turning point and rises by
# {glue:text}`last_train_rise` nats after it.
