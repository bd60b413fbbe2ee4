"""Zhou et al. 2018, Fig. 7: ablating units against ablating random directions of a layer.

A random orthogonal rotation of a layer's channel space (:func:`unitroles.engine.random_rotation`)
leaves the network's outputs unchanged; ablating one axis of the rotated basis removes the
activation's projection on that direction at every position
(:func:`unitroles.engine.directions`). :func:`measure` sweeps every unit and every axis of
several rotations of each model, and summarises each basis's sorted max class drop curve
(:func:`unitroles.drop_curves.summary`: head, share over 10 pts, mean, largest) and its mean
overall drop. :class:`DirectionCurves` holds the result; :func:`figure`, :func:`table`,
:func:`checks` and :func:`over_sentence` read it; :func:`models` gives the page's models and
:func:`glue_values`, :func:`ours` and :func:`takeaway_text` its glue and sentences, which
:func:`judge` puts together for the claim cell. Drops are in percentage points (pts),
positive = worse. The sweeps are cached by :mod:`unitroles.sweeps`; nothing here keys a cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import torch

from . import drop_curves, engine, evidence, plots, sweeps, verdicts
from .evaluation import Setup
from .report import Judged

span = partial(verdicts.over_seeds, mean=False)  # "10.1–14.2": the range over the models
HEAD_PCT = round(100 * drop_curves.HEAD_FRACTION)  # the head of a curve, in % of its units
# statistic -> its row title in :func:`table`
STATISTICS = {
    "head": f"top {HEAD_PCT}% mean max class drop (pts)",
    "over": f"share over {drop_curves.OVER_PTS:g} pts (%)",
    "mean": "mean max class drop (pts)",
    "largest": "largest max class drop (pts)",
    "overall": "mean overall drop (pts)",
}


def bases(setup: Setup, layer: str, rotations: int) -> dict:
    """Single-unit sweep summaries (:meth:`unitroles.engine.AblationCounts.summary`, one row per
    unit or direction) of ``layer``: ``"units"``, and rotation ``r`` for ``r < rotations``
    (every rotation's axes stacked into one cached sweep)."""
    args = (setup.model, layer, setup.images, setup.labels)
    width = sweeps.layer_units(setup.model, layer, setup.images)
    # one shard per sweep: the layer's prefix runs once over the images, not once per 16
    summaries = {"units": sweeps.unit_sweep(*args, setup.num_classes, shard_size=width).summary()}
    # every rotation's basis stacked into one sweep: rows r * width .. (r + 1) * width - 1
    stacked = torch.cat([engine.random_rotation(width, r) for r in range(rotations)])
    rotated = sweeps.cached_sweep(
        *args, engine.directions(stacked), setup.num_classes, name=f"rotations-{layer}",
        shard_size=len(stacked),
    ).summary().reset_index(drop=True)  # fmt: skip
    for r in range(rotations):
        summaries[r] = rotated.iloc[r * width : (r + 1) * width]
    return summaries


@dataclass
class DirectionCurves:
    """Fig. 7's sweeps for several networks and seeds."""

    seeds: list[int]
    rotations: int
    layers: dict[str, str]  # network -> its layer
    # one row per (network, seed, basis: "units" or a rotation): drop_curves.summary of the max
    # class drop, "overall" (mean overall drop) and "ablated" ("units" | "random")
    stats: pd.DataFrame
    max_drops: dict  # (network, seed, basis) -> max class drop per unit or direction
    overall: dict  # the same keys -> overall drop per unit or direction

    @property
    def units(self) -> pd.DataFrame:
        """The units' rows, indexed (network, seed)."""
        return self.stats[self.stats["ablated"] == "units"].set_index(["network", "seed"])

    def random(self, how: str = "mean") -> pd.DataFrame:
        """Each model's rotations reduced by ``how`` (``"mean"`` or ``"max"``), (network, seed)."""
        rows = self.stats[self.stats["ablated"] == "random"].groupby(["network", "seed"])
        return getattr(rows, how)(numeric_only=True)


def measure(
    setups: dict[str, Sequence[Setup]],
    layers: dict[str, str],
    seeds: Sequence[int],
    rotations: int,
) -> DirectionCurves:
    """:func:`bases` of every model: ``setups`` maps a network's name to its models, one per
    seed; ``layers`` the name to its layer."""
    rows, max_drops, overall = [], {}, {}
    for name, models in setups.items():
        for seed, setup in zip(seeds, models):
            for basis, summary in bases(setup, layers[name], rotations).items():
                max_drops[name, seed, basis] = summary["max_class_drop"].to_numpy()
                overall[name, seed, basis] = summary["overall_drop"].to_numpy()
                rows.append(
                    {"network": name, "seed": seed, "basis": basis,
                     **drop_curves.summary(summary["max_class_drop"]),
                     "overall": summary["overall_drop"].mean()}
                )  # fmt: skip
    stats = pd.DataFrame(rows)
    stats["ablated"] = np.where(stats["basis"] == "units", "units", "random")
    return DirectionCurves(list(seeds), rotations, dict(layers), stats, max_drops, overall)


def figure(curves: DirectionCurves) -> None:
    """Fig. 7 with its caption: per network (rows), the sorted max class drop (left) and overall
    drop (right) curves of units and of random directions, mean over seeds with their range
    (a random curve first averages each model's rotations rank by rank)."""
    seeds, rotations = curves.seeds, curves.rotations
    fig, axes = plots.figure(2, 2, width=7.0, height=5.6)
    kinds = [(curves.max_drops, "max class drop"), (curves.overall, "overall drop")]
    for row, (name, layer) in enumerate(curves.layers.items()):
        for col, (drops, what) in enumerate(kinds):
            ax = axes[row, col]
            unit_curves = drop_curves.stack([drops[name, s, "units"] for s in seeds])
            # per model: the rank-by-rank mean of its rotations' sorted curves
            random_curves = np.stack(
                [drop_curves.stack([drops[name, s, r] for r in range(rotations)]).mean(0)
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
    means = curves.stats.groupby(["network", "ablated"]).mean(numeric_only=True)
    plots.caption(
        fig,
        "Ablating units (blue) against ablating the axes of a random rotation of the same layer "
        "(orange), "
        + " and ".join(f"{name} {layer}" for name, layer in curves.layers.items())
        + ". (a, c) Max class drop; (b, d) overall drop (its own, much smaller scale); in "
        "percentage points, positive = worse, each curve sorted largest first. Lines: mean over "
        f"{len(seeds)} training seeds (random: each model's mean over {rotations} rotations "
        "first); bands: their range. Grey strip: the curve's head; dotted line: "
        f"{drop_curves.OVER_PTS:g} pts.",
        alt="Four line charts of sorted drops, units against random directions. "
        + "; ".join(
            f"{name} {layer}: head of the max class drop curve "
            f"{means.loc[(name, 'units'), 'head']:.1f} pts for units, "
            f"{means.loc[(name, 'random'), 'head']:.1f} pts for random directions; mean overall "
            f"drop {means.loc[(name, 'units'), 'overall']:.2f} against "
            f"{means.loc[(name, 'random'), 'overall']:.2f} pts"
            for name, layer in curves.layers.items()
        )
        + ".",
    )
    plots.show()


def table(curves: DirectionCurves) -> pd.DataFrame:
    """One row per statistic (:data:`STATISTICS`), one column per network and basis (units,
    random): the mean over models and their range; and the paper's reading of its figure."""
    units, random_mean = curves.units, curves.random("mean")
    frame = pd.DataFrame(
        {
            f"{name} {layer}: {what}": {
                title: verdicts.over_seeds(
                    frame.loc[name, column], ".2f" if column == "overall" else ".1f"
                )
                for column, title in STATISTICS.items()
            }
            for name, layer in curves.layers.items()
            for what, frame in [("units", units), ("random", random_mean)]
        }
    )
    # Zhou et al. 2018, sec. 3.4 and Fig. 7
    frame["paper: AlexNet conv5, ResNet18 layer4"] = pd.Series(
        {STATISTICS["head"]: "units above random", STATISTICS["mean"]: "units above random",
         STATISTICS["overall"]: "units above random; gap small (axis × 1000)"}
    ).reindex(frame.index, fill_value="—")  # fmt: skip
    return frame


HEAD_ABOVE = (
    f"the head of the units' max class drop curve (top {HEAD_PCT}% mean) above every rotation's"
)


def paired_head(name: str, layer: str) -> str:
    """The core check of one network (issue 25), by name."""
    return f"{name} {layer}: the units' head minus the best rotation's, paired over seeds, above 0"


def checks(curves: DirectionCurves) -> tuple[dict, list[str], dict]:
    """Claim Z8's checks, the core ones, and the core checks they replaced (issue 25).

    Core, per network: the head of the units' max class drop curve (top 10% mean) minus the
    best rotation's, paired over the seeds (:func:`unitroles.evidence.paired`): its 95% interval
    above 0; with one seed (the paper profile), that seed's comparison. Details, voted over seeds
    (:func:`verdicts.seed_vote`): the share over 10 pts and the mean max class drop above every
    rotation's (the share *not informative* where neither units nor any direction reach the
    line), and the overall gap under a tenth of the mean max class drop gap. The third value maps
    the replaced check, "head above every rotation's" voted over seeds, to its outcome, by the
    name :mod:`unitroles.claim_history` gives it.
    """
    units, random_mean, random_max = curves.units, curves.random("mean"), curves.random("max")
    gap = units["mean"] - random_mean["mean"]  # (network, seed), pts
    overall_gap = units["overall"] - random_mean["overall"]
    out, core, old = {}, [], {}
    for name, layer in curves.layers.items():
        heads, best = units.loc[name, "head"], random_max.loc[name, "head"]
        if len(heads) >= 2:
            p = evidence.paired(heads, best)
            check = f"{paired_head(name, layer)}: {p.text('+.1f', 'pts')}"
            out[check] = evidence.paired_check(p, "above")
        else:
            check = f"{paired_head(name, layer)}: one seed, {heads.iloc[0] - best.iloc[0]:+.1f} pts"
            out[check] = bool(heads.iloc[0] > best.iloc[0])
        core.append(check)
        old[f"{name} {layer}: {HEAD_ABOVE}"] = verdicts.seed_vote((heads > best).to_numpy())
        per_seed = {
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
        for what, passes in per_seed.items():
            possible = over_possible or "share of units over" not in what
            seeds_text = verdicts.on_seeds(passes.to_numpy(), curves.seeds)
            if not possible:
                seeds_text = f"none over {drop_curves.OVER_PTS:g} pts on any seed"
            check = f"{name} {layer}: {what}, {seeds_text}"
            out[check] = verdicts.informative(verdicts.seed_vote(passes.to_numpy()), possible)
    return out, core, old


def over_sentence(curves: DirectionCurves) -> str:
    """The share of units over the line against random directions', or that none reach it."""
    units, random_mean, random_max = curves.units, curves.random("mean"), curves.random("max")
    parts, nowhere = [], []
    for name in curves.layers:
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


def ranges(curves: DirectionCurves, keys: dict[str, str]) -> dict[str, str | int]:
    """The page's glue of ranges over the models, per network (``keys``: name -> glue suffix):
    the head, share over the line and mean max class drop of units and random directions, on
    how many models the units' head beats every rotation, the overall and max class gaps."""
    units, random_mean, random_max = curves.units, curves.random("mean"), curves.random("max")
    gap = units["mean"] - random_mean["mean"]
    overall_gap = units["overall"] - random_mean["overall"]
    head_wins = units["head"] > random_max["head"]
    out = {}
    for n, k in keys.items():
        out |= {
            f"head_units_{k}": span(units.loc[n, "head"]),
            f"head_random_{k}": span(random_mean.loc[n, "head"]),
            f"head_wins_{k}": int(head_wins.loc[n].sum()),
            f"over_units_{k}": span(units.loc[n, "over"], ".0f"),
            f"over_random_{k}": span(random_mean.loc[n, "over"], ".0f"),
            f"mean_units_{k}": span(units.loc[n, "mean"]),
            f"mean_random_{k}": span(random_mean.loc[n, "mean"]),
            f"ogap_{k}": span(overall_gap.loc[n], ".2f"),
            f"gap_{k}": span(gap.loc[n]),
        }
    return out


# --- the page: its models, glue, claim text and takeaway ------------------------------------------

GLUE_KEYS = {"AlexNet": "alexnet", "ResNet18": "resnet"}  # network -> its glue names' suffix
PAPER = (
    "ablating units costs single classes more than ablating random directions of the same layer "
    "(AlexNet conv5, ResNet18 layer4), while the overall-drop gap is tiny: the network's units, "
    "not just its representation, carry class-specific information."
)


def models(run, seeds: Sequence[int], resnet_recipe: str) -> dict[str, list[Setup]]:
    """The page's models, one per seed, by network: the baseline AlexNet and ResNet18 of
    ``resnet_recipe`` (``run.model``; on the paper profile, the page's ``checkpoint`` and
    ``resnet_checkpoint``)."""
    networks = {  # name: (recipe, architecture, checkpoint parameter)
        "AlexNet": ("baseline", "alexnet", "checkpoint"),
        "ResNet18": (resnet_recipe, "resnet18", "resnet_checkpoint"),
    }
    return {
        name: [
            run.model(recipe, seed=seed, arch=arch, checkpoint=run[parameter], parameter=parameter)
            for seed in seeds
        ]
        for name, (recipe, arch, parameter) in networks.items()
    }


def models_text(setups: dict[str, Sequence[Setup]]) -> str:
    """One line per model: its network, description and top-1 accuracy (%)."""
    return "\n".join(
        f"{name}: {setup.description} — top-1 accuracy {100 * setup.accuracy:.1f}%"
        for name, group in setups.items()
        for setup in group
    )


def glue_values(curves: DirectionCurves, num_classes: int) -> dict:
    """The page's glue: seeds, rotations, the head and the line, the layers, the classes
    (``num_classes``), :func:`ranges` of every network (:data:`GLUE_KEYS`) and
    :func:`over_sentence`."""
    return {
        "n_seeds": len(curves.seeds),
        "rotation_seeds": curves.rotations,
        "head_pct": HEAD_PCT,
        "over_pts": f"{drop_curves.OVER_PTS:g}",
        **{f"{GLUE_KEYS[name]}_layer_name": layer for name, layer in curves.layers.items()},
        "num_classes": num_classes,
        **ranges(curves, {name: GLUE_KEYS[name] for name in curves.layers}),
        "over_sentence": over_sentence(curves),
    }


def ours(curves: DirectionCurves) -> str:
    """Claim Z8's figures of this run, per network: the heads of units and random directions and
    the overall gap, ranges over the models."""
    units, random_mean = curves.units, curves.random("mean")
    overall_gap = units["overall"] - random_mean["overall"]
    return "; ".join(
        f"{name} {layer}: top {HEAD_PCT}% mean max class drop "
        f"{span(units.loc[name, 'head'])} (units) vs "
        f"{span(random_mean.loc[name, 'head'])} pts (random), overall gap "
        f"{span(overall_gap.loc[name], '.2f')} pts, over {len(curves.seeds)} seeds"
        for name, layer in curves.layers.items()
    )


def changes(curves: DirectionCurves) -> dict:
    """The outcomes of :func:`checks`' core checks under their names without the run's interval
    (as :mod:`unitroles.claim_history` names them: :func:`paired_head`) and of the old checks
    they replaced, for :func:`unitroles.report.check_changes`."""
    found, core, old = checks(curves)
    names = [paired_head(name, layer) for name, layer in curves.layers.items()]
    return {**{name: found[c] for name, c in zip(names, core)}, **old}


def takeaway_text(curves: DirectionCurves) -> str:
    """What this run shows, for the takeaway: per network, on how many models the units' head
    lies above every rotation's, and both heads."""
    units, random_mean = curves.units, curves.random("mean")
    head_wins = units["head"] > curves.random("max")["head"]
    return " ".join(
        f"At {name} {layer}, the head of the units' max class drop curve lies above every "
        f"random rotation's on {int(head_wins.loc[name].sum())} of {len(curves.seeds)} seeds "
        f"({span(units.loc[name, 'head'])} pts for units, "
        f"{span(random_mean.loc[name, 'head'])} for random directions)."
        for name, layer in curves.layers.items()
    )


def judge(curves: DirectionCurves, num_classes: int) -> Judged:
    """Claim Z8 judged on ``curves`` (:func:`checks`; the core: each network's units' head
    against the best rotation's, paired over seeds), with the page's glue (:func:`glue_values`,
    ``num_classes`` the models' classes), the claim card's *This run* (:func:`ours`) and the
    takeaway's (:func:`takeaway_text`). The old checks beside the new are the page's later table
    (:func:`changes`), so ``changes`` stays empty here."""
    found, core, _ = checks(curves)
    glue = glue_values(curves, num_classes)
    return Judged(found, core, ours(curves), takeaway_text(curves), glue)
