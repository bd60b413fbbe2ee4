"""Interpretable units counted model by model (Zhou et al. 2018, Fig. 9).

Zhou et al. dissect conv5 of a baseline AlexNet and of one trained with channel dropout on conv5,
and count the units that network dissection calls interpretable (best concept IoU >
:data:`unitroles.dissection.INTERPRETABLE_IOU`), concept by concept. Here each recipe is trained
from several seeds, so every count is one per model, keyed ``(recipe, seed)``, and the recipes
are compared seed by seed.

``best`` throughout is a dict ``(recipe, seed)`` -> the table of
:meth:`unitroles.dissection.Dissection.best`: one row per unit with its best ``concept``, its
``category``, its ``iou`` and whether it is ``interpretable``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from unitroles import diagnosis, dissection, evidence, plots, report, verdicts
from unitroles.report import Judged

# the paper's statement the takeaway quotes (Zhou et al. 2018, sec. 3.5 and Fig. 9)
PAPER = (
    "training with channel dropout on conv5 greatly reduces the number of units that network "
    "dissection finds interpretable."
)


def _interpretable(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["interpretable"]]


def per_concept(best: dict) -> pd.DataFrame:
    """Interpretable units per concept: rows ``(category, concept)``, columns ``(recipe, seed)``
    (0 where a model has none)."""
    counts = pd.DataFrame(
        {key: _interpretable(b).groupby(["category", "concept"]).size() for key, b in best.items()}
    )
    counts = counts.fillna(0).astype(int)
    counts.columns.names = ["recipe", "seed"]
    return counts


def concept_spread(best: dict, recipes: Sequence[str]) -> pd.DataFrame:
    """:func:`per_concept` over seeds: rows concepts, columns ``(recipe, mean|min|max)``, the
    concepts with the most units (by the recipes' means, in order) first."""
    counts = per_concept(best)
    spread = counts.T.groupby("recipe").agg(["mean", "min", "max"]).T.unstack()
    return spread.sort_values([(r, "mean") for r in recipes], ascending=False)


def totals(best: dict) -> pd.Series:
    """Interpretable units of each model, indexed ``(recipe, seed)``."""
    return pd.Series({key: int(b["interpretable"].sum()) for key, b in best.items()})


def per_model(best: dict) -> pd.DataFrame:
    """One column per model ``(recipe, seed)``: interpretable units per concept category, then
    ``all`` of them, the ``distinct concepts`` they match, the ``mean best IoU`` over the layer
    and the ``units in the layer``."""
    table = pd.DataFrame(
        {key: _interpretable(b).groupby("category").size() for key, b in best.items()}
    ).fillna(0)
    table.loc["all"] = table.sum()
    table.loc["distinct concepts"] = [_interpretable(b)["concept"].nunique() for b in best.values()]
    table.loc["mean best IoU"] = [b["iou"].mean() for b in best.values()]
    table.loc["units in the layer"] = [len(b) for b in best.values()]
    table.columns.names = ["recipe", "seed"]
    return table


def counts_figure(best: dict, accuracy: dict, recipes: Sequence[str], layer: str):
    """Fig. 9: (a) each model's count of interpretable units, one dot per seed and a line at
    their mean; (b) the units by best concept, bars the mean over seeds, whiskers the range.
    ``accuracy`` is ``(recipe, seed)`` -> top-1 accuracy (%). Captioned, with alt text."""
    spread, total = concept_spread(best, recipes), totals(best)
    seeds = list(dict.fromkeys(seed for _, seed in best))
    iou = dissection.INTERPRETABLE_IOU
    fig, (ax_total, ax) = plots.figure(
        2, width=7.0, height=3.4, gridspec_kw={"width_ratios": [1, 5]}
    )
    x = np.arange(len(spread))
    width = 0.8 / len(recipes)
    for i, recipe in enumerate(recipes):
        acc = [accuracy[recipe, s] for s in seeds]
        color = plots.PALETTE[i]
        ax_total.plot([i] * len(seeds), total[recipe].to_numpy(), "o", color=color, alpha=0.8, ms=5)
        ax_total.plot([i - 0.25, i + 0.25], [total[recipe].mean()] * 2, color=color, lw=2)
        m = spread[recipe]
        ax.bar(
            x + (i - (len(recipes) - 1) / 2) * width, m["mean"], width, color=color,
            yerr=[m["mean"] - m["min"], m["max"] - m["mean"]],
            error_kw={"lw": 0.8, "ecolor": "0.3"},
            label=f"{recipe} ({min(acc):.0f}–{max(acc):.0f}% val)",
        )  # fmt: skip
    ax_total.set_xticks(range(len(recipes)), recipes, rotation=30, ha="right", fontsize=plots.SMALL)
    ax_total.set_xlim(-0.6, len(recipes) - 0.4)
    ax_total.set_ylim(0, 1.15 * max(1, total.max()))  # room above the dots
    ax_total.set_ylabel("interpretable units (per model)")
    ax_total.set_title("(a) all concepts", fontsize=plots.SMALL)
    names = [f"{c} ({cat})" for cat, c in spread.index]
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=plots.SMALL)
    ax.set_ylabel("units (mean over seeds)")
    ax.set_ylim(0, 1.15 * max(1, spread.xs("max", axis=1, level=1).to_numpy().max(initial=0)))
    ax.set_title(f"(b) {layer}: units whose best concept has IoU > {iou}")
    ax.legend(fontsize=plots.SMALL, title=f"recipe, {len(seeds)} seeds", title_fontsize=plots.SMALL)
    per_seed = "; ".join(
        f"{recipe} {', '.join(str(total[recipe, s]) for s in seeds)}" for recipe in recipes
    )
    return plots.caption(
        fig,
        f"Interpretable {layer} units (best concept IoU > {iou}) of the {' and '.join(recipes)} "
        f"models. (a) The count of each model, one dot per seed, a short line at their mean. "
        f"(b) The same units by their best concept (category in brackets); bars give the mean "
        f"over {len(seeds)} seeds, whiskers the range.",
        alt=f"Dot plot and bar chart of interpretable {layer} units. Counts per seed: {per_seed}. "
        f"Concepts with the most units: {', '.join(names[:6])}.",
    )


