"""Units chosen without ablation, removed together (Bau et al. 2020; the book's claim W2).

Bau et al. 2020 remove the few conv5 units most tied to a class and show that the class
collapses while the other classes barely move. Zhou et al.'s Fig. 4 chooses a class's units
greedily, by ablating them. Here a class's units are chosen by rules that ablate nothing, and
compared, ``k = 1 … steps`` units at a time, with greedy and random choices:

* ``concept``: the units with the highest IoU (network dissection, :mod:`unitroles.dissection`)
  with the class's required objects (parts drawn with probability 1 in the world's recipe,
  :func:`required_objects`; a unit's score is its best IoU over them). On the user's data
  (no world) the class's concept is the Broden scene label of the same name, when there is one.
* ``selectivity``: the units with the highest class selectivity for the class (Morcos et al.:
  spatial mean of the post-ReLU map, ``(μ_k − μ_¬k)/(μ_k + μ_¬k)``).
* ``weight``: the units with the largest L1 norm of their incoming weights (Zhou et al.'s
  attribute; the same units for every class).
* ``greedy``: Zhou Fig. 4's greedy order (:func:`unitroles.greedy.cached_greedy`).
* ``random``: random orders, seeded.

Every rule chooses on the ``choose`` half of each class's validation images
(:func:`unitroles.study.split_halves`; selectivity and greedy read images, the others do not)
and every set is scored on the other half, in one cached sweep (:func:`unitroles.sweeps.
cached_sweep`): the class's own accuracy drop and the mean drop of the other classes, in
percentage points (pts), positive = worse. Ties between units go to the lower unit index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import attributes, engine, greedy, plots, study, sweeps, verdicts
from .dissection import Dissection
from .evaluation import Setup
from .report import Judged

RULES = ("concept", "selectivity", "weight", "greedy", "random")
RULE_LABELS = {
    "concept": "concept IoU (no ablation)",
    "selectivity": "class selectivity (no ablation)",
    "weight": "weight L1 norm (no ablation)",
    "greedy": "greedy ablation (Zhou Fig. 4)",
    "random": "random units",
}
TABLE_STEPS = (1, 2, 4, 8)  # rows of :func:`step_table`: units removed

# The claim's checks (W2), written from Bau et al. 2020 and the book's question before the run
# that shows their outcome; each is evaluated on every seed at the last step (``steps`` units).
FAST_CHECK = "concept-chosen units cost their class at least half of what greedy units cost"
SPARE_CHECK = (
    "the other classes lose on average at most a fifth of what the concept-chosen units cost "
    "their class"
)
ALMOST_CHECK = "concept-chosen units cost their class at least 80% of what greedy units cost"
RANDOM_CHECK = "concept-chosen units cost their class at least 10 pts more than random units"
WEIGHT_CHECK = "concept-chosen units cost their class more than the largest-weight units"
CORE = (FAST_CHECK, SPARE_CHECK)
UNMEASURED = (
    "no class has a concept to choose units by: on the world a class's concept is an object "
    "its recipe always draws; on your data, the Broden scene label named as the class"
)
PAPER = (
    "removing the few units most important to a class destroys it (ski resort) while the other "
    "classes barely move."
)


def required_objects(world) -> dict[int, tuple[str, ...]]:
    """Class index -> the objects its recipe always draws (parts with ``p == 1``), for the
    classes of ``world`` that have any."""
    out = {}
    for k, cls in enumerate(world.classes):
        names = tuple(p.name for p in cls.parts if p.p >= 1.0)
        if names:
            out[k] = names
    return out


def class_concepts(
    dissection: Dissection, class_names: Sequence[str], world=None
) -> dict[int, list[int]]:
    """Class index -> the columns of ``dissection.concepts`` that stand for the class: its
    required objects (:func:`required_objects`) on the world, else the scene label named as the
    class (the user's Broden). Classes with none are left out."""
    concepts, categories = np.array(dissection.concepts), np.array(dissection.categories)
    if world is not None:
        objects = np.flatnonzero(categories == "object")
        wanted = required_objects(world)
        out = {k: [int(j) for j in objects if concepts[j] in names] for k, names in wanted.items()}
    else:
        scenes = np.flatnonzero(categories == "scene")
        out = {k: [int(j) for j in scenes if concepts[j] == name] for k, name in
               enumerate(class_names)}  # fmt: skip
    return {k: cols for k, cols in out.items() if cols}


def top_units(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` units with the highest ``scores (U,)``, highest first; ties: lower unit first."""
    return np.lexsort((np.arange(len(scores)), -np.asarray(scores, float)))[:k]


def orders(
    classes: Sequence[int],
    steps: int,
    *,
    concept: np.ndarray,
    selectivity: np.ndarray,
    weight: np.ndarray,
    greedy_order: np.ndarray,
    random_orders: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Each rule's units, rule -> ``(classes, orders, steps)``: ``concept`` ``(classes, U)``
    scores (the IoU with each class's concept), ``selectivity`` ``(U, K)``, ``weight`` ``(U,)``,
    ``greedy_order`` ``(K, ≥ steps)`` (row k: class k's greedy units); ``random_orders`` random
    orders per class drawn with ``seed``."""
    units = len(weight)
    rng = np.random.default_rng(seed)
    return {
        "concept": np.array([[top_units(concept[i], steps)] for i in range(len(classes))]),
        "selectivity": np.array([[top_units(selectivity[:, k], steps)] for k in classes]),
        "weight": np.array([[top_units(weight, steps)] for _ in classes]),
        "greedy": np.array([[greedy_order[k, :steps]] for k in classes]),
        "random": np.array(
            [[rng.permutation(units)[:steps] for _ in range(random_orders)] for _ in classes]
        ).reshape(len(classes), random_orders, steps),
    }


def set_drops(drops: np.ndarray, classes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """From the class drops ``(classes, orders, steps, K)`` (pts) of the sets of :func:`orders`
    (row i: class ``classes[i]``'s units), the class's own drop and the other classes' mean drop,
    each ``(classes, steps + 1)`` averaged over orders, with 0 for no unit removed."""
    n, _, steps, num = drops.shape
    own = np.stack([drops[i, :, :, k] for i, k in enumerate(classes)])  # (n, orders, steps)
    others = np.stack([np.delete(drops[i], k, axis=-1).mean(-1) for i, k in enumerate(classes)])
    pad = np.zeros((n, 1))
    return (np.hstack([pad, own.mean(1)]), np.hstack([pad, others.mean(1)]))


@dataclass
class Removal:
    """One model's removals: rule -> ``(classes, steps + 1)`` drops (pts) on the held-out half,
    of the class itself (``own``) and the other classes' mean (``others``)."""

    classes: list[int]
    steps: int
    own: dict[str, np.ndarray]
    others: dict[str, np.ndarray]
    units: dict[str, np.ndarray]  # rule -> (classes, orders, steps)

    def at(self, rule: str, t: int | None = None, what: str = "own") -> float:
        """The mean over classes of ``what`` (own | others) after ``t`` units (default: all)."""
        return float(getattr(self, what)[rule][:, self.steps if t is None else t].mean())


def measure(
    setup: Setup,
    layer: str,
    dissection: Dissection,
    weight: np.ndarray,
    steps: int,
    *,
    world=None,
    greedy_steps: int = 20,
    random_orders: int = 3,
    seed: int = 0,
) -> Removal | None:
    """Every rule's units for each class with a concept (:func:`class_concepts`), removed 1 …
    ``steps`` at a time and scored on the held-out half. Greedy runs ``greedy_steps`` steps on
    the choose half with Zhou Fig. 4's settings (so its cache is shared). None when no class has
    a concept."""
    concepts = class_concepts(dissection, setup.class_names, world)
    if not concepts:
        return None
    classes = sorted(concepts)
    num = setup.num_classes
    choose, score = study.split_halves(setup.labels)
    x, y = setup.images[choose], setup.labels[choose]
    units_total = len(weight)
    steps = min(steps, units_total)
    stats = attributes.class_statistics(setup.model, layer, x, y, num)
    found = greedy.cached_greedy(
        setup.model, layer, x, y, range(num), max(steps, greedy_steps), random_orders=0,
        seed=seed, progress=False,
    )  # fmt: skip
    iou = np.stack([dissection.iou[:, concepts[k]].max(1) for k in classes])
    chosen = orders(
        classes, steps, concept=iou, selectivity=stats.selectivity(), weight=weight,
        greedy_order=found.order, random_orders=random_orders, seed=seed,
    )  # fmt: skip
    sets = [list(u[: t + 1]) for rule in RULES for row in chosen[rule] for u in row
            for t in range(steps)]  # fmt: skip
    counts = sweeps.cached_sweep(
        setup.model, layer, setup.images[score], setup.labels[score],
        engine.unit_sets(units_total, sets), num, name=f"concept-removal-{layer}",
        shard_size=len(sets), progress=False,
    )  # fmt: skip
    drops = counts.class_drop()  # (sets, K)
    own, others, start = {}, {}, 0
    for rule in RULES:
        n_orders = chosen[rule].shape[1]
        block = drops[start : start + len(classes) * n_orders * steps]
        start += len(block)
        own[rule], others[rule] = set_drops(
            block.reshape(len(classes), n_orders, steps, num), classes
        )
    return Removal(classes, steps, own, others, chosen)


def per_seed(runs: Sequence[Removal], seeds: Sequence[int]) -> pd.DataFrame:
    """One row per seed: each rule's own-class and other-class mean drop after all ``steps``
    units (pts)."""
    rows = []
    for s, r in zip(seeds, runs):
        row = {"seed": s}
        for rule in RULES:
            row[f"{rule}: class (pts)"] = r.at(rule)
            row[f"{rule}: others (pts)"] = r.at(rule, what="others")
        rows.append(row)
    return pd.DataFrame(rows).set_index("seed")


def checks(rows: pd.DataFrame) -> dict[str, list[bool]]:
    """Claim W2's checks, outcome per seed, from :func:`per_seed`'s rows (core: :data:`CORE`).
    All read the drops after the last step; a class that loses nothing leaves the other classes
    nothing to lose (:data:`SPARE_CHECK` against a drop of 0)."""
    concept, greedy_ = rows["concept: class (pts)"], rows["greedy: class (pts)"]
    return {
        FAST_CHECK: list(concept >= 0.5 * greedy_),
        SPARE_CHECK: list(rows["concept: others (pts)"] <= 0.2 * concept.clip(lower=0)),
        ALMOST_CHECK: list(concept >= 0.8 * greedy_),
        RANDOM_CHECK: list(concept - rows["random: class (pts)"] >= 10),
        WEIGHT_CHECK: list(concept > rows["weight: class (pts)"]),
    }


def step_table(runs: Sequence[Removal]) -> pd.DataFrame:
    """Rows: rule and units removed (:data:`TABLE_STEPS` up to ``steps``); columns: the class's
    own drop and the other classes' mean drop, each the mean over seeds with its range."""
    steps = runs[0].steps
    rows = []
    for rule in RULES:
        for t in (t for t in TABLE_STEPS if t <= steps):
            rows.append(
                {
                    "rule": RULE_LABELS[rule],
                    "units removed": t,
                    "class drop (pts)": verdicts.over_seeds([r.at(rule, t) for r in runs]),
                    "other classes' mean drop (pts)": verdicts.over_seeds(
                        [r.at(rule, t, "others") for r in runs], ".2f"
                    ),
                }
            )
    return pd.DataFrame(rows).set_index(["rule", "units removed"])


def overlap_with_greedy(run: Removal) -> pd.Series:
    """The exercise's measure: per rule, the median over classes of how many of its ``steps``
    units are among greedy's ``steps`` (random: its first order)."""
    g = run.units["greedy"][:, 0]
    return pd.Series(
        {
            RULE_LABELS[rule]: float(
                np.median([len(set(u[0]) & set(gk)) for u, gk in zip(run.units[rule], g)])
            )
            for rule in RULES
            if rule != "greedy"
        },
        name=f"units shared with greedy's {run.steps} (median over classes)",
    )


def claim(rows: pd.DataFrame | None) -> tuple[dict, list[str]]:
    """W2's ``(checks, core)`` as :func:`unitroles.report.claim` takes them: :func:`checks` of
    :func:`per_seed`'s ``rows``, voted over the seeds; ``rows`` None (not measured): the core
    checks, undecided."""
    if rows is None:
        return {FAST_CHECK: None, SPARE_CHECK: None}, list(CORE)
    return study.seed_checks(checks(rows), core=CORE)


def span(rows: pd.DataFrame, column: str, fmt: str = ".0f") -> str:
    """``column`` of :func:`per_seed`'s rows over the seeds: their range, or the one value."""
    return verdicts.over_seeds(rows[column], fmt, mean=False, alone=True)


def glue_values(rows: pd.DataFrame | None, n_seeds: int, n_classes: int) -> dict:
    """The numbers the page's prose reads: each rule's drops after the last step over the seeds,
    concept against greedy, and the rule that ablates nothing and costs the class most (mean over
    seeds); ``rows`` None: a dash for every drop."""
    if rows is None:
        return {"n_seeds": n_seeds, "n_classes": 0, "ratio": "—"} | {
            f"{rule}_{what}": "—" for rule in RULES for what in ("own", "others")
        }
    blind = ["concept", "selectivity", "weight"]  # the rules that ablate nothing
    best = max(blind, key=lambda rule: rows[f"{rule}: class (pts)"].mean())
    ratio = rows["concept: class (pts)"] / rows["greedy: class (pts)"].clip(lower=1e-9)
    return {
        "n_seeds": n_seeds, "n_classes": n_classes,
        "concept_own": span(rows, "concept: class (pts)"),
        "concept_others": span(rows, "concept: others (pts)", ".1f"),
        "greedy_own": span(rows, "greedy: class (pts)"),
        "greedy_others": span(rows, "greedy: others (pts)", ".1f"),
        "selectivity_own": span(rows, "selectivity: class (pts)"),
        "weight_own": span(rows, "weight: class (pts)"),
        "random_own": span(rows, "random: class (pts)"),
        "ratio": verdicts.over_seeds(ratio, ".2f", mean=False, alone=True),
        "best_rule": RULE_LABELS[best].split(" (")[0],
        "best_own": span(rows, f"{best}: class (pts)"),
    }  # fmt: skip


def claim_text(rows: pd.DataFrame | None, steps: int) -> str:
    """W2's "ours": seed by seed, the concept, greedy and random drops after ``steps`` units."""
    if rows is None:
        return "not measured"
    return "; ".join(
        f"seed {s}: after {steps} units, concept {r['concept: class (pts)']:.0f} pts "
        f"(others {r['concept: others (pts)']:.1f}), greedy {r['greedy: class (pts)']:.0f} "
        f"pts, random {r['random: class (pts)']:.1f} pts"
        for s, r in rows.iterrows()
    )


def takeaway_text(rows: pd.DataFrame | None, steps: int, layer: str) -> str:
    """The takeaway's "this run" sentence (``rows`` None: why nothing was measured)."""
    if rows is None:
        return f"not measured: {UNMEASURED}."
    return (
        f"after {steps} {layer} units chosen by their IoU with the class's object, without any "
        f"ablation, a class loses {span(rows, 'concept: class (pts)')} pts over {len(rows)} "
        f"seeds, against {span(rows, 'greedy: class (pts)')} pts for the {steps} greedy units "
        f"and {span(rows, 'random: class (pts)', '.1f')} pts for random ones, while the other "
        f"classes lose {span(rows, 'concept: others (pts)', '.1f')} pts on average."
    )


def judge(runs: Sequence[Removal | None], seeds: Sequence[int], layer: str) -> Judged:
    """Claim W2 judged on :func:`measure`'s ``runs`` (one a seed of ``seeds``): :func:`claim`
    of :func:`per_seed`'s rows after the last step, voted over the seeds, with
    :func:`glue_values`, :func:`claim_text` and :func:`takeaway_text`; unmeasured
    (:data:`UNMEASURED`) when a seed has no class with a concept (a run is None)."""
    measured = None not in runs
    rows = per_seed(runs, seeds) if measured else None
    steps = runs[0].steps if measured else 0  # read only when measured
    n_classes = len(runs[0].classes) if measured else 0
    checks, core = claim(rows)
    return Judged(
        checks,
        core,
        claim_text(rows, steps),
        takeaway_text(rows, steps, layer),
        glue_values(rows, len(seeds), n_classes),
        unmeasured=None if measured else UNMEASURED,
    )


def overlap_glue(overlap: pd.Series | None, steps: int, units: int) -> dict:
    """Exercise 1's glue: :func:`overlap_with_greedy`'s counts as a table (a dash when not
    measured), and the units ``steps`` random units share with greedy's ``steps`` on average,
    ``steps² / units``."""
    from . import tables

    return {
        "ex1_table": tables.table(overlap.to_frame(), decimals=1) if overlap is not None else "—",
        "ex1_chance": f"{steps * steps / units:.1f}",
        "ex1_units": units,
    }


def figure(runs: Sequence[Removal], seeds: Sequence[int], layer: str) -> None:
    """(a) the class's own drop and (b) the other classes' mean drop against units removed, per
    rule: mean over classes, then over seeds (line), the seeds' range (band). Captioned."""
    steps = runs[0].steps
    n = np.arange(steps + 1)
    fig, (ax_a, ax_b) = plots.figure(2, width=7.0, height=3.4)
    for i, rule in enumerate(RULES):
        colour = plots.PALETTE[i % len(plots.PALETTE)]
        for ax, what in ((ax_a, "own"), (ax_b, "others")):
            curves = [getattr(r, what)[rule].mean(0) for r in runs]
            lo, hi = study.seed_band(curves)
            ax.plot(n, np.mean(curves, 0), color=colour, label=RULE_LABELS[rule],
                    ls="--" if rule == "greedy" else "-")  # fmt: skip
            ax.fill_between(n, lo, hi, color=colour, alpha=0.15, lw=0)
    ax_a.set(xlabel="units removed", ylabel="class accuracy drop (pts)",
             title="(a) the class the units were chosen for")  # fmt: skip
    ax_b.set(xlabel="units removed", ylabel="mean drop of the other classes (pts)",
             title="(b) the other classes")  # fmt: skip
    ax_a.legend(fontsize=plots.SMALL, loc="upper left")
    last = {rule: np.mean([r.at(rule) for r in runs]) for rule in RULES}
    plots.caption(
        fig,
        f"{layer} units removed together, chosen for one class by each rule, scored on the "
        "half of each class's validation images the rules did not see. (a) The class's own "
        "accuracy drop, (b) the mean drop of the other classes, in percentage points (positive "
        f"= worse); mean over the {len(runs[0].classes)} classes with a concept, lines the mean "
        f"over {len(seeds)} seeds, bands their range. Greedy (dashed) ablates to choose; the "
        "others do not.",
        alt=f"Two line charts against units removed (0 to {steps}). After {steps} units the "
        "class's own drop is "
        + ", ".join(f"{RULE_LABELS[r]} {last[r]:.0f} pts" for r in RULES)
        + "; the other classes' mean drop stays below "
        f"{max(np.mean([r.at(rule, what='others') for r in runs]) for rule in RULES):.1f} pts.",
    )
    plots.show()


__all__ = [
    "ALMOST_CHECK", "CORE", "FAST_CHECK", "RANDOM_CHECK", "RULES", "RULE_LABELS", "Removal",
    "SPARE_CHECK", "WEIGHT_CHECK", "PAPER", "UNMEASURED", "checks", "claim", "claim_text",
    "class_concepts", "figure", "glue_values", "judge", "measure", "orders", "overlap_glue",
    "overlap_with_greedy", "per_seed", "required_objects", "set_drops", "span", "step_table",
    "takeaway_text", "top_units",
]  # fmt: skip
