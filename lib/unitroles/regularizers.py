"""Regularized recipes against the baseline's seed band (Zhou et al. 2018, Fig. 8).

Zhou et al. train AlexNet with batch norm and with channel dropout on conv5 and compare the
sorted max class drop curves (:mod:`unitroles.drop_curves`) of conv3–conv5 with the baseline's.
One training run differs from the next, so here each recipe is trained from several seeds and a
regularizer *lowers* (*raises*) a statistic of a layer on one of its seeds when the value lies
below (above) that of *every* baseline seed: outside the baseline's whole band.

Drops are in percentage points (pts), positive = worse. The statistics of one curve are those
of :func:`unitroles.drop_curves.summary`: ``mean``, ``head`` (mean of the top 10% of units),
``over`` (share of units over 10 pts, %) and ``largest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from unitroles import drop_curves, evidence, plots, study, sweeps, train, verdicts
from unitroles.report import Judged

BASELINE = "baseline"
# how a page names a recipe in its checks' sentences
NAMES = {"batchnorm": "batch norm", "dropout-conv5": "conv5 dropout"}
# how the page's glue names a recipe
SHORT = {"base": BASELINE, "bn": "batchnorm", "do": "dropout-conv5"}
# Fig. 8's checks, (recipe, layer, statistic, direction, core): the paper's central statement
# (batch norm and conv5 dropout both lower the head of the conv5 curve) is core; the rest are its
# details (batch norm lowers conv3 and conv4 too, both lower the share of conv5 units over the
# line, dropout lowers the whole conv5 curve and raises the head of conv4's)
RULES = (
    ("batchnorm", "conv5", "head", "lower", True),
    ("dropout-conv5", "conv5", "head", "lower", True),
    ("batchnorm", "conv3", "head", "lower", False),
    ("batchnorm", "conv4", "head", "lower", False),
    ("batchnorm", "conv5", "over", "lower", False),
    ("dropout-conv5", "conv5", "over", "lower", False),
    ("dropout-conv5", "conv5", "mean", "lower", False),
    ("dropout-conv5", "conv4", "head", "higher", False),
)
# Zhou et al. 2018, sec. 3.5 and Fig. 8 (Places365 AlexNet): what the figure shows, per recipe
PAPER_FIG8 = {
    "batchnorm": {"conv3": "lower", "conv4": "lower", "conv5": "lower",
                  "accuracy vs baseline": "similar"},
    "dropout-conv5": {"conv3": "≈ baseline", "conv4": "higher", "conv5": "much lower",
                      "accuracy vs baseline": "2 pts lower"},
}  # fmt: skip
# the paper's statement the takeaway quotes
PAPER = (
    "batch norm lowers the max class drop curves of conv3–conv5, and channel dropout at conv5 "
    "lowers the conv5 curve a lot while raising conv4's: regularizers spread class information "
    "over more units, so single units matter less."
)


@dataclass(frozen=True)
class Curves:
    """Fig. 8's measurements: every unit's max class drop (pts) per ``(recipe, seed, layer)``
    (``drops``), their statistics (``stats``, :func:`curve_stats`), each model's validation
    accuracy (``accuracy``, ``(seeds, recipes)`` in %), the fewest evaluation images of a class
    over the models (``images``) and the number of classes."""

    drops: dict
    stats: pd.DataFrame
    accuracy: pd.DataFrame
    layers: list
    images: int
    num_classes: int

    @property
    def recipes(self) -> list:
        return list(self.accuracy.columns)

    @property
    def seeds(self) -> list:
        return list(self.accuracy.index)

    def head(self) -> pd.DataFrame:
        """The head statistic, ``(recipe, seed)`` x layers, pts."""
        return self.stats["head"].unstack("layer")


def measure(models: dict, layers: Sequence[str]) -> Curves:
    """Every unit of each of ``layers`` ablated, one at a time, in each model of ``models``
    (``(recipe, seed)`` -> :class:`~unitroles.evaluation.Setup`; cached sweeps,
    :func:`max_class_drops`)."""
    drops = {
        (recipe, s, layer): max_class_drops(setup, layer)
        for (recipe, s), setup in models.items()
        for layer in layers
    }
    recipes = list(dict.fromkeys(r for r, _ in models))
    seeds = list(dict.fromkeys(s for _, s in models))
    accuracy = pd.DataFrame(
        {r: [100 * models[r, s].accuracy for s in seeds] for r in recipes}, index=seeds
    )
    images = int(min(np.bincount(m.labels.numpy()).min() for m in models.values()))
    classes = next(iter(models.values())).num_classes
    return Curves(drops, curve_stats(drops), accuracy, list(layers), images, classes)


def max_class_drops(setup, layer: str) -> np.ndarray:
    """Every unit's max class drop (pts) at ``layer`` of ``setup``'s model, ``(units,)``: a
    cached single-unit sweep over ``setup``'s images in one shard."""
    width = sweeps.layer_units(setup.model, layer, setup.images)
    counts = sweeps.unit_sweep(
        setup.model, layer, setup.images, setup.labels, setup.num_classes, shard_size=width
    )
    return counts.summary()["max_class_drop"].to_numpy()


