"""Zhou et al. 2018, Fig. 1: one concept unit of a layer, chosen by dissection before any
ablation, and the classes its ablation damages.

:func:`choose` applies the page's rule (:func:`unitroles.study.concept_unit`) to every seed's
:class:`~unitroles.study.UnitStudy` and gathers what the page reports of the chosen unit
(:class:`ChosenUnit`); :func:`figure` draws the figure, :func:`damaged_table` and
:func:`per_seed_table` the tables, :func:`outcomes` the per-seed checks, :func:`judge` the claim
with its numbers and words (a :class:`unitroles.report.Judged`), and :func:`glue_values`,
:func:`prediction_exercise`, :func:`overall_exercise` and :func:`probe_table` the page's numbers.
Drops are class accuracy drops in percentage points (positive = worse), from single-unit
ablations on the validation images. Which classes *hold* a concept is read from the synthetic
world's masks (:func:`unitroles.study.classes_holding`); real data (the paper profile, ``world``
None) has no masks, and the functions say so instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import dissection, drop_curves, plots, study, tables, verdicts
from .report import Judged

BIG_DROP = 10  # pts: a class "loses a lot" (the paper's youth hostel lost 23, bedroom 15)
# Zhou et al. 2018, Fig. 1 (Places365 AlexNet conv5, the bed unit): the classes it names
PAPER_DROPS = {"youth hostel": 23, "bedroom": 15}
PAPER = (
    "ablating the *bed* unit of AlexNet conv5 barely moves overall accuracy (50.6% → 50.4%), but "
    "youth hostel loses 23 pts and bedroom 15: one unit can matter a lot to a few related classes "
    "while the overall number hides it."
)


@dataclass
class ChosenUnit:
    """The unit chosen on one seed and what its ablation does.

    ``drops``: ``(classes,)`` class accuracy drops (pts, positive = worse); ``holds``:
    ``(classes,)`` bool, the classes holding ``concept`` (all False without a world's masks);
    ``damaged``: the (at most 3) classes with the largest positive drops, largest first;
    ``before`` / ``after``: overall top-1 accuracy (%) with the unit and without it.
    """

    seed: int
    unit: int
    concept: str
    iou: float
    why: str  # the branch of the rule that chose it, in words
    drops: np.ndarray
    holds: np.ndarray
    damaged: np.ndarray
    before: float
    after: float

    @property
    def overall_drop(self) -> float:
        """Overall accuracy before minus after (pts, positive = worse)."""
        return self.before - self.after

    @property
    def big(self) -> int:
        """How many classes lose :data:`BIG_DROP` pts or more."""
        return int((self.drops >= BIG_DROP).sum())


def presence(world, studies: Sequence[study.UnitStudy]) -> pd.DataFrame | None:
    """The share of each class's validation images holding each concept
    (:func:`unitroles.study.concept_presence`) on the images the studies evaluate, or None
    without a world (the paper profile)."""
    if world is None:
        return None
    return study.concept_presence(world, "val", int(studies[0].counts.images.min()))


def choose(
    seeds: Sequence[int],
    studies: Sequence[study.UnitStudy],
    concept: str,
    shares: pd.DataFrame | None,
) -> list[ChosenUnit]:
    """Each seed's concept unit by :func:`unitroles.study.concept_unit` (the unit with the best
    ``concept`` IoU above 0.04, else the best object unit), with its drops; ``shares`` from
    :func:`presence` (None: no class is known to hold the concept)."""
    out = []
    for seed, st in zip(seeds, studies):
        unit, found, why = study.concept_unit(st.dissection, concept)
        drops = st.counts.class_drop()[unit]
        if shares is None:
            holds = np.zeros(len(drops), bool)
        else:
            holds = study.classes_holding(shares, found, "object")
        chosen = ChosenUnit(
            seed=seed,
            unit=unit,
            concept=found,
            iou=float(st.dissection.frame().loc[unit, found]),
            why=why,
            drops=drops,
            holds=holds,
            damaged=study.damaged_classes(drops, 3),
            before=st.counts.base_overall_accuracy(),
            after=float(st.counts.overall_accuracy()[unit]),
        )
        out.append(chosen)
    return out


def describe(studies: Sequence[study.UnitStudy], chosen: Sequence[ChosenUnit]) -> str:
    """Two lines a seed: its model with its top-1 accuracy, and the unit the rule chose (why,
    its concept and IoU)."""
    return "\n".join(
        f"{st.setup.description} — top-1 accuracy {c.before:.1f}%\n"
        f"  unit {c.unit}: {c.why}; {c.concept} IoU {c.iou:.3f}"
        for c, st in zip(chosen, studies)
    )


def _damage_text(chosen: ChosenUnit, names: Sequence[str]) -> str:
    """``"bedroom (drop 12 pts), ..."``: the damaged classes with their drops."""
    return ", ".join(
        f"{tables.pretty(names[k])} (drop {chosen.drops[k]:.0f} pts)" for k in chosen.damaged
    )


def figure(st: study.UnitStudy, chosen: Sequence[ChosenUnit], *, layer: str, top_k: int):
    """The page's figure for the first seed's unit ``chosen[0]`` (of ``st``): (a) its ``top_k``
    most activating validation images, (b) its sorted class drops, (c) every seed's sorted drops
    as a band, and (d-f) three validation images of each damaged class. Returns the figure,
    captioned and with alt text."""
    import matplotlib.pyplot as plt

    first = chosen[0]
    setup, names, unit, drops = st.setup, st.class_names, first.unit, first.drops
    top = dissection.top_images(
        setup.model, layer, setup.images, [unit], k=top_k, thresholds=st.dissection.thresholds
    )[unit]
    fig = plt.figure(figsize=(7.0, 5.4), constrained_layout=True)
    grid = fig.add_gridspec(3, 3, height_ratios=[1.0, 1.5, 1.1], width_ratios=[1, 1, 1])
    plots.unit_strip(
        fig.add_subplot(grid[0, :]), setup.display_images(top.indices), top.regions,
        title=f"(a) seed {first.seed}, {layer} unit {unit} ({first.concept}, IoU "
        f"{first.iou:.2f}): top {top_k} validation images",
    )  # fmt: skip
    plots.class_drops(
        fig.add_subplot(grid[1, :2]), drops, names,
        title=f"(b) seed {first.seed}: class accuracy drops, unit ablated\n"
        f"overall accuracy {first.before:.1f}% → {first.after:.1f}%",
    )  # fmt: skip
    ax = fig.add_subplot(grid[1, 2])
    plots.seed_band(ax, drop_curves.stack([c.drops for c in chosen]), label="each seed's unit")
    ax.set(xlabel="classes, sorted by drop", ylabel="class accuracy drop (pts)")
    ax.set_title(
        f"(c) {len(chosen)} seeds' chosen units:\nmean (line), range (band)",
        fontsize=plots.SMALL,
        loc="left",
    )
    ax.axhline(0, color="0.4", lw=0.8)
    for j, k in enumerate(first.damaged):
        sub = grid[2, j].subgridspec(1, 3, wspace=0.05)
        shown = np.flatnonzero(setup.labels.numpy() == k)[:3]
        for i, idx in enumerate(shown):
            a = fig.add_subplot(sub[0, i])
            a.imshow(setup.display_images([idx])[0].permute(1, 2, 0).numpy())
            a.set_axis_off()
            if i == 1:
                title = f"({'def'[j]}) {tables.pretty(names[k])} (drop {drops[k]:.0f} pts)"
                a.set_title(title, fontsize=plots.SMALL)
    return plots.caption(
        fig,
        f"Seed {first.seed}'s {layer} unit {unit}, labelled *{first.concept}* by dissection "
        f"(IoU {first.iou:.2f}). (a) Its {top_k} most activating validation images, the region "
        "where it fires lit and outlined. (b) Every class's accuracy drop when the unit is "
        "ablated, sorted, in percentage points (positive = worse), the most damaged classes "
        f"named with their drops. (c) The same sorted drops for each of the {len(chosen)} seeds' "
        "chosen units (line: mean, band: range). Bottom row: three validation images of each "
        "damaged class.",
        alt=f"Top: {top_k} synthetic images with the region that unit {unit} ({first.concept}) "
        f"responds to lit. Middle: a bar chart of class accuracy drops sorted from largest to "
        f"smallest; overall accuracy goes from {first.before:.1f}% to {first.after:.1f}%; the "
        f"damaged classes are {_damage_text(first, names) or 'none'}. Beside it, the sorted "
        f"drops of the chosen unit on each of {len(chosen)} seeds. Bottom: example images of the "
        "damaged classes.",
    )


def damaged_table(st: study.UnitStudy, chosen: ChosenUnit, shares: pd.DataFrame | None):
    """The (at most 6) classes ``chosen``'s ablation damages most (drop > 0): accuracy before and
    after (%), drop (pts) and the share of their images holding the unit's concept, with the
    paper's two classes below; a ``report.table`` Styler."""
    order = study.damaged_classes(chosen.drops, 6)
    held = f"images holding {chosen.concept} (%)"
    ours = pd.DataFrame(
        {
            "class": [st.class_names[k] for k in order],
            "accuracy before (%)": st.counts.base_class_accuracy()[order].round(1),
            "after (%)": st.counts.class_accuracy()[chosen.unit][order].round(1),
            "drop (pts)": chosen.drops[order].round(1),
            held: (
                (100 * shares[("object", chosen.concept)].to_numpy()[order]).round(0)
                if shares is not None
                else "n/a"
            ),
        }
    )
    paper = pd.DataFrame(
        {"class": [f"paper: {c}" for c in PAPER_DROPS], "drop (pts)": list(PAPER_DROPS.values())}
    )
    return tables.table(
        pd.concat([ours, paper], ignore_index=True), index=False, missing="",
        decimals={"accuracy before (%)": 1, "after (%)": 1, "drop (pts)": 1},
    )  # fmt: skip


