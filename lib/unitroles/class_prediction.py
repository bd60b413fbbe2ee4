"""Zhou et al. 2018, Table 1 read: predicting the class a unit matters most for.

:func:`predict` measures the instances' units and fits the logistic regressions
(:func:`unitroles.study.predict_most_damaged`), giving a :class:`unitroles.study.Prediction`;
this module shows and judges it: the bar chart (:func:`figure`), the table beside the paper's
(:func:`paper_table`), the glued accuracies (:func:`glue_values`), claim Z6's checks
(:func:`checks`) and the page's sentences (:func:`ours`, :func:`takeaway_text`), put together
for the claim cell by :func:`judge`. Accuracies are in %.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import plots, study, verdicts
from .report import Judged

# Zhou et al. 2018, Table 1: held-out accuracy (%) over 365 classes, AlexNet-Places365 conv5
PAPER_TABLE = {"Concept Alignment": 38.67, "Class Correlation": 38.28, "Class Selectivity": 38.08,
         "Ensemble": 39.06}  # fmt: skip
PAPER_CLASSES = 365


def figure(prediction: study.Prediction, layer: str, instances: int) -> None:
    """Held-out accuracy of each attribute vector and the ensemble as bars, with a uniform guess
    and the most common label as lines, and its caption; ``instances``: how many held-out
    instances the units come from. A prediction with nothing to predict says so."""
    accuracy, chance = prediction.accuracy(), prediction.chance()
    fig, ax = plots.figure(width=6.0, height=2.8)
    labels = [study.FEATURE_LABELS[f] for f in accuracy.index]
    ax.bar(labels, accuracy.to_numpy(), color=plots.PALETTE[0], width=0.6)
    ax.axhline(chance["uniform"], color=plots.PALETTE[3], ls="--", lw=1, label="chance (uniform)")
    ax.axhline(
        chance["majority"], color=plots.PALETTE[1], ls=":", lw=1.2, label="most common label"
    )
    for i, v in enumerate(accuracy.dropna()):
        ax.annotate(f"{v:.1f}", (i, v), xytext=(0, 2), textcoords="offset points", ha="center")
    if prediction.why:
        ax.set_ylim(0, 100)
        ax.text(0.5, 0.5, "not measured: no units to predict", transform=ax.transAxes, ha="center")
    ax.set_ylabel("held-out accuracy (%)")
    ax.legend(fontsize=plots.SMALL, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    plots.caption(
        fig,
        f"Held-out accuracy (%) of predicting the class a unit's ablation hurts most, from each "
        f"attribute vector and their ensemble, on {len(prediction.units)} {layer} units of "
        f"{instances} instances not trained on; lines: a uniform guess over "
        f"{len(prediction.class_names)} classes and always naming the most common label.",
        alt="Bar chart of held-out accuracy: "
        + (
            ", ".join(f"{label} {v:.1f}%" for label, v in zip(labels, accuracy))
            + f"; uniform chance {chance['uniform']:.1f}%, most common label "
            f"{chance['majority']:.1f}%."
            if not prediction.why
            else "empty, not measured: " + prediction.why
        ),
    )
    plots.show()


def paper_table(prediction: study.Prediction) -> pd.DataFrame:
    """Our accuracies beside the paper's (:data:`PAPER_TABLE`), with both chance rows."""
    accuracy, chance = prediction.accuracy(), prediction.chance()
    rows = pd.DataFrame(
        {
            "ours (%)": accuracy.rename(index=study.FEATURE_LABELS),
            "paper (%)": pd.Series(PAPER_TABLE),
        }
    )
    rows.loc["chance: uniform"] = [chance["uniform"], 100 / PAPER_CLASSES]
    rows.loc["chance: most common label"] = [chance["majority"], np.nan]
    return rows.rename_axis("predicted from")


def pct(v: float) -> str:
    """An accuracy for the prose, ``"41.2%"``, or ``"— (not measured)"`` for NaN."""
    return "— (not measured)" if np.isnan(v) else f"{v:.1f}%"