def curve_stats(drops: dict[tuple, np.ndarray]) -> pd.DataFrame:
    """Each curve of ``drops`` (``(recipe, seed, layer)`` -> drops ``(units,)``, pts) in the
    four numbers of :func:`unitroles.drop_curves.summary`: a frame indexed ``(recipe, seed,
    layer)`` with columns ``mean``, ``head``, ``over``, ``largest``."""
    stats = pd.DataFrame({key: drop_curves.summary(d) for key, d in drops.items()}).T
    stats.index.names = ["recipe", "seed", "layer"]
    return stats


def stat_titles() -> dict[str, str]:
    """Column titles of the statistics, units included, in the order a table shows them."""
    return {
        "head": f"top {head_pct()}% mean (pts)",
        "over": f"share over {drop_curves.OVER_PTS:g} pts (%)",
        "mean": "mean (pts)",
        "largest": "largest (pts)",
    }


def head_pct() -> int:
    """The head of a curve as a percentage of its units (10)."""
    return round(100 * drop_curves.HEAD_FRACTION)


def range_table(stats: pd.DataFrame, recipes: Sequence[str], layers: Sequence[str]):
    """Each statistic of ``stats`` (:func:`curve_stats`) per recipe and layer as its mean over
    seeds and, in brackets, their range: ``"12.3 (10.1–14.2)"``. Rows ``(recipe, layer)`` in the
    order given, columns :func:`stat_titles`."""
    spread = stats.groupby(["recipe", "layer"]).agg(["mean", "min", "max"])
    table = pd.DataFrame(
        {
            title: [
                f"{spread.loc[i, (col, 'mean')]:.1f} ({spread.loc[i, (col, 'min')]:.1f}–"
                f"{spread.loc[i, (col, 'max')]:.1f})"
                for i in spread.index
            ]
            for col, title in stat_titles().items()
        },
        index=spread.index,
    )
    return table.reindex(pd.MultiIndex.from_product([recipes, layers], names=["recipe", "layer"]))


def beyond_band(
    stats: pd.DataFrame, recipe: str, layer: str, column: str, direction: str
) -> np.ndarray:
    """Whether each seed of ``recipe`` lies below (``direction="lower"``) or above
    (``"higher"``) every baseline seed on ``column`` at ``layer``: booleans ``(seeds,)`` in the
    order of ``stats`` (:func:`curve_stats`)."""
    if direction not in ("lower", "higher"):
        raise ValueError(f"direction must be 'lower' or 'higher', got {direction!r}")
    band = stats.loc[BASELINE].xs(layer, level="layer")[column]
    values = stats.loc[recipe].xs(layer, level="layer")[column].to_numpy()
    return values < band.min() if direction == "lower" else values > band.max()