def per_seed_table(chosen: Sequence[ChosenUnit], names: Sequence[str]):
    """One row a seed: its unit, concept and IoU, overall drop, damaged classes, how many classes
    lose 10 pts or more and the largest drop in a class holding the concept; a Styler."""
    frame = pd.DataFrame(
        {
            "seed": c.seed,
            "unit": c.unit,
            "concept": c.concept,
            "IoU": round(c.iou, 3),
            "overall drop (pts)": round(c.overall_drop, 2),
            "damaged classes (drop, pts)": ", ".join(
                f"{names[k]} {c.drops[k]:+.0f}" for k in c.damaged
            )
            or "none",
            "classes ≥ 10 pts": c.big,
            "largest drop in a class holding the concept (pts)": (
                round(float(c.drops[c.holds].max()), 1) if c.holds.any() else "—"
            ),
        }
        for c in chosen
    ).set_index("seed")
    return tables.table(frame, decimals={"IoU": 3, "overall drop (pts)": 2})


RELATIVE_OVERALL = "the overall drop is at most a tenth of the largest class drop"
INTERPRETABLE = "the unit is object-interpretable (IoU > 0.04)"
SOME_FEW_BIG = "some class loses 10 pts or more, and at most 5 do"
# the checks these replaced (issue 25; :mod:`unitroles.claim_history`), shown beside them
SMALL_OVERALL = "overall accuracy moves by less than 1 pt"
FEW_BIG = "at most 5 classes lose 10 pts or more"
BIG_RELATED = "a class holding the unit's concept loses at least 10 pts"
BIG_ANY = "the most damaged class loses at least 10 pts"  # without masks (the paper profile)
TOP3_RELATED = "at least 2 of the 3 most damaged classes hold the concept"