def glue_values(prediction: study.Prediction) -> dict:
    """The page's glue: each accuracy and both chances (:func:`pct`), the held-out and left-out
    unit counts and the number of classes."""
    accuracy, chance, kappa = prediction.accuracy(), prediction.chance(), prediction.kappa()
    return {
        **{f"acc_{f}": pct(accuracy[f]) for f in ("concept", "correlation", "selectivity")},
        **{f"kappa_{f}": f"{kappa[f]:.2f}" for f in kappa.index},
        "kappa_min": f"{kappa.drop('ensemble').min():.2f}" if len(kappa) > 1 else "—",
        "paper_kappa": f"{paper_kappa(min(PAPER_TABLE.values())):.2f}",
        "acc_ensemble": pct(accuracy["ensemble"]),
        "chance_uniform": pct(chance["uniform"]),
        "chance_majority": pct(chance["majority"]),
        "n_heldout": len(prediction.units),
        "excluded": prediction.excluded,
        "n_classes": len(prediction.class_names),
    }


KAPPA_LINE = 0.25  # Cohen's κ; the paper's 39% on 365 classes is κ of about 0.39
OLD_CORE = "every attribute beats uniform chance at least 3-fold"  # replaced in issue 25


def paper_kappa(accuracy: float) -> float:
    """The κ of an accuracy (%) over the paper's 365 classes, taking chance as a uniform guess
    (the paper gives no class frequencies): ``(acc - 1/365) / (1 - 1/365)``."""
    chance = 1 / PAPER_CLASSES
    return (accuracy / 100 - chance) / (1 - chance)


def checks(prediction: study.Prediction) -> dict[str, bool]:
    """Claim Z6's checks: the core one (:data:`unitroles.verdicts.CLAIMS`: every attribute's
    Cohen's κ at least :data:`KAPPA_LINE`, the concept vector without scene labels), every
    attribute above always naming the most common label, and the ensemble at least as accurate
    as the best single attribute. :func:`old_checks` gives the core check it replaced."""
    accuracy, chance, kappa = prediction.accuracy(), prediction.chance(), prediction.kappa()
    singles = accuracy.drop("ensemble")
    (core,) = verdicts.CLAIMS["Z6"].core
    return {
        core: bool((kappa.drop("ensemble") >= KAPPA_LINE).all()),
        "every attribute beats always guessing the most common label": bool(
            (singles > chance["majority"]).all()
        ),
        "the ensemble is at least as accurate as the best single attribute": bool(
            accuracy["ensemble"] >= singles.max()
        ),
    }


def old_checks(prediction: study.Prediction) -> dict[str, bool]:
    """The core check :func:`checks` replaced (issue 25), on this run, for the page's table."""
    singles = prediction.accuracy().drop("ensemble")
    return {OLD_CORE: bool((singles >= 3 * prediction.chance()["uniform"]).all())}


# --- the page's text, from the prediction's own numbers -------------------------------------------

PAPER = (
    "trained on the conv5 units of three AlexNet instances and tested on two others, each "
    "attribute predicts the class a unit matters most for about 38% of the time over 365 "
    "classes (chance 0.27%): a unit's role carries over between independently trained networks."
)


def predict(
    run, train_seeds: Sequence[int], test_seeds: Sequence[int], *, layer: str,
    regularization: float, progress: bool = True,
) -> tuple[list[study.UnitStudy], list[study.UnitStudy], study.Prediction]:  # fmt: skip
    """Table 1's measurement, shared by the Table 1 and Fig. 6 pages: every ``layer`` unit of
    the instances of ``train_seeds`` and ``test_seeds`` (``run.unit_studies``: attributes and
    drops, cached), then :func:`unitroles.study.predict_most_damaged` trained on the first and
    tested on the second. Instances too weak to hurt more than one class leave nothing to
    predict: the prediction's ``why`` then says so (the page shows the claim as not measured)
    rather than stopping. Returns ``(train, test, prediction)``."""
    train = run.unit_studies(train_seeds, layer=layer, progress=progress)
    test = run.unit_studies(test_seeds, layer=layer, progress=progress)
    prediction = study.predict_most_damaged(
        train, test, regularization=regularization, if_nothing="report"
    )
    return train, test, prediction