def without_scenes(dissected) -> pd.DataFrame:
    """Each unit's best concept among those that are not scene labels (issue 25: on the world
    the scene labels are the classes, not concepts a unit found; on Broden they overlap
    Places365's classes), as :meth:`unitroles.dissection.Dissection.best` gives it."""
    return dissected.best(sorted(set(dissected.categories) - {"scene"}))


def paired_checks(
    best: dict, base: str, drop: str, seeds: Sequence
) -> tuple[dict, list, dict, dict]:
    """The checks of Fig. 9, recipe ``drop`` against ``base`` seed by seed. Core: fewer
    interpretable units than the ``base`` of the same seed, paired over the seeds
    (:func:`unitroles.evidence.paired`; the 95% interval of the difference below zero: a null
    effect fails; with one seed, that seed's difference). Details, voted over the seeds
    (:func:`unitroles.verdicts.seed_vote`): fewer than every ``base`` seed, fewer distinct
    concepts than the same seed's ``base``. Returns ``checks`` (name -> outcome), ``core``,
    ``passes`` (the seed-by-seed sentences -> booleans ``(seeds,)``) and ``old``: the core check
    this replaced (issue 25), the same-seed comparison voted over seeds."""
    total = totals(best)
    distinct = per_model(best).loc["distinct concepts"]
    same_seed = f"{drop} has fewer interpretable units than the {base} of the same seed"
    passes = {
        same_seed: total[drop].to_numpy() < total[base].to_numpy(),
        f"{drop} has fewer interpretable units than every {base} seed": (
            total[drop].to_numpy() < total[base].min()
        ),
        f"{drop} matches fewer distinct concepts than the {base} of the same seed": (
            distinct[drop].to_numpy() < distinct[base].to_numpy()
        ),
    }
    paired = f"{drop} has fewer interpretable units (scene labels left out), paired over seeds"
    if len(seeds) >= 2:
        p = evidence.paired(total[drop].to_numpy(), total[base].to_numpy())
        core_name, core_ok = (
            f"{paired}: {p.text('+.1f', 'units')}",
            evidence.paired_check(p, "below"),
        )
    else:
        delta = int(total[drop].iloc[0] - total[base].iloc[0])
        core_name, core_ok = f"{paired}: one seed, {delta:+d} units", delta < 0
    checks = {core_name: core_ok}
    for what, held in list(passes.items())[1:]:
        checks[f"{what}, {verdicts.on_seeds(held, seeds)}"] = verdicts.seed_vote(held)
    old = {same_seed: verdicts.seed_vote(passes[same_seed]), paired: core_ok}
    return checks, [core_name], passes, old


