"""Zhao et al.'s ladder over seeds: what the Zhao pages measure on each seed of the five models.

The book trains every rung ``gen-A`` … ``gen-E`` from the seeds :data:`unitroles.recipes.
LADDER_SEEDS`. A page that compares the five models measures its quantity on each seed's ladder
(one :func:`unitroles.generalization.generalization_roles` result, ``{"model A": ModelRoles,
…}``) and lets the seeds vote on each check (:func:`unitroles.study.seed_checks`); a page that
shows one model's curves shows the first seed. This module holds the per-seed measurements the
pages share: accuracies (Table 1), curve divergence (Fig. 3), role points and their separation
(Fig. 4) and mean role proportions (Table 2).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import generalization, report, verdicts
from .role_figures import ROLE_SPACE

WELL, POOR = ("model A", "model B"), ("model D", "model E")
"""The well and the poorly generalized pair of Zhao et al.'s Fig. 4 reading ("A and B are quite
similar"; C, D and E "completely different")."""


def accuracy_rows(trained_by_seed: Mapping[int, Mapping[str, object]]) -> pd.DataFrame:
    """Table 1 over seeds: one row per (model, seed) of :func:`unitroles.train.summary`, from
    ``{seed: {"model A": Trained, …}}``."""
    from . import train

    rows = [r for models in trained_by_seed.values() for r in train.summary(dict(models))]
    return seeded(pd.DataFrame(rows))