def outcomes(chosen: Sequence[ChosenUnit], masks: bool) -> tuple[dict[str, list[bool]], str]:
    """Every check on every seed (name -> one outcome a seed) and the name of the large-drop
    check: with the world's ``masks``, a class *holding the concept* must lose
    :data:`BIG_DROP` pts or more; without them (the paper profile), any class. The core checks
    are :data:`RELATIVE_OVERALL` (the paper's 0.2 pts overall against 23 in youth hostel: a
    ratio under 0.01) and that large-drop check."""
    out = {
        RELATIVE_OVERALL: [
            bool(c.drops.max() > 0 and abs(c.overall_drop) <= 0.1 * c.drops.max()) for c in chosen
        ],
        INTERPRETABLE: [c.iou > dissection.INTERPRETABLE_IOU for c in chosen],
        SOME_FEW_BIG: [1 <= c.big <= 5 for c in chosen],
    }
    if not masks:
        out[BIG_ANY] = [bool(c.drops.max() >= BIG_DROP) for c in chosen]
        return out, BIG_ANY
    out[BIG_RELATED] = [bool((c.drops[c.holds] >= BIG_DROP).any()) for c in chosen]
    out[TOP3_RELATED] = [int(c.holds[c.damaged].sum()) >= 2 for c in chosen]
    return out, BIG_RELATED


