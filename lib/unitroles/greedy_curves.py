"""Zhou et al. 2018, Fig. 4 over seeds: held-out greedy ablation curves, read and judged.

:func:`over_seeds` runs :func:`unitroles.study.held_out_greedy` (units chosen on one half of
each class's images, scored on the other) on every instance of a recipe and returns a
:class:`GreedySeeds`. The rest reads it: the figure (:func:`figure`), the table by number of
units ablated (:func:`step_table`), one row per seed (:func:`per_seed`), the claim's checks
(:func:`checks`), the claim judged with the page's numbers and words (:func:`judge`), and the
measures the page's exercises ask for (:func:`halving_step`, :func:`halving_counts`,
:func:`single_unit_overlap`, :func:`crosstalk`, each read from the runs by
:func:`halving_exercise`, :func:`single_unit_exercise` and :func:`crosstalk_exercise`).

Accuracies are each class's accuracy on its own images, in %; drops are in percentage points
(pts), positive = worse. Nothing here keys a cache: the greedy results are cached by
:mod:`unitroles.study` and :mod:`unitroles.greedy`, the sweeps by :mod:`unitroles.sweeps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import engine, plots, study, sweeps, tables, verdicts
from .evaluation import Setup
from .report import Judged

# the paper's greedy drops for AlexNet-Places365 conv5 (256 units), sec. 3.2 and Fig. 4
PAPER_STEPS = {5: "≈ 28", 10: "> 40", 15: "class near 0%"}
TABLE_STEPS = (1, 5, 10, 15, 20)  # rows of :func:`step_table`: units ablated
PAPER = (
    "a handful of units carries a class: removing its 5 most useful conv5 units greedily costs "
    "it about 28 pts and 10 units over 40, while as many random units cost almost nothing."
)


@dataclass
class GreedySeeds:
    """Held-out greedy results at one layer, one per seed (:class:`study.HeldOutGreedy`)."""

    seeds: list[int]
    results: list[study.HeldOutGreedy]
    layer: str
    steps: int  # units removed per class
    units_total: int  # units of the layer

    def drops(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per seed: greedy and random class drops ``(classes, steps + 1)`` (pts), scored on the
        held-out half (:meth:`study.HeldOutGreedy.drops`)."""
        return [r.drops() for r in self.results]

    def chosen_drops(self) -> list[np.ndarray]:
        """Per seed: the greedy class drops ``(classes, steps + 1)`` (pts) scored on the half the
        units were chosen on (in-sample)."""
        return [r.chosen[:, :1] - r.chosen for r in self.results]

    def paper_units(self) -> int:
        """The paper's 10 of 256 units as the same fraction of this layer, at least 1."""
        return max(1, round(self.units_total * 10 / 256))


def over_seeds(
    instances: Sequence[Setup],
    seeds: Sequence[int],
    layer: str,
    steps: int,
    *,
    random_orders: int,
    seed: int,
) -> GreedySeeds:
    """:func:`study.held_out_greedy` for every class of every instance, ``steps`` capped at the
    layer's width; ``seed`` draws the random orders. Cached by content there."""
    first = instances[0]
    units_total = sweeps.layer_units(first.model, layer, first.images)
    steps = min(steps, units_total)
    results = [
        study.held_out_greedy(
            st.model, layer, st.images, st.labels, range(st.num_classes), steps,
            random_orders=random_orders, seed=seed,
        )
        for st in instances
    ]  # fmt: skip
    return GreedySeeds(list(seeds), results, layer, steps, units_total)


def shown_classes(num_classes: int, count: int, seed: int) -> list[int]:
    """``count`` classes drawn at random (seeded by ``seed``), sorted: panel (a)'s."""
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(num_classes, size=min(count, num_classes), replace=False))