def band_checks(
    stats: pd.DataFrame, rules: Sequence[tuple], seeds: Sequence
) -> tuple[dict, list, dict, dict]:
    """The page's checks, one per rule ``(recipe, layer, column, direction, core)``: the recipe
    against the baseline of the same seed, paired over the seeds
    (:func:`unitroles.evidence.paired`), passing when the 95% interval of the difference lies on
    the rule's side of zero, so that a null effect fails (with one seed, the paper profile:
    that seed's difference). Returns ``checks`` (name -> outcome), ``core`` (names of the core
    checks), ``outcomes`` (``(recipe, layer, column)`` -> booleans ``(seeds,)``: below or above
    every baseline seed, :func:`beyond_band`) and ``old``: the checks these replaced (issue 25),
    each seed below every baseline seed's voted over the seeds, by the names
    :mod:`unitroles.claim_history` gives them."""
    what = {
        "head": f"the head of the {{}} curve (top {head_pct()}% mean)",
        "over": f"the share of {{}} units over {drop_curves.OVER_PTS:g} pts",
        "mean": "the whole {} curve (its mean)",
    }
    checks, core, outcomes, old = {}, [], {}, {}
    for recipe, layer, column, direction, is_core in rules:
        passes = beyond_band(stats, recipe, layer, column, direction)
        outcomes[recipe, layer, column] = passes
        verb, side = ("lowers", "below") if direction == "lower" else ("raises", "above")
        thing = f"{NAMES.get(recipe, recipe)} {verb} {what[column].format(layer)}"
        old[f"{thing} {side} every baseline seed's"] = verdicts.seed_vote(passes)
        ours = stats.loc[recipe].xs(layer, level="layer")[column]
        base = stats.loc[BASELINE].xs(layer, level="layer")[column].reindex(ours.index)
        if len(ours) >= 2:
            p = evidence.paired(ours.to_numpy(), base.to_numpy())
            unit = "pts" if column != "over" else "pts of share"
            name = f"{thing}, paired over seeds: {p.text('+.1f', unit)}"
            checks[name] = evidence.paired_check(p, "below" if direction == "lower" else "above")
        else:
            delta = float(ours.iloc[0] - base.iloc[0])
            name = f"{thing}, paired over seeds: one seed, {delta:+.1f}"
            checks[name] = delta < 0 if direction == "lower" else delta > 0
        if is_core:
            core.append(name)
    return checks, core, outcomes, old


def head_direction(stats: pd.DataFrame, recipe: str, layer: str) -> str:
    """The head of ``recipe``'s curve at ``layer`` against the baseline's band, seed by seed:
    ``"below on 2 of 3 seeds, above on 0"``."""
    low = beyond_band(stats, recipe, layer, "head", "lower")
    high = beyond_band(stats, recipe, layer, "head", "higher")
    return f"below on {low.sum()} of {len(low)} seeds, above on {high.sum()}"


def against_baseline(accuracy: pd.DataFrame, name: str) -> str:
    """``"1.8 pts less accurate than the baseline"``: recipe ``name``'s mean accuracy (%) over
    seeds against the baseline's; ``accuracy`` is ``(seeds, recipes)``."""
    delta = (accuracy[name] - accuracy[BASELINE]).mean()
    if round(delta, 1) == 0:
        return "as accurate as the baseline"
    return f"{abs(delta):.1f} pts {'more' if delta > 0 else 'less'} accurate than the baseline"


def schedule(recipes: Sequence[str]) -> str:
    """One sentence on the training schedules of ``recipes`` (epochs, peak learning rate)."""
    schedules = {(train.RECIPES[r].epochs, train.RECIPES[r].lr) for r in recipes}
    if len(schedules) == 1:
        epochs, lr = schedules.pop()
        return f"The three recipes share one schedule: {epochs} epochs at a peak rate {lr:g}."
    return "The recipes' schedules differ: " + "; ".join(
        f"{r} {train.RECIPES[r].epochs} epochs at {train.RECIPES[r].lr:g}" for r in recipes
    )