def seeded(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with an integer ``seed`` column: a missing one (the paper profile's checkpoints,
    one a model) is seed 0."""
    rows = rows.copy()
    seed = pd.to_numeric(rows["seed"], errors="coerce") if "seed" in rows else 0
    rows["seed"] = seed.fillna(0).astype(int) if "seed" in rows else 0
    return rows


def spearman(a, b) -> float:
    """Spearman correlation of two series over the models, rounded to 6 digits (0.9 is 0.9,
    not 0.8999…, for a check's line)."""
    return round(float(pd.Series(a).corr(pd.Series(b), method="spearman")), 6)


def divergence(models: Mapping[str, generalization.ModelRoles]) -> dict:
    """One seed's curve divergence (Fig. 3, claim R4): ``gaps`` and per-model means of
    ``divergence`` and ``shape_divergence`` (Series, A → E), their Spearman ρ with the gap
    (``rho``, ``rho_shape``), the partial Spearman ρ of a class's divergence with the model's
    place in the ladder, each class's loss gap held fixed (``partial``), the (model, class)
    ``points``, each model's mean core proportion over classes (``core``, a Series of fractions)
    and model A's (``core_a``)."""
    points = generalization.divergence_points(dict(models))
    means = points.groupby("model", sort=False)[["divergence", "shape_divergence"]].mean()
    gaps = pd.Series({name: m.gap for name, m in models.items()})
    core = pd.Series({name: m.taxonomy.proportions()["core"].mean() for name, m in models.items()})
    return {
        "gaps": gaps,
        "divergence": means["divergence"],
        "shape_divergence": means["shape_divergence"],
        "rho": spearman(gaps, means["divergence"]),
        "rho_shape": spearman(gaps, means["shape_divergence"]),
        "partial": generalization.partial_spearman(
            points["divergence"], points["rank"], points["loss_gap"]
        ),
        "points": points,
        "core": core,
        "core_a": float(core.iloc[0]),
    }


def role_points(models: Mapping[str, generalization.ModelRoles]) -> pd.DataFrame:
    """One row per (model, class) of one seed: its core, overfitted and confusing proportions (%
    of the layer), with ``model`` and ``class`` columns."""
    return pd.concat(
        {name: m.taxonomy.proportions()[list(ROLE_SPACE)] * 100 for name, m in models.items()},
        names=["model", "class"],
    ).reset_index()


def separation(points: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """How well a class's point tells its model (Fig. 4, claim R6): leave-one-out
    nearest-centroid accuracy (fraction) and the number of points, over the five models
    (``"five"``) and for :data:`WELL` against :data:`POOR` (``"two"``)."""
    xyz, groups = points[list(ROLE_SPACE)].to_numpy(), points["model"].to_numpy()
    pair = points["model"].isin(WELL + POOR).to_numpy()
    two = np.where(np.isin(groups[pair], WELL), "well", "poor")
    return {
        "five": (generalization.nearest_centroid_loo(xyz, groups), len(xyz)),
        "two": (generalization.nearest_centroid_loo(xyz[pair], two), int(pair.sum())),
    }


def role_means(ladder: Mapping[int, Mapping[str, generalization.ModelRoles]]) -> pd.DataFrame:
    """Table 2 over seeds: one row per (model, seed), each role's mean proportion over classes
    (% of the layer) and the model's ``gap`` (fraction)."""
    return pd.DataFrame(
        [
            {
                "model": name, "seed": seed, "gap": m.gap,
                **(100 * m.taxonomy.proportions().mean()).to_dict(),
            }
            for seed, models in ladder.items()
            for name, m in models.items()
        ]
    )  # fmt: skip


def pooled_proportions(
    ladder: Mapping[int, Mapping[str, generalization.ModelRoles]],
) -> dict[str, pd.DataFrame]:
    """Per model, the role proportions of every class of every seed in one frame (for a mean ±
    standard deviation over classes and seeds together, :func:`unitroles.roles.mean_std`)."""
    first = next(iter(ladder.values()))
    return {
        name: pd.concat([models[name].taxonomy.proportions() for models in ladder.values()])
        for name in first
    }


# --- Table 1: the five models' accuracies (claim R3) ----------------------------------------------

GAP_RISES = "gap rises from A to E"
TEST_FALLS = "test accuracy falls at every step from A to E"


def accuracy_means(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Table 1's rows (:func:`accuracy_rows`) averaged over seeds: one row a model (A to E),
    ``train_acc``, ``test_acc``, ``gap`` and ``train_seconds``."""
    cols = ["train_acc", "test_acc", "gap", "train_seconds"]
    return per_seed.groupby("model", sort=False)[cols].mean()


def accuracy_outcomes(per_seed: pd.DataFrame) -> dict[str, list[bool]]:
    """Claim R3's checks on each seed of Table 1's rows (:func:`accuracy_rows`): the gap rises
    from A to E, the smallest gap is below 0.15 and the largest above 0.45 (R3's core), and test
    accuracy falls at every step. Check name -> its outcome per seed."""
    small, large = verdicts.CLAIMS["R3"].core
    passes = {GAP_RISES: [], small: [], large: [], TEST_FALLS: []}
    for _, one in per_seed.groupby("seed"):
        g, t = one["gap"].to_numpy(), one["test_acc"].to_numpy()
        passes[GAP_RISES].append(bool((g[1:] > g[:-1]).all()))
        passes[small].append(bool(g.min() < 0.15))
        passes[large].append(bool(g.max() > 0.45))
        passes[TEST_FALLS].append(bool((t[1:] < t[:-1]).all()))
    return passes


def _joined(values, fmt: str, sep: str = ", ") -> str:
    return sep.join(f"{v:{fmt}}" for v in values)


def accuracy_glue(ours: pd.DataFrame, seeds_n: int) -> dict:
    """Table 1 page's glue from :func:`accuracy_means`: model A's and E's gap and test accuracy,
    the best test accuracy, the test ladder, whether test accuracy falls at every step, and the
    gap and test series (fractions, A to E) the Zhao closing page reads."""
    gaps, test = ours["gap"].to_numpy(), ours["test_acc"].to_numpy()
    best = ours["test_acc"].idxmax()
    falls = (test[1:] < test[:-1]).all()
    return {
        "gap_A": f"{gaps[0]:.3f}", "gap_E": f"{gaps[-1]:.3f}",
        "test_A": f"{test[0]:.3f}", "test_E": f"{test[-1]:.3f}",
        "train_E": f"{ours['train_acc'].iloc[-1]:.3f}",
        "best_test_model": best, "best_test": f"{test.max():.3f}",
        "test_ladder": _joined(test, ".2f", " → "), "seeds_n": seeds_n,
        "gap_series": [round(float(g), 4) for g in gaps],
        "test_series": [round(float(v), 4) for v in test],
        "test_falls": "falls at every step" if falls
        else f"does not fall at every step (the best test accuracy is {best}'s)",
    }  # fmt: skip


def accuracy_ours(ours: pd.DataFrame, seeds_n: int) -> str:
    """Claim R3's "ours" line: the gaps and the test accuracies, A to E."""
    return (
        f"{_joined(ours['gap'], '.3f')} (A → E, mean of {seeds_n} seeds); test accuracy "
        + _joined(ours["test_acc"], ".3f", " → ")
    )


def accuracy_takeaway(ours: pd.DataFrame) -> str:
    """Table 1's takeaway, this run's half: the range of the gaps and the test ladder."""
    gaps = ours["gap"]
    return (
        f"our gaps run from {gaps.min():.3f} to {gaps.max():.3f} (A → E: {_joined(gaps, '.2f')}), "
        f"and test accuracy goes {_joined(ours['test_acc'], '.2f', ' → ')}."
    )


def accuracy_caption(paper: pd.DataFrame, ours: pd.DataFrame) -> dict[str, str]:
    """Caption and alt text (:func:`unitroles.plots.caption`'s ``text`` and ``alt``) of Table 1's
    figure (:func:`unitroles.role_figures.accuracy_panels`), the paper's panel beside ours."""
    return {
        "text": "Train and test accuracy (lines, fractions) and the generalization gap between "
        "them (grey bars) of the five models, A (left) to E: (a) the paper's VGG16s on ImageNet, "
        "(b) our vgg16-minis, the mean over seeds (small marks: each seed).",
        "alt": f"Two panels of accuracy against model A to E. Paper: gaps "
        f"{_joined(paper['gap'], '.2f')}; ours: gaps {_joined(ours['gap'], '.2f')}, test "
        f"accuracy {_joined(ours['test_acc'], '.2f')}.",
    }


def recipe_table(ladders: Mapping[int, Mapping[str, object]] | None, ours: pd.DataFrame):
    """The recipes that trained the ladder (``{seed: {"model A": Trained, …}}``), one row a rung:
    training images, the train accuracy it stops at, the epochs each seed ran, augmentation,
    weight decay, dropout and the mean training time (``ours["train_seconds"]``). ``None`` (the
    paper profile): a note that the checkpoints are the user's."""
    if ladders is None:
        from IPython.display import HTML

        return HTML(
            "<p><em>Paper profile: the five models are your VGG16 checkpoints <code>gen-A.pth"
            "</code> … <code>gen-E.pth</code>; their recipes are yours.</em></p>"
        )
    seeds = sorted(ladders)
    runs = {m: [ladders[s][m] for s in seeds] for m in ladders[seeds[0]]}
    recipes = [ts[0].recipe for ts in runs.values()]  # a rung's seeds differ only in the seed
    table = pd.DataFrame(
        {
            "training images / class": [r.train_per_class for r in recipes],
            "stops at train acc": [f"{r.stop_train_acc:.3f}" for r in recipes],
            "epochs trained (each seed)": [
                ", ".join(str(t.meta.get("epochs_run", t.recipe.epochs)) for t in ts)
                + f" of {ts[0].recipe.epochs}"
                for ts in runs.values()
            ],
            "augmentation": ["flips, shifts ≤ 4 px" if r.augment else "—" for r in recipes],
            "weight decay": [f"{r.weight_decay:g}" for r in recipes],
            "classifier dropout": [f"{r.classifier_dropout:g}" for r in recipes],
            "training time (s, mean)": ours["train_seconds"].round(0).to_numpy(),
        },
        index=pd.Index([r.name for r in recipes], name="recipe"),
    )
    return report.table(table, wrap=["augmentation"])


def trained_ladders(run) -> dict[int, dict[str, object]]:
    """The ladder a page's profile trains (``run``: :class:`unitroles.profiles.Run`): every rung
    ``gen-A`` … ``gen-E`` from every seed of ``run.ladder_seeds``, ``{seed: {"model A": Trained,
    …}}``."""
    from . import train

    return {
        s: {f"model {n[-1]}": run.trained(n, s) for n in train.GENERALIZATION_RECIPES}
        for s in run.ladder_seeds
    }


def paper_accuracy_rows(checkpoint_dir, train_root, val_root, **kw) -> pd.DataFrame:
    """Table 1's rows of the paper profile's five checkpoints (:func:`unitroles.paper.
    generalization_table`, keywords passed on), one a model, as seed 0 (:func:`seeded`)."""
    from . import paper

    return seeded(
        pd.DataFrame(paper.generalization_table(checkpoint_dir, train_root, val_root, **kw))
    )


# --- Fig. 3: train and test curves of five models (claim R4) -------------------------------------

DIV_RISES = "divergence rises with the gap (Spearman ρ ≥ 0.7 over the five models)"
A_BELOW_E = "model A's curves diverge less than model E's"


def core_in_band() -> tuple[str, float, float]:
    """The check that model A's mean core proportion lies in the paper's band (Table 2, model A:
    mean ± 1 sd), with the band's ends (fractions): ``(name, lo, hi)``."""
    from .zhao2023 import TABLE2

    mean, sd = TABLE2.loc["model A", ("core", "mean")], TABLE2.loc["model A", ("core", "std")]
    lo, hi = mean - sd, mean + sd
    name = (
        f"model A's mean core proportion lies in the paper's model A band ({lo:.1%}–{hi:.1%}, "
        "Table 2's mean ± 1 sd)"
    )
    return name, lo, hi


def divergence_outcomes(stats: Mapping[int, dict]) -> dict[str, list[bool]]:
    """Claim R4's checks on each seed's :func:`divergence`: the shape divergence rises with the
    gap (ρ ≥ 0.7) and the partial ρ with the ladder, loss gap held fixed, is ≥ 0.3 (R4's core);
    the divergence rises with the gap, model A diverges less than model E, and model A's core
    proportion lies in the paper's band (:func:`core_in_band`). Check name -> outcome per seed."""
    shape_rises, partial_rises = verdicts.CLAIMS["R4"].core
    band, lo, hi = core_in_band()
    d = list(stats.values())
    return {
        shape_rises: [s["rho_shape"] >= 0.7 for s in d],
        partial_rises: [s["partial"] >= 0.3 for s in d],
        DIV_RISES: [s["rho"] >= 0.7 for s in d],
        A_BELOW_E: [s["divergence"].iloc[0] < s["divergence"].iloc[-1] for s in d],
        band: [lo <= s["core_a"] <= hi for s in d],
    }


def divergence_table(d: dict):
    """Fig. 3's per-model table of one seed's :func:`divergence`: gap, mean divergence and mean
    shape divergence (nats), mean core proportion (%), styled for the page."""
    table = pd.DataFrame(
        {
            "gap": d["gaps"],
            "mean divergence (nats)": d["divergence"],
            "mean shape divergence (nats)": d["shape_divergence"],
            "mean core proportion": d["core"],
        }
    )
    return report.table(table, decimals=3, percent=["mean core proportion"])


def _class_counts(models: Mapping[str, generalization.ModelRoles], k: int) -> dict:
    return {name: m.taxonomy.counts().iloc[k] for name, m in models.items()}


def class_table(models: Mapping[str, generalization.ModelRoles], k: int, d: dict):
    """Class ``k`` in each model of one seed: its units in each role and its train–test
    divergence (nats, from :func:`divergence`'s ``points``), styled for the page."""
    from .roles import ROLES

    counts = _class_counts(models, k)
    shown = next(iter(models.values())).taxonomy.class_names[k]
    points = d["points"]
    div = points[points["class"] == shown].set_index("model")["divergence"]
    table = pd.DataFrame(
        {r: {name: int(c[r]) for name, c in counts.items()} for r in ROLES}
        | {"divergence (nats)": {name: div[name] for name in models}}
    )
    return report.table(table, headers={r: f"{r} units" for r in ROLES}, decimals=3)


def five_models_caption(
    models: Mapping[str, generalization.ModelRoles], k: int, d: dict, layer: str
) -> dict[str, str]:
    """Caption and alt text (:func:`unitroles.plots.caption`'s ``text`` and ``alt``) of Fig. 3
    (:func:`unitroles.role_figures.five_models_figure`) for class ``k`` and one seed's
    :func:`divergence` ``d``."""
    from .tables import pretty

    shown = pretty(next(iter(models.values())).taxonomy.class_names[k])
    counts = _class_counts(models, k)
    units = "; ".join(
        f"{name}: {c['core']} core, {c['overfitted']} overfitted units"
        for name, c in counts.items()
    )
    return {
        "text": f"Train (blue) and test (vermilion) ROF curves of the class {shown} in models A "
        f"to E: cross-entropy (nats) with the first n ranked units of {layer} on; the background "
        "colours each unit's role. Last panel: each model's mean train–test divergence over all "
        "classes (nats) against its generalization gap.",
        "alt": f"Five panels of train and test loss curves for {shown}, one a model, {units}. A "
        f"sixth panel: mean divergence {_joined(d['divergence'], '.3f')} nats against gaps "
        f"{_joined(d['gaps'], '.2f')}.",
    }


def divergence_seed_table(stats: Mapping[int, dict]) -> pd.DataFrame:
    """Per seed (rows): the Spearman ρ of the mean divergence and of the mean shape divergence
    with the gap, and the partial ρ with the ladder, loss gap held fixed (:func:`divergence`)."""
    d = stats.values()
    return pd.DataFrame(
        {
            "ρ (divergence, gap)": [s["rho"] for s in d],
            "ρ (shape divergence, gap)": [s["rho_shape"] for s in d],
            "partial ρ (loss gap held fixed)": [s["partial"] for s in d],
        },
        index=pd.Index(list(stats), name="seed"),
    )


def divergence_glue(
    stats: Mapping[int, dict], models: Mapping[str, generalization.ModelRoles], k: int
) -> dict:
    """Fig. 3 page's glue: the first seed's correlations, divergences, core units of class ``k``
    and core proportion; how divergence ranks with the ladder and with the loss gap over that
    seed's (model, class) points; the shape and partial ρ over seeds."""
    from .tables import pretty

    d = next(iter(stats.values()))
    points, tax = d["points"], next(iter(models.values())).taxonomy
    by_seed = divergence_seed_table(stats)
    rho_with = {c: float(points["divergence"].corr(points[c], method="spearman")) for c in
                ("rank", "loss_gap")}  # fmt: skip
    return {
        "shown_class": pretty(tax.class_names[k]),
        "rho": f"{d['rho']:.2f}", "rho_shape": f"{d['rho_shape']:.2f}",
        "div_A": f"{d['divergence'].iloc[0]:.3f}", "div_E": f"{d['divergence'].iloc[-1]:.3f}",
        "core_A": int(_class_counts(models, k)["model A"]["core"]),
        "units": tax.units, "core_share_A": f"{d['core_a']:.1%}",
        "rho_rank": f"{rho_with['rank']:.2f}", "rho_loss_gap": f"{rho_with['loss_gap']:.2f}",
        "partial": f"{d['partial']:.2f}", "seeds_n": len(stats),
        "partial_seeds": verdicts.over_seeds(by_seed.iloc[:, 2], ".2f", alone=True),
        "shape_seeds": verdicts.over_seeds(by_seed.iloc[:, 1], ".2f", alone=True),
    }  # fmt: skip


def divergence_ours(stats: Mapping[int, dict]) -> str:
    """Claim R4's "ours" line: the first seed's mean divergence A → E, the shape and partial ρ
    over seeds, model A's mean core proportion (first seed)."""
    seed, d = next(iter(stats.items()))
    by_seed = divergence_seed_table(stats)
    return (
        f"seed {seed}: mean divergence A → E: {_joined(d['divergence'], '.3f')} nats; over "
        f"{len(stats)} seeds, Spearman ρ of the shape divergence with the gap "
        f"{verdicts.over_seeds(by_seed.iloc[:, 1], '.2f', alone=True)}, partial ρ with the loss "
        f"gap held fixed {verdicts.over_seeds(by_seed.iloc[:, 2], '.2f', alone=True)}; model A's "
        f"mean core proportion {d['core_a']:.1%} (seed {seed})"
    )


def divergence_takeaway(d: dict) -> str:
    """Fig. 3's takeaway, this run's half, from one seed's :func:`divergence`."""
    div, so = d["divergence"], "so does" if d["rho_shape"] >= 0.7 else "less so does"
    return (
        f"averaged over classes, model A's train and test curves lie {div.iloc[0]:.3f} nats "
        f"apart and model E's {div.iloc[-1]:.3f}; over the five models the divergence follows "
        f"the gap (ρ = {d['rho']:.2f}), and {so} the divergence of the curves' shapes "
        f"(ρ = {d['rho_shape']:.2f})."
    )
