"""Zhao et al.'s ladder over seeds: what the Zhao pages measure on each seed of the five models.

The book trains every rung ``gen-A`` … ``gen-E`` from the seeds :data:`unitroles.recipes.
LADDER_SEEDS`. A page that compares the five models measures its quantity on each seed's ladder
(one :func:`unitroles.generalization.generalization_roles` result, ``{"model A": ModelRoles,
…}``) and lets the seeds vote on each check (:func:`unitroles.study.seed_checks`); a page that
shows one model's curves shows the first seed. This module holds the per-seed measurements the
pages share: accuracies (Table 1), curve divergence (Fig. 3), role points and their separation
(Fig. 4) and mean role proportions (Table 2); and, for the Fig. 3 and Table 2 pages, their
checks over seeds, tables, captions, glue and the claim's lines (R4, R5) written from them, each
claim judged in one :class:`~unitroles.report.Judged` (:func:`judge_divergence`,
:func:`judge_proportions`) beside the paper's statement (:data:`PAPER_R4`, :data:`PAPER_R5`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import generalization, report, study, verdicts
from .report import Judged
from .role_figures import ROLE_SPACE
from .zhao2023 import TABLE2, joined

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

PAPER_R4 = (
    "well-generalized models have similar train and test ROF curves, poorly generalized ones "
    "diverge (one class, five VGG16s)."
)
"""Zhao et al.'s Fig. 3, in words: the statement R4's takeaway quotes."""
DIV_RISES = "divergence rises with the gap (Spearman ρ ≥ 0.7 over the five models)"
A_BELOW_E = "model A's curves diverge less than model E's"


def core_in_band() -> tuple[str, float, float]:
    """The check that model A's mean core proportion lies in the paper's band (Table 2, model A:
    mean ± 1 sd), with the band's ends (fractions): ``(name, lo, hi)``."""
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


def divergence_votes(stats: Mapping[int, dict]) -> dict[str, bool | None]:
    """Every check of :func:`divergence_outcomes`, the replaced ones included, voted over the
    seeds (for :func:`unitroles.report.check_changes`)."""
    return {n: verdicts.seed_vote(v) for n, v in divergence_outcomes(stats).items()}


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
        f"sixth panel: mean divergence {joined(d['divergence'], '.3f')} nats against gaps "
        f"{joined(d['gaps'], '.2f')}.",
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
        f"seed {seed}: mean divergence A → E: {joined(d['divergence'], '.3f')} nats; over "
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


def judge_divergence(
    stats: Mapping[int, dict], models: Mapping[str, generalization.ModelRoles], k: int
) -> Judged:
    """Claim R4 judged on every seed's :func:`divergence` (``stats``, in seed order), each check
    voted over the seeds (:func:`divergence_outcomes`), with the numbers the prose reads
    (:func:`divergence_glue`; ``models``: the first seed's, ``k``: the class shown), the card's
    line and the first seed's takeaway. The page shows the rewritten checks later, after its
    prose (:func:`divergence_votes`), so ``changes`` stays empty."""
    checks, core = study.seed_checks(divergence_outcomes(stats), core=verdicts.CLAIMS["R4"].core)
    return Judged(
        checks, core, divergence_ours(stats), divergence_takeaway(next(iter(stats.values()))),
        divergence_glue(stats, models, k),
    )  # fmt: skip


# --- Table 2: mean role proportions A to E (claim R5) ---------------------------------------------

PAPER_R5 = (
    "overfitted units rise from 3.1% (model A) to 61.4% (model E) of the layer while confusing "
    "units fall from 79.1% to 20.9%; generalizing units are rare."
)
"""Zhao et al.'s Table 2, in words: the statement R5's takeaway quotes."""