def room_table(head: pd.DataFrame, pts_per_image: float) -> pd.DataFrame:
    """How much room there is to lower a head: per ``(recipe, layer)`` of ``head`` (the head
    statistic, ``(recipe, seed)`` x layers, pts) its mean over seeds in pts and in images of the
    worst class (``pts_per_image`` pts an image), and its range over seeds (pts)."""
    rows = {}
    for recipe in head.index.unique("recipe"):
        for layer in head.columns:
            heads = head.loc[recipe, layer]
            rows[recipe, layer] = {
                "head, mean over seeds (pts)": heads.mean(),
                "head, in images of the worst class": heads.mean() / pts_per_image,
                "seed range (pts)": heads.max() - heads.min(),
            }
    return pd.DataFrame(rows).T.rename_axis(["recipe", "layer"])


def changes(curves: Curves, rules: Sequence[tuple] = RULES) -> dict:
    """The rewritten checks (:func:`band_checks` of ``curves`` under ``rules``) by their names
    without the measured numbers, then the old ones they replaced: what
    :func:`unitroles.report.check_changes` shows."""
    checks, _, _, old = band_checks(curves.stats, rules, curves.seeds)
    tag = ", paired over seeds"
    return {name.split(tag)[0] + tag: ok for name, ok in checks.items()} | old


def beside_paper(curves: Curves, regularized: Sequence[str]) -> pd.DataFrame:
    """What the paper's Fig. 8 shows (:data:`PAPER_FIG8`) beside this run, per regularized recipe:
    the head of each layer's curve against the baseline's band (:func:`head_direction`) and the
    accuracy against the baseline's; rows ``(recipe, source)``."""
    accuracy = curves.accuracy
    paper = pd.DataFrame([PAPER_FIG8[r] for r in regularized], index=list(regularized))
    ours = pd.DataFrame(
        {layer: [head_direction(curves.stats, r, layer) for r in regularized]
         for layer in curves.layers}
        | {"accuracy vs baseline": [
            f"{(accuracy[r] - accuracy[BASELINE]).mean():+.1f} pts (mean over seeds)"
            for r in regularized]},
        index=list(regularized),
    )  # fmt: skip
    comparison = pd.concat({"paper": paper, "this run": ours})
    return comparison.swaplevel().sort_index().rename_axis(["recipe", "source"])


def head_ranges(curves: Curves) -> dict[tuple[str, str], str]:
    """The head of each ``(recipe, layer)`` curve as its range over seeds (pts)."""
    head = curves.head()
    return {
        (r, layer): verdicts.over_seeds(head.loc[r, layer], mean=False)
        for r in curves.recipes
        for layer in curves.layers
    }


def held_seeds(outcomes: dict) -> dict[str, int]:
    """On how many seeds each head check of :data:`RULES` held (:func:`band_checks`'
    ``outcomes``), by the page's glue names: ``bn_conv5``, ``do_conv5``, ``do_conv4``."""
    return {
        "bn_conv5": int(outcomes["batchnorm", "conv5", "head"].sum()),
        "do_conv5": int(outcomes["dropout-conv5", "conv5", "head"].sum()),
        "do_conv4": int(outcomes["dropout-conv5", "conv4", "head"].sum()),
    }


def glue_values(curves: Curves, outcomes: dict) -> dict:
    """The page's glue: seeds, schedule, the head and over-line definitions, each recipe's
    accuracy and heads (ranges over seeds, by :data:`SHORT` names) and the seeds each head check
    held on (:func:`held_seeds`)."""
    accuracy, layers = curves.accuracy, curves.layers
    over = curves.stats["over"].unstack("layer")
    head_range = head_ranges(curves)
    return {
        "n_seeds": len(curves.seeds),
        "schedule": schedule(curves.recipes),
        "head_pct": head_pct(),
        "over_pts": f"{drop_curves.OVER_PTS:g}",
        **{f"acc_{k}": verdicts.over_seeds(accuracy[r], mean=False)
           for k, r in [("baseline", "baseline"), ("batchnorm", "batchnorm"),
                        ("dropout", "dropout-conv5")]},
        **{f"head_{k}_{layer}": head_range[r, layer] for k, r in SHORT.items() for layer in layers},
        **{f"over_{k}_conv5": verdicts.over_seeds(over.loc[r, "conv5"], ".0f", mean=False)
           for k, r in SHORT.items()},
        **{f"{k}_seeds": n for k, n in held_seeds(outcomes).items()},
    }  # fmt: skip