def models_text(studies: Sequence[study.UnitStudy]) -> str:
    """One line per instance: its description and its top-1 accuracy (%)."""
    return "\n".join(
        f"{s.setup.description} — top-1 accuracy {s.counts.base_overall_accuracy():.1f}%"
        for s in studies
    )


def units_text(
    prediction: study.Prediction,
    train: Sequence[study.UnitStudy],
    test: Sequence[study.UnitStudy],
) -> str:
    """How many units trained and were held out, how many were left out, and the classes."""
    return (
        f"{sum(s.units for s in train)} training units ({len(train)} instances), "
        f"{len(prediction.units)} held-out units ({len(test)} instances), {prediction.excluded} "
        f"units hurt no class and are left out; {len(prediction.class_names)} classes (the "
        f"paper: {PAPER_CLASSES})."
    )


def ours(prediction: study.Prediction) -> str:
    """Claim Z6's figures of this run: each accuracy, the classes and both chances."""
    if prediction.why:
        return "no units to predict"
    accuracy, chance = prediction.accuracy(), prediction.chance()
    return (
        f"concept {accuracy['concept']:.1f}%, correlation {accuracy['correlation']:.1f}%, "
        f"selectivity {accuracy['selectivity']:.1f}%, ensemble {accuracy['ensemble']:.1f}% "
        f"({len(prediction.class_names)} classes; honest baseline {chance['majority']:.1f}%, "
        f"always naming the most common label; uniform chance {chance['uniform']:.1f}%)"
    )


def outcomes(prediction: study.Prediction) -> dict[str, bool]:
    """Every check's outcome, the replaced core check's too (:func:`old_checks`), for the table
    of rewritten checks; empty when there was nothing to predict."""
    if prediction.why:
        return {}
    return {**checks(prediction), **old_checks(prediction)}


def takeaway_text(prediction: study.Prediction) -> str:
    """What this run shows, for the takeaway: each accuracy against both chances, and the
    smallest κ against the core check's line and the paper's."""
    if prediction.why:
        return "the instances leave nothing to predict, so the test could not be made."
    accuracy, chance = prediction.accuracy(), prediction.chance()
    return (
        f"on {len(prediction.units)} held-out units, the attributes predict the most damaged "
        "class "
        + ", ".join(f"{study.FEATURE_LABELS[f].lower()} {accuracy[f]:.1f}%" for f in accuracy.index)
        + f" of the time, against {chance['uniform']:.1f}% for a uniform guess over "
        f"{len(prediction.class_names)} classes and {chance['majority']:.1f}% for always naming "
        f"the most common label: Cohen's κ {prediction.kappa().drop('ensemble').min():.2f} at "
        f"least (the core check's line {KAPPA_LINE}; the paper's about 0.39)."
    )


def judge(prediction: study.Prediction) -> Judged:
    """Claim Z6 judged on ``prediction`` (:func:`checks`; the core: the registered one, every
    attribute's κ at least :data:`KAPPA_LINE`), with the page's glue (:func:`glue_values`), the
    claim card's *This run* (:func:`ours`) and the takeaway's (:func:`takeaway_text`); not
    measured when there was nothing to predict (``prediction.why``). The old check beside the
    new is the page's later table (:func:`outcomes`), so ``changes`` stays empty here."""
    return Judged(
        checks(prediction), list(verdicts.CLAIMS["Z6"].core), ours(prediction),
        takeaway_text(prediction), glue_values(prediction), unmeasured=prediction.why or None,
    )  # fmt: skip