def per_recipe(best: dict, recipes: Sequence[str]) -> pd.DataFrame:
    """One row per recipe, means over its seeds: interpretable units, distinct concepts, units
    per matched concept (:func:`unitroles.diagnosis.duplication`), the share of interpretable
    units whose best concept is a scene label (:func:`unitroles.diagnosis.concept_mix`) and the
    mean best IoU over the layer."""
    seeds = list(dict.fromkeys(seed for _, seed in best))
    total, models = totals(best), per_model(best)
    dup = {key: diagnosis.duplication(b) for key, b in best.items()}
    mix = {r: diagnosis.concept_mix([best[r, s] for s in seeds]) for r in recipes}
    return pd.DataFrame(
        {
            "interpretable units (mean)": {r: total[r].mean() for r in recipes},
            "distinct concepts (mean)": {
                r: models.loc["distinct concepts", r].mean() for r in recipes
            },
            "units per matched concept": {
                r: float(np.mean([dup[r, s]["per_concept"] for s in seeds])) for r in recipes
            },
            "best concept a scene label": {r: float(mix[r].get("scene", 0.0)) for r in recipes},
            "mean best IoU": {r: models.loc["mean best IoU", r].mean() for r in recipes},
        }
    ).rename_axis("recipe")


def scenes_sentence(scene: dict, base: str, drop: str) -> str:
    """What the share of scene labels among the best concepts (``recipe`` -> fraction) says."""
    if min(scene.values()) > 0.5:
        return (
            f"Most interpretable units match a scene label, which in this world is one of the "
            f"classes ({scene[base]:.0%} of the baseline's, {scene[drop]:.0%} of the dropout "
            "models'): a network has to keep those to classify at all, with or without dropout, "
            "whereas the paper counts detectors of objects, parts and textures among hundreds of "
            "concepts, many of which a Places365 network can afford to lose."
        )
    return (
        f"Scene labels (the world's classes) are the best concept of {scene[base]:.0%} of the "
        f"baseline's interpretable units and {scene[drop]:.0%} of the dropout models'."
    )


def copies_sentence(copies: bool, fewer_concepts: bool) -> str:
    """Whether channel dropout keeps copies: ``copies`` when each matched concept is held by
    more units in the dropout models, ``fewer_concepts`` when they match fewer concepts."""
    if not copies:
        return (
            "The dropout models hold each matched concept in no more units than the baseline, so "
            "copies do not explain the count."
        )
    return (
        "Dropout keeps copies: each matched concept is held by more units in the dropout "
        "models, so the count of interpretable units stays up"
        + (" while the concepts they match become fewer" if fewer_concepts else "")
        + ". A network that loses half its conv5 units at random on every training step "
        "needs what it uses to be present several times over, and dissection counts each copy."
    )


def dissect(models: dict, layer: str, broden, transform) -> tuple[dict, dict, dict]:
    """Network dissection (cached, :func:`unitroles.dissection.cached_dissection`) of ``layer``
    of each model of ``models`` (``(recipe, seed)`` -> :class:`~unitroles.evaluation.Setup`) on
    the Broden-format data ``broden``, printing each model's accuracy. Returns ``best`` (each
    unit's best concept, scene labels left out: :func:`without_scenes`), ``best_all`` (scene
    labels counted) and ``accuracy`` (top-1, %), each keyed ``(recipe, seed)``."""
    best, best_all, accuracy = {}, {}, {}
    for key, setup in models.items():
        dissected = dissection.cached_dissection(setup.model, layer, broden, transform)
        accuracy[key] = 100 * setup.accuracy
        best[key] = without_scenes(dissected)
        best_all[key] = dissected.best()
        print(setup.description, f"— top-1 accuracy {accuracy[key]:.1f}%")
    return best, best_all, accuracy


def _seeds(best: dict) -> list:
    return list(dict.fromkeys(seed for _, seed in best))


def model_table(best: dict):
    """:func:`per_model` as the page shows it, one row a model: units per category, all of
    them, distinct concepts and the mean best IoU (the layer's size, the same for every model,
    left to the text)."""
    table = per_model(best)
    return report.table(
        table.T.drop(columns="units in the layer"),
        headers={c: f"{c} (units)" for c in table.index[:-4]} | {"all": "all categories (units)"},
        decimals={"mean best IoU": 3},
    )


def glue_values(best: dict, base: str, drop: str, passes: dict) -> dict:
    """The page's glue: seeds, the layer's units, interpretable units and distinct concepts of
    each recipe (ranges over seeds) and on how many seeds ``drop`` has fewer than the ``base`` of
    its own seed (the first of :func:`paired_checks`' ``passes``)."""
    total, distinct = totals(best), per_model(best).loc["distinct concepts"]
    n_base, n_drop, distinct_base, distinct_drop = (  # ranges over seeds
        verdicts.over_seeds(v.to_numpy(), ".0f", mean=False, alone=True)
        for v in (total[base], total[drop], distinct[base], distinct[drop])
    )
    seeds = _seeds(best)
    return {
        "n_seeds": len(seeds),
        "n_units": len(best[base, seeds[0]]),
        "n_base": n_base,
        "n_drop": n_drop,
        "distinct_base": distinct_base,
        "distinct_drop": distinct_drop,
        "fewer_seeds": int(next(iter(passes.values())).sum()),
    }