def ours(curves: Curves) -> str:
    """The claim card's figures: each recipe's heads per layer (ranges over seeds) and the
    dropout models' accuracy against the baseline's."""
    accuracy, head_range = curves.accuracy, head_ranges(curves)
    dropout_delta = (accuracy["dropout-conv5"] - accuracy[BASELINE]).mean()
    return (
        f"top {head_pct()}% mean max class drop (pts, range over {len(curves.seeds)} seeds): "
        + "; ".join(
            f"{NAMES.get(r, r)} "
            + ", ".join(f"{layer} {head_range[r, layer]}" for layer in curves.layers)
            for r in curves.recipes
        )
        + f"; dropout model {dropout_delta:+.1f} pts accuracy (mean over seeds)"
    )


def takeaway(curves: Curves, core: Sequence[str], outcomes: dict) -> str:
    """The takeaway's sentences on this run: the two core checks' paired differences, on how
    many seeds each head check held, and the dropout models' accuracy."""
    paired = [name.split("paired over seeds: ")[1] for name in core]
    held, n = held_seeds(outcomes), len(curves.seeds)
    return (
        f"paired with the baseline of the same seed, the head of the conv5 max class drop curve "
        f"(its top {head_pct()}% of units) moves by {paired[0]} with batch "
        f"norm and {paired[1]} with conv5 dropout. It "
        f"falls below every baseline seed's with batch norm on {held['bn_conv5']} of {n} "
        f"seeds and with conv5 dropout on {held['do_conv5']}; conv5 dropout raises the conv4 head "
        f"above the baseline's on {held['do_conv4']}. The dropout models are "
        f"{against_baseline(curves.accuracy, 'dropout-conv5')} (mean over seeds)."
    )


def judge(curves: Curves, rules: Sequence[tuple] = RULES) -> Judged:
    """Claim Z9 judged on ``curves``: :func:`band_checks` under ``rules`` (each regularizer
    paired with the baseline of the same seed; core: both lower the conv5 head), with
    :func:`glue_values`, :func:`ours` and :func:`takeaway`. Its ``changes`` stay empty: the page
    shows the rewritten checks (:func:`changes`) in a cell of their own, before the claim."""
    checks, core, outcomes, _ = band_checks(curves.stats, rules, curves.seeds)
    return Judged(
        checks,
        core,
        ours(curves),
        takeaway(curves, core, outcomes),
        glue_values(curves, outcomes),
    )