def figure(runs: GreedySeeds, setup: Setup, shown: Sequence[int]) -> None:
    """Fig. 4 with its caption: (a) the first seed's accuracy curves of the ``shown`` classes,
    greedy (solid) and random (dotted); (b) the mean class drop over classes, held out, where
    chosen (dashed) and random, mean over seeds with their range as a band."""
    result, steps, units_total = runs.results[0], runs.steps, runs.units_total
    drops, chosen_drops = runs.drops(), runs.chosen_drops()
    n = np.arange(steps + 1)
    fig, (ax_a, ax_b) = plots.figure(2, width=7.0, height=4.0)
    for i, k in enumerate(shown):
        colour = plots.PALETTE[i % len(plots.PALETTE)]
        ax_a.plot(n, result.greedy[k], color=colour, label=tables.pretty(setup.class_names[k]))
        ax_a.plot(n, result.random[k].mean(0), color=colour, ls=":", lw=1)
    ax_a.set(
        xlabel="units ablated", ylabel="class accuracy (%)",
        title=f"(a) seed {runs.seeds[0]}: greedy (solid), random (dotted)",
    )  # fmt: skip
    # the class names below the panel, off the curves
    ax_a.legend(fontsize=plots.SMALL, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    curves = {
        "greedy, scored on the held-out half": [g.mean(0) for g, _ in drops],
        "greedy, scored where chosen": [c.mean(0) for c in chosen_drops],
        "random order": [r.mean(0) for _, r in drops],
    }
    for i, (label, per_seed_curves) in enumerate(curves.items()):
        lo, hi = study.seed_band(per_seed_curves)
        ax_b.plot(n, np.mean(per_seed_curves, 0), color=plots.PALETTE[i], label=label,
                  ls="--" if "where chosen" in label else "-")  # fmt: skip
        ax_b.fill_between(n, lo, hi, color=plots.PALETTE[i], alpha=0.2, lw=0)
    ax_b.set(
        xlabel="units ablated", ylabel="class accuracy drop (pts)",
        title=f"(b) mean over classes, {len(runs.seeds)} seeds",
    )  # fmt: skip
    top = ax_b.secondary_xaxis(
        "top", functions=(lambda u: 100 * u / units_total, lambda p: p * units_total / 100)
    )
    top.set_xlabel(f"% of the layer's {units_total} units", fontsize=plots.SMALL)
    ax_b.legend(fontsize=plots.SMALL, loc="upper left")  # the curves rise to the right
    ten = min(10, steps)
    plots.caption(
        fig,
        f"Greedy ablation at {runs.layer}, units chosen on one half of each class's validation "
        f"images and scored on the other. (a) Seed {runs.seeds[0]}: the accuracy (%) of "
        f"{len(shown)} classes drawn at random as units are removed greedily for that class "
        "(solid) or in random orders (dotted). (b) The class accuracy drop in percentage points "
        "(positive = worse), mean over classes: greedy units scored on the held-out half, the "
        "same units scored where they were chosen (dashed), and random orders; lines are the "
        f"mean over {len(runs.seeds)} seeds, bands their range. The top axis gives the share of "
        "the layer removed.",
        alt=f"Two line charts against the number of units ablated (0 to {steps}). Left: class "
        f"accuracy of {', '.join(tables.pretty(setup.class_names[k]) for k in shown)} "
        "as units are removed greedily (solid) or at random (dotted). Right: mean class accuracy "
        f"drop; after {ten} units greedy (held out) costs "
        f"{np.mean([g.mean(0)[ten] for g, _ in drops]):.0f} pts and random orders "
        f"{np.mean([r.mean(0)[ten] for _, r in drops]):.1f} pts on average over seeds.",
    )
    plots.show()


def step_table(runs: GreedySeeds) -> pd.DataFrame:
    """One row per number of units ablated (:data:`TABLE_STEPS` up to ``steps``): the share of
    the layer, the mean class drop held out, where chosen and random, and the median class
    accuracy held out, each as the mean over seeds with their range (:func:`verdicts.over_seeds`),
    and the paper's greedy figures."""
    drops, chosen_drops = runs.drops(), runs.chosen_drops()
    at = [t for t in TABLE_STEPS if t <= runs.steps]

    def over(curves) -> list[str]:
        return [verdicts.over_seeds([c[t] for c in curves]) for t in at]

    table = pd.DataFrame(
        {
            "greedy, held out: mean class drop (pts)": over([g.mean(0) for g, _ in drops]),
            "greedy, where chosen (pts)": over([c.mean(0) for c in chosen_drops]),
            "random: mean class drop (pts)": over([r.mean(0) for _, r in drops]),
            "greedy, held out: median class accuracy (%)": over(
                [np.median(r.greedy, axis=0) for r in runs.results]
            ),
        },
        index=pd.Index(at, name="units ablated"),
    )
    table.insert(0, "% of the layer", [round(100 * t / runs.units_total, 1) for t in at])
    table["paper: greedy, of 256 units"] = pd.Series(PAPER_STEPS)
    return table


def per_seed(runs: GreedySeeds) -> pd.DataFrame:
    """One row per seed: the held-out greedy drop after 5 and 10 units, the random drop after 10
    and after :meth:`GreedySeeds.paper_units` units (pts), and the median class accuracy after
    15 greedy units (%); a step past ``steps`` reads the last one."""

    def at_step(curve, t):
        return float(curve[min(t, runs.steps)])

    paper_units = runs.paper_units()
    return pd.DataFrame(
        {
            "seed": s,
            "greedy 5 (pts)": at_step(g.mean(0), 5),
            "greedy 10 (pts)": at_step(g.mean(0), 10),
            "random 10 (pts)": at_step(r.mean(0), 10),
            f"random {paper_units} (pts)": at_step(r.mean(0), paper_units),
            "median class accuracy after 15 (%)": at_step(np.median(res.greedy, axis=0), 15),
        }
        for s, (g, r), res in zip(runs.seeds, runs.drops(), runs.results)
    ).set_index("seed")


GAP_CHECK = "held-out greedy 10 units cost a class ≥ 30 pts more than random 10"


def checks(rows: pd.DataFrame, paper_units: int) -> dict[str, list[bool]]:
    """Claim Z4's checks, outcome per seed, from :func:`per_seed`'s rows; the core check is
    :data:`GAP_CHECK`, the paper's contrast of greedy and random units."""
    return {
        GAP_CHECK: list(rows["greedy 10 (pts)"] - rows["random 10 (pts)"] >= 30),
        "held-out greedy top 5 ≥ 20 pts": list(rows["greedy 5 (pts)"] >= 20),
        "held-out greedy top 10 ≥ 35 pts": list(rows["greedy 10 (pts)"] >= 35),
        f"random {paper_units} units (the paper's 10 of 256, as a fraction of the layer) < 5 pts": (
            list(rows[f"random {paper_units} (pts)"] < 5)
        ),
        "median class accuracy after 15 held-out greedy units < 10%": list(
            rows["median class accuracy after 15 (%)"] < 10
        ),
    }


def judge(runs: GreedySeeds, rows: pd.DataFrame) -> Judged:
    """Claim Z4 judged on :func:`per_seed`'s ``rows`` (:func:`checks`, the core check
    :data:`GAP_CHECK`), with the numbers the page's prose cites (the first seed's and the
    ranges over seeds), the claim card's and the takeaway's *This run*."""
    paper_units = runs.paper_units()
    outcomes = checks(rows, paper_units)
    found, core = study.seed_checks(outcomes, core=[GAP_CHECK])
    n, gap = len(runs.seeds), sum(outcomes[GAP_CHECK])
    first = rows.iloc[0]
    g10_range = verdicts.over_seeds(rows["greedy 10 (pts)"], ".0f", mean=False)
    r10_range = verdicts.over_seeds(rows["random 10 (pts)"], mean=False)
    ten_pct = f"{100 * min(10, runs.steps) / runs.units_total:.0f}%"
    glue = {
        "seed0": runs.seeds[0], "n_seeds": n,
        "g5": f"{first['greedy 5 (pts)']:.0f}", "g10": f"{first['greedy 10 (pts)']:.0f}",
        "r10": f"{first['random 10 (pts)']:.1f}",
        "acc15": f"{first['median class accuracy after 15 (%)']:.0f}",
        "g10_range": g10_range, "r10_range": r10_range,
        "seeds_gap": gap,
        "paper_units": paper_units,
        "paper_pct": f"{100 * paper_units / runs.units_total:.0f}%",
        "ten_pct": ten_pct,
        "units_total": runs.units_total, "layer": runs.layer,
    }  # fmt: skip
    ours = "; ".join(
        f"seed {s}: top 5 {r['greedy 5 (pts)']:.0f} pts, top 10 {r['greedy 10 (pts)']:.0f} pts, "
        f"random 10 {r['random 10 (pts)']:.1f} pts (held out)"
        for s, r in rows.iterrows()
    )
    takeaway = (
        f"scored on held-out images, removing a class's ten most useful {runs.layer} units costs "
        f"it {g10_range} pts over {n} seeds, ten units in a random order {r10_range} pts; the "
        f"greedy ten cost at least 30 pts more than the random ten on {gap} of {n} seeds. Our "
        f"layer has {runs.units_total} units, so ten are {ten_pct} of it."
    )
    return Judged(found, core, ours, takeaway, glue)


# --- the exercises' measures ----------------------------------------------------------------


def halving_step(curve) -> int | None:
    """The first number of units ablated at which ``curve`` is at most half its start; None if
    it never gets there."""
    below = np.flatnonzero(curve <= curve[0] / 2)
    return int(below[0]) if len(below) else None


def _units(n) -> str:
    return f"{n:g} unit{'' if n == 1 else 's'}"


def halving_counts(result: study.HeldOutGreedy, class_names: Sequence[str]) -> dict:
    """Exercise 1 (glue names ``ex1_*``): how many classes with a nonzero intact accuracy greedy
    ablation halves (:func:`halving_step` of each greedy curve), in how many units (median and
    range), how many a random order halves (its mean over orders), and which classes sit at 0%
    before any ablation."""
    base = result.greedy[:, 0]
    alive = np.flatnonzero(base > 0)  # a class at 0% cannot be halved
    greedy_half = [halving_step(result.greedy[k]) for k in alive]
    random_half = [halving_step(result.random[k].mean(0)) for k in alive]
    reached = [t for t in greedy_half if t is not None]
    median = np.median([np.inf if t is None else t for t in greedy_half])
    dead = [tables.pretty(class_names[result.classes[i]]) for i in np.flatnonzero(base == 0)]
    if not reached:
        spread = "—"
    elif len(set(reached)) > 1:
        spread = f"{min(reached)}–{max(reached)} units"
    else:
        spread = _units(reached[0])
    return {
        "ex1_alive": len(alive),
        "ex1_reached": len(reached),
        "ex1_median": (
            f"the median class gets there after {_units(median)}"
            if len(reached) > len(alive) / 2
            else "the median class does not get there"
        ),
        "ex1_range": spread,
        "ex1_random": sum(t is not None for t in random_half),
        "ex1_dead": (
            f" ({', '.join(dead)} {'is' if len(dead) == 1 else 'are'} at 0% before any "
            "ablation and left out)"
            if dead
            else ""
        ),
    }


def single_unit_overlap(
    result: study.HeldOutGreedy, chosen_drop: np.ndarray, single, t: int
) -> dict:
    """Exercise 2 (glue names ``ex2_*``): greedy's first ``t`` units against the single-unit
    sweep ``single`` (:class:`engine.AblationCounts` on the half greedy chose on): for how many
    classes greedy's first accuracy is the sweep's lowest; how many of the ``t`` units the two
    rankings share (greedy's tie rule: the larger class loss first); and the median class drop of
    the ``t`` units together (``chosen_drop``, pts) against the sum of their single drops."""
    single_acc, single_loss = single.class_accuracy(), single.loss.numpy()
    single_drop = single.class_drop()
    overlap, together, alone = [], [], []
    for i, k in enumerate(result.classes):
        top = np.lexsort((-single_loss[:, k], single_acc[:, k]))[:t]  # greedy's rule, alone
        overlap.append(len(set(top.tolist()) & set(result.order[i, :t].tolist())))
        together.append(chosen_drop[i, t])
        alone.append(single_drop[result.order[i, :t], k].sum())
    joint, summed = np.median(together), np.median(alone)
    return {
        "ex2_t": t,
        "ex2_equal": int(np.isclose(result.chosen[:, 1], single_acc.min(0)[result.classes]).sum()),
        "ex2_classes": len(result.classes),
        "ex2_overlap": f"{np.median(overlap):g}",
        "ex2_same": int(sum(o == t for o in overlap)),
        "ex2_together": f"{joint:.0f}",
        "ex2_alone": f"{summed:.0f}",
        "ex2_compare": (
            "more than" if joint > summed else "less than" if joint < summed else "as much as"
        ),
    }


def crosstalk(sets: np.ndarray, class_names: Sequence[str], world=None) -> dict:
    """Exercise 3 (glue names ``ex3_*`` but ``ex3_t``): ``sets`` ``(classes, classes)`` drops
    (pts), row i ablating class i's greedy units, column j measuring class j. The median own
    drop, the mean drop of the other classes, the share of (units of one class, another class)
    pairs losing more than 10 pts, and a table of the five worst pairs; ``world`` (the synthetic
    world, whose class recipes name their objects) adds whether the pair shares an object."""
    own = np.diag(sets)
    off = ~np.eye(len(sets), dtype=bool)
    pairs = pd.DataFrame(
        [
            {
                "units of": class_names[i],
                "class hurt": class_names[j],
                "its drop (pts)": sets[i, j],
                "own class's drop (pts)": own[i],
            }
            for i, j in zip(*np.nonzero(off))
        ]
    ).sort_values("its drop (pts)", ascending=False, kind="stable")
    if world is not None:
        recipes = {c.name: {p.name for p in c.parts} for c in world.classes}
        pairs["share an object"] = [
            bool(recipes[a] & recipes[b]) for a, b in zip(pairs["units of"], pairs["class hurt"])
        ]
    return {
        "ex3_own": f"{np.median(own):.0f}",
        "ex3_other": f"{sets[off].mean():.1f}",
        "ex3_share": f"{100 * (sets[off] > 10).mean():.0f}%",
        "ex3_pairs": tables.table(pairs.head(5), index=False, decimals=1),
    }


def halving_exercise(runs: GreedySeeds, class_names: Sequence[str]) -> dict:
    """Exercise 1's glue: :func:`halving_counts` of the first seed, and ``ex_steps``, the units
    removed per class."""
    return {"ex_steps": runs.steps, **halving_counts(runs.results[0], class_names)}


def single_unit_exercise(runs: GreedySeeds, setup: Setup, t: int = 5) -> dict:
    """Exercise 2's glue: :func:`single_unit_overlap` of the first seed's greedy units (``setup``
    its model and images) against the single-unit sweep on the half greedy chose them on
    (:func:`unitroles.study.split_halves`, :func:`unitroles.sweeps.unit_sweep`), for greedy's
    first ``t`` units (at most ``steps``)."""
    choose, _ = study.split_halves(setup.labels)
    single = sweeps.unit_sweep(
        setup.model, runs.layer, setup.images[choose], setup.labels[choose], setup.num_classes
    )
    # on the choose half, like the sweep: greedy's first t units against the t most damaging alone
    chosen_drop = runs.chosen_drops()[0]
    return single_unit_overlap(runs.results[0], chosen_drop, single, t=min(t, runs.steps))


def greedy_set_drops(runs: GreedySeeds, setup: Setup, t: int) -> np.ndarray:
    """``(classes, classes)`` drops (pts) on all of ``setup``'s images: row i ablates the first
    seed's first ``t`` greedy units of class i together (:func:`unitroles.engine.unit_sets`, a
    cached sweep), column j measures class j."""
    result = runs.results[0]
    sets = engine.unit_sets(runs.units_total, [order[:t].tolist() for order in result.order])
    counts = sweeps.cached_sweep(
        setup.model, runs.layer, setup.images, setup.labels, sets, setup.num_classes,
        name=f"greedy-sets-{runs.layer}",
    )  # fmt: skip
    return counts.class_drop()[:, result.classes]


def crosstalk_exercise(runs: GreedySeeds, setup: Setup, world=None, t: int = 10) -> dict:
    """Exercise 3's glue: :func:`crosstalk` of :func:`greedy_set_drops` for each class's first
    ``t`` greedy units (at most ``steps``; ``ex3_t``), ``world`` as there."""
    t = min(t, runs.steps)
    names = [setup.class_names[k] for k in runs.results[0].classes]
    return {"ex3_t": t, **crosstalk(greedy_set_drops(runs, setup, t), names, world)}