def old_outcomes(chosen: Sequence[ChosenUnit]) -> dict[str, list[bool]]:
    """The checks that :func:`outcomes` replaced (issue 25), on every seed, for the page's table
    of old and new checks; not part of the claim."""
    return {
        SMALL_OVERALL: [abs(c.overall_drop) < 1 for c in chosen],
        FEW_BIG: [c.big <= 5 for c in chosen],
    }


def glue_values(
    st: study.UnitStudy, chosen: Sequence[ChosenUnit], passes: dict[str, list[bool]], big: str
) -> dict:
    """The numbers the page's prose cites: the first seed's unit (``st``, ``chosen[0]``) and how
    many seeds pass each check (``passes``, ``big`` from :func:`outcomes`)."""
    first, names = chosen[0], st.class_names
    top = first.damaged[0] if len(first.damaged) else None
    return {
        "seed0": first.seed,
        "n_seeds": len(chosen),
        "unit": first.unit,
        "unit_concept": first.concept,
        "unit_iou": f"{first.iou:.3f}",
        "chosen_by": first.why,
        "base_overall": f"{first.before:.1f}%",
        "after_overall": f"{first.after:.1f}%",
        "n_damaged": len(first.damaged),
        "top_class": tables.pretty(names[top]) if top is not None else "no class",
        "top_drop": f"{first.drops[top]:.0f}" if top is not None else "0",
        "top3_related": int(first.holds[first.damaged].sum()),
        "pts_per_image": f"{100 / int(st.setup.labels.bincount().min()):.1f}",
        "seeds_big": sum(passes[big]),
        "seeds_overall": sum(passes[RELATIVE_OVERALL]),
        "seeds_interpretable": sum(passes[INTERPRETABLE]),
    }


def ours(chosen: Sequence[ChosenUnit], names: Sequence[str]) -> str:
    """The claim card's *This run*: each seed's unit, overall accuracy before → after and its two
    most damaged classes."""
    return "; ".join(
        f"seed {c.seed}: {c.concept} unit {c.unit}, overall {c.before:.1f}% → {c.after:.1f}%"
        + "".join(f", {names[k]} drop {c.drops[k]:.0f} pts" for k in c.damaged[:2])
        for c in chosen
    )


def takeaway(
    chosen: Sequence[ChosenUnit],
    names: Sequence[str],
    passes: dict[str, list[bool]],
    big: str,
    *,
    layer: str,
) -> str:
    """The takeaway's *This run*: on how many seeds each core check passes, and the first
    seed's unit in numbers."""
    first = chosen[0]
    who = "a class holding its concept" if big == BIG_RELATED else "some class"
    if len(first.damaged):
        k = first.damaged[0]
        worst = f", while {tables.pretty(names[k])} loses {first.drops[k]:.0f} pts."
    else:
        worst = "; no class loses accuracy."
    return (
        f"over {len(chosen)} seeds of the baseline, ablating the chosen {layer} unit costs overall "
        f"accuracy at most a tenth of its largest class drop on {sum(passes[RELATIVE_OVERALL])} "
        f"and costs {who} "
        f"10 pts or more on {sum(passes[big])}. On seed {first.seed}, {first.concept} unit "
        f"{first.unit} takes overall accuracy from {first.before:.1f}% to {first.after:.1f}%"
        + worst
    )