def ours(best: dict, base: str, drop: str) -> str:
    """The claim card's figures: each recipe's interpretable units, seed by seed."""
    total, seeds = totals(best), _seeds(best)
    return (
        f"interpretable units of {len(best[base, seeds[0]])}, seeds "
        f"{', '.join(map(str, seeds))} in turn: "
        f"{base} {', '.join(str(total[base, s]) for s in seeds)}; "
        f"{drop} {', '.join(str(total[drop, s]) for s in seeds)}"
    )


def takeaway(best: dict, base: str, drop: str, layer: str, passes: dict) -> str:
    """The takeaway's sentence on this run, from :func:`glue_values`' numbers."""
    g = glue_values(best, base, drop, passes)
    return (
        f"of {g['n_units']} {layer} units, dissection finds {g['n_base']} interpretable in the "
        f"{base} models and {g['n_drop']} in the {drop} models (ranges over {g['n_seeds']} "
        f"seeds); the {drop} model has fewer than the {base} of its own seed on "
        f"{g['fewer_seeds']} of {g['n_seeds']} seeds."
    )


def judge(best: dict, base: str, drop: str, layer: str) -> Judged:
    """Claim Z10 judged on ``best`` (each model's best concepts, keyed ``(recipe, seed)``):
    :func:`paired_checks` of ``drop`` against ``base`` over the seeds, with :func:`glue_values`,
    :func:`ours` and :func:`takeaway`. Its ``changes`` stay empty: the page shows the rewritten
    check (:func:`changes`) after the card, below its own prose."""
    checks, core, passes, _ = paired_checks(best, base, drop, _seeds(best))
    return Judged(
        checks,
        core,
        ours(best, base, drop),
        takeaway(best, base, drop, layer, passes),
        glue_values(best, base, drop, passes),
    )


def changes(best: dict, base: str, drop: str) -> dict:
    """The rewritten core check of :func:`paired_checks` beside the old one it replaced (issue
    25), with their outcomes: what :func:`unitroles.report.check_changes` shows."""
    return paired_checks(best, base, drop, _seeds(best))[3]


def diagnosis_of(
    best_all: dict, best: dict, recipes: Sequence[str], checks: dict, core: Sequence[str]
) -> tuple[pd.DataFrame, dict]:
    """What channel dropout does to the units: :func:`per_recipe` of ``best_all`` (scene labels
    counted) and the diagnosis' glue (``z10_*``: the failed core checks, units per matched
    concept of each recipe, :func:`scenes_sentence` and :func:`copies_sentence`, the distinct
    concepts read from ``best``, scene labels left out). The first two ``recipes`` are the
    baseline and the dropout recipe."""
    base, drop = recipes[:2]
    summary = per_recipe(best_all, recipes)
    per_concept = summary["units per matched concept"]
    distinct = per_model(best).loc["distinct concepts"]
    copies = per_concept[drop] > per_concept[base]
    fewer_concepts = distinct[drop].mean() < distinct[base].mean()
    return summary, {
        "z10_failed_core": "; ".join(verdicts.failed_core(checks, core)) or "none",
        "z10_per_concept_base": f"{per_concept[base]:.2f}",
        "z10_per_concept_drop": f"{per_concept[drop]:.2f}",
        "z10_scenes": scenes_sentence(summary["best concept a scene label"].to_dict(), base, drop),
        "z10_reading": copies_sentence(copies, fewer_concepts),
    }


# the decimals and percentages of :func:`per_recipe`'s table on the page
SUMMARY_FORMAT = {
    "decimals": {"mean best IoU": 3, "units per matched concept": 2,
                 "interpretable units (mean)": 1, "distinct concepts (mean)": 1},
    "percent": ["best concept a scene label"],
}  # fmt: skip


__all__ = [
    "PAPER",
    "SUMMARY_FORMAT",
    "changes",
    "concept_spread",
    "copies_sentence",
    "counts_figure",
    "diagnosis_of",
    "dissect",
    "glue_values",
    "judge",
    "model_table",
    "ours",
    "paired_checks",
    "per_concept",
    "per_model",
    "per_recipe",
    "scenes_sentence",
    "takeaway",
    "totals",
]