def room(curves: Curves, checks: dict, core: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    """How much room there is to lower a curve: :func:`room_table` in images of the worst class
    and the diagnosis' glue (``z9_*``: the failed core checks, the baseline's conv5 head and
    band in pts and images, the regularized heads and accuracies, units per class here and in
    the paper, :func:`unitroles.study.scale_comparison`)."""
    head, accuracy = curves.head(), curves.accuracy
    pts_per_image = 100 / curves.images
    base_c5 = head.loc[BASELINE, "conv5"]
    first = curves.seeds[0]
    scale = study.scale_comparison(
        len(curves.drops[BASELINE, first, "conv5"]),
        curves.num_classes,
        accuracy.loc[first, BASELINE],
    )
    return room_table(head, pts_per_image), {
        "z9_failed_core": "; ".join(verdicts.failed_core(checks, core)) or "none",
        "z9_images": curves.images,
        "z9_units_per_class": scale["units_per_class"],
        "z9_paper_units_per_class": scale["paper_units_per_class"],
        "z9_base_head": f"{base_c5.mean():.1f}",
        "z9_base_head_images": f"{base_c5.mean() / pts_per_image:.1f}",
        "z9_base_band": verdicts.over_seeds(base_c5, mean=False),
        "z9_base_band_images": f"{(base_c5.max() - base_c5.min()) / pts_per_image:.0f}",
        "z9_bn_head": f"{head.loc['batchnorm', 'conv5'].mean():.1f}",
        "z9_do_head": f"{head.loc['dropout-conv5', 'conv5'].mean():.1f}",
        "z9_acc_bn": against_baseline(accuracy, "batchnorm"),
        "z9_acc_do": against_baseline(accuracy, "dropout-conv5"),
    }


# colour-blind safe and told apart by line style too: baseline black, the others orange, blue
LOOKS = [(plots.PALETTE[7], "-"), (plots.PALETTE[1], "--"), (plots.PALETTE[0], "-.")]


def curves_figure(drops: dict, accuracy: pd.DataFrame, layers: Sequence[str]):
    """Fig. 8: one panel per layer, each recipe's sorted max class drop curves as a band over
    seeds (:func:`unitroles.plots.seed_band`), the head shaded and the line at
    :data:`unitroles.drop_curves.OVER_PTS` dotted; captioned, with alt text. ``drops`` is
    ``(recipe, seed, layer)`` -> drops ``(units,)``; ``accuracy`` ``(seeds, recipes)`` in %."""
    recipes, seeds = list(accuracy.columns), list(accuracy.index)
    fig, axes = plots.figure(len(layers), width=7.0, height=3.4, sharey=True)
    axes = np.atleast_1d(axes)
    for ax, layer in zip(axes, layers):
        for k, recipe in enumerate(recipes):
            colour, style = LOOKS[k % len(LOOKS)]
            acc = verdicts.over_seeds(accuracy[recipe], ".0f", mean=False)
            curves = drop_curves.stack([drops[recipe, s, layer] for s in seeds])
            plots.seed_band(ax, curves, color=colour, ls=style, label=f"{recipe} ({acc}%)")
        head_units = drop_curves.head_size(len(drops[BASELINE, seeds[0], layer]))
        ax.axvspan(0.5, head_units + 0.5, color="0.5", alpha=0.12, lw=0)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.axhline(drop_curves.OVER_PTS, color="0.5", lw=0.8, ls=":")
        ax.set_title(f"({'abcdefgh'[layers.index(layer)]}) {layer}")
    # one x label, under the middle panel: one under each ran into the next
    axes[len(layers) // 2].set_xlabel("units, sorted by max class drop (each panel)")
    axes[0].set_ylabel("max class drop (pts)")
    fig.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
        fontsize=plots.SMALL, title="recipe (validation accuracy over seeds)",
        title_fontsize=plots.SMALL,
    )  # fmt: skip
    head = {key: drop_curves.summary(d)["head"] for key, d in drops.items()}
    heads = "; ".join(
        f"{layer}: "
        + ", ".join(
            f"{recipe} {np.mean([head[recipe, s, layer] for s in seeds]):.1f} pts"
            for recipe in recipes
        )
        for layer in layers
    )
    return plots.caption(
        fig,
        f"Max class drop (percentage points, positive = worse) of every unit of "
        f"{', '.join(layers)}, sorted largest first, for the {', '.join(recipes)} recipes "
        f"(legend: validation accuracy over seeds). Lines: rank-by-rank mean over {len(seeds)} "
        f"seeds; bands: their range. Grey strip: the curve's head; dotted line: "
        f"{drop_curves.OVER_PTS:g} pts.",
        alt=f"{len(layers)} line charts, one per layer, of sorted max class drops for "
        f"{len(recipes)} recipes. Mean over seeds of the top {head_pct()}% of units: {heads}.",
    )


__all__ = [
    "BASELINE",
    "LOOKS",
    "NAMES",
    "PAPER",
    "PAPER_FIG8",
    "RULES",
    "SHORT",
    "Curves",
    "against_baseline",
    "band_checks",
    "beside_paper",
    "beyond_band",
    "changes",
    "curve_stats",
    "curves_figure",
    "glue_values",
    "head_direction",
    "head_pct",
    "head_ranges",
    "held_seeds",
    "judge",
    "max_class_drops",
    "measure",
    "ours",
    "range_table",
    "room",
    "room_table",
    "schedule",
    "stat_titles",
    "takeaway",
]
