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

import numpy as np
import pandas as pd

from unitroles import drop_curves, evidence, plots, sweeps, train, verdicts

BASELINE = "baseline"
# how a page names a recipe in its checks' sentences
NAMES = {"batchnorm": "batch norm", "dropout-conv5": "conv5 dropout"}


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
    "against_baseline",
    "band_checks",
    "beyond_band",
    "curve_stats",
    "curves_figure",
    "head_direction",
    "head_pct",
    "max_class_drops",
    "range_table",
    "room_table",
    "schedule",
    "stat_titles",
]