def judge(st: study.UnitStudy, chosen: Sequence[ChosenUnit], *, masks: bool, layer: str) -> Judged:
    """Claim Z1 judged seed by seed (:func:`outcomes`; core: :data:`RELATIVE_OVERALL` and the
    large-drop check), with :func:`glue_values`, :func:`ours` and :func:`takeaway` (``st`` the
    first seed's study) and, for the table of rewritten checks, the old checks
    (:func:`old_outcomes`) voted beside the new."""
    passes, big = outcomes(chosen, masks=masks)
    checks, core = study.seed_checks(passes, core=[RELATIVE_OVERALL, big])
    names = st.class_names
    voted = {**passes, **old_outcomes(chosen)}
    return Judged(
        checks,
        core,
        ours(chosen, names),
        takeaway(chosen, names, passes, big, layer=layer),
        glue_values(st, chosen, passes, big),
        {k: verdicts.seed_vote(v) for k, v in voted.items()},
    )


def _classes_with(world, concept: str, classes: int) -> np.ndarray:
    """``(classes,)`` bool: the classes whose recipe has object ``concept``."""
    has = np.zeros(classes, bool)
    has[study.classes_with(world, concept, "object")] = True
    return has


def prediction_exercise(st: study.UnitStudy, chosen: ChosenUnit, world) -> dict:
    """Exercise 1's glue: the unit with the best object IoU among those not labelled
    ``chosen.concept`` (``chosen``'s unit if there is none), the classes it hurts and whether
    the world's recipes (``world``; None on the paper profile) predicted them (mean drop over
    classes whose recipe has its concept against the others)."""
    names = st.class_names
    objects = st.dissection.best(["object"])
    others = objects[objects["concept"] != chosen.concept].sort_values("iou", ascending=False)
    unit = int(others.index[0]) if len(others) else chosen.unit
    concept = objects.loc[unit, "concept"]
    drops = st.counts.class_drop()[unit]
    hurt = list(study.damaged_classes(drops, 3))
    hurt_text = ", ".join(f"{tables.pretty(names[k])} (drop {drops[k]:.0f} pts)" for k in hurt)
    out = {"ex1_unit": unit, "ex1_concept": concept, "ex1_iou": f"{objects.loc[unit, 'iou']:.3f}"}
    if world is None:  # the paper profile: Broden's concepts, no recipes to predict from
        return out | {
            "ex1_related": "(no recipes under the paper profile)",
            "ex1_result": f"Ablating unit {unit} hurts {hurt_text or 'no class'}.",
            "ex1_mean_with": "n/a",
            "ex1_mean_without": "n/a",
            "ex1_outcome": "",
        }
    has = _classes_with(world, concept, len(names))
    hits = sum(bool(has[k]) for k in hurt)
    if drops.max() <= 100 / int(st.setup.labels.bincount().min()):  # one image's worth
        outcome = (
            "No class loses more than one validation image, so the recipes had nothing to "
            "predict: the label says what the unit responds to, not whether the network needs it."
        )
    elif has[hurt[0]]:
        outcome = f"The most damaged class has {concept}: the recipes predicted it."
    else:
        outcome = f"The most damaged class has no {concept}: the recipes did not predict it."
    return out | {
        "ex1_related": ", ".join(tables.pretty(names[k]) for k in np.flatnonzero(has)),
        "ex1_result": (
            f"Ablating unit {unit} hurts {hurt_text}; {hits} of these "
            f"{'class has' if len(hurt) == 1 else 'classes have'} {concept} in the recipe."
            if hurt
            else f"Ablating unit {unit} lowers the accuracy of no class."
        ),
        "ex1_mean_with": f"{drops[has].mean():.1f}",
        "ex1_mean_without": f"{drops[~has].mean():.1f}",
        "ex1_outcome": outcome,
    }