TREND_CHECKS = {
    "over_rises": "overfitted rises A → E (Spearman ρ ≥ 0.9 at every ε)",
    "conf_falls": "confusing falls A → E (Spearman ρ ≤ −0.9 at every ε)",
    "gen_rare": "generalizing rare (mean < 5% in every model, at every ε)",
    "core_band": "core in a band (model means within 15 pts at every ε)",
}
"""Claim R5's checks (:meth:`unitroles.generalization.Trend.checks`' keys -> the names shown)."""
TREND_CORE = (TREND_CHECKS["over_rises"], TREND_CHECKS["conf_falls"])
"""R5's core checks: the overfitted proportion rises and the confusing one falls."""


def seed_trends(
    ladder: Mapping[int, Mapping[str, generalization.ModelRoles]],
) -> dict[int, dict[float, generalization.Trend]]:
    """Each seed's :func:`unitroles.generalization.role_trend` at every tolerance of
    :data:`unitroles.generalization.TOLERANCES`: ``{seed: {tolerance: Trend}}``."""
    tolerances = generalization.TOLERANCES
    return {
        s: {eps: generalization.role_trend(dict(models), eps) for eps in tolerances}
        for s, models in ladder.items()
    }


def trend_outcomes(trends: Mapping[int, Mapping[float, generalization.Trend]]):
    """Claim R5's checks on each seed of :func:`seed_trends`: a check passes on a seed when it
    passes there at every tolerance. Returns ``(passes, hinges)``: shown name -> outcome per
    seed, and the :data:`TREND_CHECKS` keys whose outcome changes with the tolerance on some
    seed."""
    per_tolerance = {  # check -> seed -> its outcome at each tolerance
        n: [[t.checks()[n] for t in tr.values()] for tr in trends.values()] for n in TREND_CHECKS
    }
    passes = {TREND_CHECKS[n]: [all(v) for v in by_seed] for n, by_seed in per_tolerance.items()}
    hinges = [n for n, by_seed in per_tolerance.items() if any(len(set(v)) > 1 for v in by_seed)]
    return passes, hinges


def _pct(values) -> str:
    return " → ".join(f"{100 * v:.1f}" for v in values)


def tolerance_table(
    models: Mapping[str, generalization.ModelRoles], trends: Mapping[float, generalization.Trend]
) -> pd.DataFrame:
    """One seed's roles read at each tolerance (columns): the overfitted, confusing and core
    means A → E (%), their ρ with the model order, the largest generalizing mean and the median
    class's turning points on the train and the test curve (units), A → E."""

    def n0(eps: float, split: str) -> str:
        return " → ".join(
            f"{np.median(getattr(m.taxonomy.with_tolerance(eps), split)):.0f}"
            for m in models.values()
        )

    return pd.DataFrame(
        {
            f"ε = {eps:.1%}": {
                "overfitted A → E (%)": _pct(t.means["overfitted"]),
                "confusing A → E (%)": _pct(t.means["confusing"]),
                "core A → E (%)": _pct(t.means["core"]),
                "ρ (overfitted, order)": f"{t.rho_over:.2f}",
                "ρ (confusing, order)": f"{t.rho_conf:.2f}",
                "largest generalizing mean (%)": f"{100 * t.gen_max:.1f}",
                "median n0, train, A → E (units)": n0(eps, "n0_train"),
                "median n0, test, A → E (units)": n0(eps, "n0_test"),
            }
            for eps, t in trends.items()
        }
    )