def overall_exercise(st: study.UnitStudy, chosen: ChosenUnit) -> dict:
    """Exercise 2's glue: overall accuracy as the image-weighted mean of the class accuracies,
    so its drop is the weighted mean of the class drops (losers and gainers net out)."""
    images = st.counts.images.numpy()  # (classes,)
    drops = chosen.drops
    share = images / images.sum()  # each class's weight in overall accuracy
    low, high = int(images.min()), int(images.max())
    n_lose, n_gain = int((drops > 0).sum()), int((drops < 0).sum())
    top = chosen.damaged[0] if len(chosen.damaged) else None
    return {
        "ex2_sizes": (
            f"Every class has {low} validation images"
            if low == high
            else f"The classes have {low} to {high} validation images each"
        ),
        "ex2_classes": len(drops),
        "ex2_alone": f"{drops[top] * share[top]:.2f}" if top is not None else "0.00",
        "ex2_overall": f"{chosen.overall_drop:+.2f}",
        "ex2_losers": (
            f"{n_lose} {'class loses' if n_lose == 1 else 'classes lose'} "
            f"{drops[drops > 0].sum():.0f} pts"
        ),
        "ex2_gainers": (
            f"{n_gain} {'class gains' if n_gain == 1 else 'classes gain'} "
            f"{abs(drops[drops < 0].sum()):.0f} pts"
        ),
        "ex2_mean": f"{(drops * share).sum():+.2f}",
    }


def probe_table(st: study.UnitStudy, world, layer: str) -> dict:
    """Exercise 3's glue: for the object-interpretable units of ``layer`` (the 5 with the best
    object IoU when fewer than 3 are), the mean drop over the classes whose recipe has the
    unit's concept against the others, the largest class drop and whether the most damaged
    class has the concept; ``ex3_table`` is the table (a Styler)."""
    names = st.class_names
    objects = st.dissection.best(["object"])
    interpretable = objects[objects["interpretable"]].sort_values("iou", ascending=False)
    if len(interpretable) >= 3:
        probed = interpretable
        which = f"the {len(probed)} object-interpretable units of {layer} (IoU > 0.04)"
    else:
        probed = objects.sort_values("iou", ascending=False).head(5)
        which = (
            f"the {len(probed)} units of {layer} with the best object IoU (few are interpretable)"
        )
    rows = []
    for u, best in probed.iterrows():
        d = st.counts.class_drop()[u]
        row = {"unit": u, "concept": best["concept"], "IoU": round(best["iou"], 3)}
        if world is not None:
            has = _classes_with(world, best["concept"], len(names))
            row |= {
                "classes with it": int(has.sum()),
                "mean drop, with (pts)": round(d[has].mean(), 2) if has.any() else np.nan,
                "mean drop, without (pts)": round(d[~has].mean(), 2),
            }
        hurts = d.max() > 0
        row |= {
            "max class drop (pts)": d.max(),
            "most damaged": names[d.argmax()] if hurts else "—",
        }
        if world is not None:
            row["it has the concept"] = bool(has[d.argmax()]) if hurts else "—"
        rows.append(row)
    probe = pd.DataFrame(rows).set_index("unit")
    if world is not None:
        more = int((probe["mean drop, with (pts)"] > probe["mean drop, without (pts)"]).sum())
        more_text = f"{more} of {len(probe)}"
    else:
        more_text = "n/a (no recipes under the paper profile)"
    return {
        "ex3_which": which,
        "ex3_table": tables.table(probe, decimals={"IoU": 3}, wrap=True),
        "ex3_more": more_text,
        "ex3_big": int((probe["max class drop (pts)"] >= 10).sum()),
        "ex3_units": len(probe),
    }