def turning_point_glue(
    models: Mapping[str, generalization.ModelRoles], trends: Mapping[float, generalization.Trend]
) -> dict:
    """Table 2 page's diagnosis of one seed's last model: the median class's ``n0_train -
    n0_test`` at ε = 0 and at the first tolerance above it, the overfitted proportion there and
    the reading of it (whether most overfitted units sit on the training curve's slow descent)."""
    last = list(models)[-1]
    small = generalization.TOLERANCES[1]
    tax = models[last].taxonomy
    apart = {
        eps: float(
            np.median(tax.with_tolerance(eps).n0_train - tax.with_tolerance(eps).n0_test)
        )
        for eps in (0.0, small)
    }  # fmt: skip
    over_small = trends[small].means["overfitted"][last]
    return {
        "apart_exact": f"{apart[0.0]:.0f}",
        "apart_tolerant": f"{apart[small]:.0f}",
        "over_E_tolerant": f"{100 * over_small:.1f}%",
        "over_reading": (
            "Most of our overfitted units therefore lower the training loss by less than "
            f"{small:.1%} of the curve's fall each: the training curve descends very slowly after "
            "the test curve has turned, and the exact argmin counts every unit of that slow "
            "descent as overfitted."
            if over_small < 0.5 * trends[0.0].means.loc[last, "overfitted"]
            else f"Most overfitted units remain at ε = {small:.1%}: they lower the training loss "
            "by more than that share of its fall, not only on a floor."
        ),
        "eps_small": f"{small:.1%}",
    }


def _trend_summary(seed_means: pd.DataFrame, trends: Mapping[int, Mapping[float, object]]):
    """Each role's mean over classes A → E averaged over seeds (fractions, ε = 0), the ρ of the
    overfitted and confusing means with the model order over seeds, and the largest generalizing
    mean on any seed."""
    from .roles import ROLES

    grouped = seed_means.groupby("model", sort=False)
    mean = {r: grouped[r].mean() / 100 for r in ROLES}
    rhos = {
        k: verdicts.over_seeds([getattr(tr[0.0], k) for tr in trends.values()], ".2f", alone=True)
        for k in ("rho_over", "rho_conf")
    }
    return mean, rhos, max(tr[0.0].gen_max for tr in trends.values())


def proportion_glue(
    seed_means: pd.DataFrame,
    trends: Mapping[int, Mapping[float, generalization.Trend]],
    models: Mapping[str, generalization.ModelRoles],
    hinges: list[str],
) -> dict:
    """Table 2 page's glue: model A's and the last model's overfitted and confusing mean (%,
    over seeds, :func:`role_means` rows ``seed_means``), the core band, the largest generalizing
    mean, the ρ over seeds, the first seed's last model's training-curve floor, whether the
    reading hinges on the tolerance (``hinges``, :func:`trend_outcomes`), and the mean role
    series A → E (fractions) the Zhao closing page reads."""
    from .roles import ROLES, rof_summary

    mean, rhos, gen_max = _trend_summary(seed_means, trends)
    last = list(models)[-1]
    train_shape = rof_summary(models[last].taxonomy.train)
    eps_list = ", ".join(f"{eps:.1%}" for eps in generalization.TOLERANCES)

    def seed_range(col: str, model: str) -> str:
        values = seed_means.loc[seed_means.model == model, col]
        return verdicts.over_seeds(values, ".1f", alone=True) + "%"

    return {
        "seed0": int(next(iter(trends))), "seeds_n": len(trends), "last_model": last,
        "last_train_min": f"{train_shape['loss_min'].median():.1e}",
        "last_train_rise": f"{train_shape['rise'].median():.1e}",
        "over_A": seed_range("overfitted", "model A"), "over_E": seed_range("overfitted", last),
        "conf_A": seed_range("confusing", "model A"), "conf_E": seed_range("confusing", last),
        "core_lo": f"{100 * mean['core'].min():.1f}%",
        "core_hi": f"{100 * mean['core'].max():.1f}%",
        "gen_max": f"{100 * gen_max:.1f}%", **rhos, "tolerances": eps_list,
        **{f"{r}_series": [round(float(v), 4) for v in mean[r]] for r in ROLES},
        "hinge": (
            "The conclusion does not hinge on the tolerance: on every seed every check comes out "
            f"the same at ε = {eps_list}, so the numbers quoted are the paper's reading (ε = 0)."
            if not hinges
            else "The conclusion hinges on the tolerance on some seed for: "
            + "; ".join(TREND_CHECKS[n].split(" (")[0] for n in hinges)
            + ". The verdict counts a check as passed on a seed only when it passes there at "
            "every tolerance."
        ),
    }  # fmt: skip


def proportion_ours(seed_means: pd.DataFrame, trends: Mapping[int, Mapping[float, object]]):
    """Claim R5's "ours" line: the mean overfitted and confusing proportions A → E over seeds,
    the largest generalizing one, the core band and the overfitted ρ."""
    mean, rhos, gen_max = _trend_summary(seed_means, trends)
    eps_list = ", ".join(f"{eps:.1%}" for eps in generalization.TOLERANCES)
    return (
        f"mean over {len(trends)} seeds: overfitted {_pct(mean['overfitted'])}%; confusing "
        f"{_pct(mean['confusing'])}%; generalizing ≤ {100 * gen_max:.1f}% (any seed); core "
        f"{100 * mean['core'].min():.1f}–{100 * mean['core'].max():.1f}%; ρ (overfitted, order) "
        f"{rhos['rho_over']} (turning points at ε = 0; checks at ε = {eps_list})"
    )


def proportion_takeaway(
    seed_means: pd.DataFrame, trends: Mapping[int, Mapping[float, object]], hinges: list[str]
) -> str:
    """Table 2's takeaway, this run's half: the overfitted and confusing means A → E, their ρ,
    the largest generalizing mean and whether the reading depends on the tolerance."""
    mean, rhos, gen_max = _trend_summary(seed_means, trends)
    return (
        f"from model A to model E our overfitted proportion goes {_pct(mean['overfitted'])}% and "
        f"the confusing proportion {_pct(mean['confusing'])}% (means of {len(trends)} seeds; rank "
        f"correlations with the model order {rhos['rho_over']} and {rhos['rho_conf']}); "
        f"generalizing units stay at most {100 * gen_max:.1f}% of the layer."
        + (
            " The reading does not depend on how the turning point is taken."
            if not hinges
            else " Part of it depends on how the turning point is taken on a flat curve (see "
            "below)."
        )
    )


def judge_proportions(
    seed_means: pd.DataFrame,
    trends: Mapping[int, Mapping[float, generalization.Trend]],
    models: Mapping[str, generalization.ModelRoles],
) -> Judged:
    """Claim R5 judged on every seed (``trends``: :func:`seed_trends`; a check passes on a seed
    when it passes there at every tolerance, :func:`trend_outcomes`), each check voted over the
    seeds (core :data:`TREND_CORE`), with the numbers the prose reads (:func:`proportion_glue`;
    ``seed_means``: :func:`role_means`, ``models``: the first seed's), the card's line and the
    takeaway."""
    passes, hinges = trend_outcomes(trends)
    checks, core = study.seed_checks(passes, core=TREND_CORE)
    return Judged(
        checks, core, proportion_ours(seed_means, trends),
        proportion_takeaway(seed_means, trends, hinges),
        proportion_glue(seed_means, trends, models, hinges),
    )  # fmt: skip


def proportion_caption(ours: pd.DataFrame) -> dict[str, str]:
    """Caption and alt text of Table 2's bars (:func:`unitroles.role_figures.proportion_bars`),
    the paper's beside ``ours`` (:func:`unitroles.roles.mean_std` of fractions)."""
    return {
        "text": "Mean role proportion over classes (% of the layer's units; whiskers: one standard "
        "deviation over classes) for models A to E: the paper's Table 2 (left) and our run "
        "(right).",
        "alt": "Grouped bars of core, overfitted, generalizing and confusing proportions for "
        "models A to E. Ours, overfitted: "
        + ", ".join(f"{100 * v:.0f}%" for v in ours[("overfitted", "mean")])
        + "; confusing: "
        + ", ".join(f"{100 * v:.0f}%" for v in ours[("confusing", "mean")])
        + ".",
    }
