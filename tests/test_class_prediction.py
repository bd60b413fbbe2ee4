"""Zhou Table 1 read: the table beside the paper's, the glued accuracies and claim Z6's checks."""

import numpy as np
import pandas as pd
import pytest

from unitroles import class_prediction, study, verdicts


def _prediction(hits: dict[str, int], units: int = 10, classes: int = 5) -> study.Prediction:
    """A prediction over ``units`` held-out units whose feature ``f`` names ``hits[f]`` of their
    classes right; the most common training label is right 20% of the time."""
    labels = np.arange(units) % classes
    probabilities = {}
    for feature, right in hits.items():
        guess = np.where(np.arange(units) < right, labels, (labels + 1) % classes)
        probabilities[feature] = np.eye(classes)[guess]
    frame = pd.DataFrame({"label": labels})
    names = tuple(f"class_{k}" for k in range(classes))
    return study.Prediction(frame, probabilities, names, excluded=2, majority=20.0)


def test_checks_pass_when_every_attribute_triples_chance_and_the_ensemble_leads():
    good = _prediction({"concept": 7, "correlation": 7, "selectivity": 6, "ensemble": 8})
    checks = class_prediction.checks(good)
    (core,) = verdicts.CLAIMS["Z6"].core
    assert checks[core] is True  # 60% of 5 classes: κ = (0.6 - 0.2) / 0.8 = 0.5
    assert all(checks.values())
    weak = _prediction({"concept": 7, "correlation": 5, "selectivity": 1, "ensemble": 6})
    checks = class_prediction.checks(weak)
    assert checks[core] is False
    assert checks["the ensemble is at least as accurate as the best single attribute"] is False


def test_three_times_chance_on_24_classes_is_a_kappa_of_009_and_fails():
    pred = _prediction({f: 6 for f in ("concept", "correlation", "selectivity", "ensemble")},
                       units=48, classes=24)  # fmt: skip
    (core,) = verdicts.CLAIMS["Z6"].core
    assert class_prediction.old_checks(pred)[class_prediction.OLD_CORE] is True  # 12.5% = 3/24
    assert class_prediction.checks(pred)[core] is False
    assert pred.kappa()["concept"] == pytest.approx((0.125 - 1 / 24) / (1 - 1 / 24))
    assert round(class_prediction.paper_kappa(38.08), 2) == 0.38


def test_paper_table_and_glue_read_the_same_accuracies():
    pred = _prediction({"concept": 7, "correlation": 5, "selectivity": 4, "ensemble": 6})
    table = class_prediction.paper_table(pred)
    assert table.loc["chance: uniform", "ours (%)"] == 20.0
    assert table.loc["chance: uniform", "paper (%)"] == 100 / 365
    glued = class_prediction.glue_values(pred)
    assert glued["acc_concept"] == "70.0%" and glued["n_heldout"] == 10
    assert glued["excluded"] == 2 and glued["n_classes"] == 5
    assert class_prediction.pct(float("nan")) == "— (not measured)"


def _study(seed: int, units: int = 12, classes: int = 3):
    """A stand-in for a UnitStudy: unit u hurts class u % classes most, and every attribute
    vector is that drop with a little noise (``class_names``, ``counts``, ``vectors``, ``setup``
    and ``units``: what the page's helpers read)."""
    from types import SimpleNamespace

    rng = np.random.default_rng(seed)
    drops = np.eye(classes)[np.arange(units) % classes] * 5 + rng.normal(0, 0.1, (units, classes))
    counts = SimpleNamespace(class_drop=lambda: drops, base_overall_accuracy=lambda: 61.25)
    setup = SimpleNamespace(description=f"seed {seed}", class_names=("a", "b", "c")[:classes])
    return SimpleNamespace(
        class_names=setup.class_names, counts=counts, setup=setup, units=units,
        vectors=lambda feature: drops + rng.normal(0, 0.1, drops.shape),
    )  # fmt: skip


class _Run:
    """A stand-in for a profile: ``unit_studies`` gives one :func:`_study` per seed."""

    def unit_studies(self, seeds, *, layer, progress):
        return [_study(s) for s in seeds]


def test_predict_reads_the_held_out_units_and_the_page_text_follows_the_prediction():
    train, test, pred = class_prediction.predict(
        _Run(), [0, 1], [2], layer="conv5", regularization=1.0
    )
    assert len(train) == 2 and len(test) == 1 and not pred.why
    assert pred.accuracy()["concept"] == 100.0  # the vectors name the class outright
    assert class_prediction.models_text(train) == (
        "seed 0 — top-1 accuracy 61.2%\nseed 1 — top-1 accuracy 61.2%"
    )
    assert class_prediction.units_text(pred, train, test).startswith(
        "24 training units (2 instances), 12 held-out units (1 instances), 0 units hurt"
    )
    assert class_prediction.OLD_CORE in class_prediction.outcomes(pred)


def test_judge_reads_the_prediction_into_the_card_glue_and_takeaway():
    _, _, pred = class_prediction.predict(_Run(), [0, 1], [2], layer="conv5", regularization=1.0)
    z6 = class_prediction.judge(pred)
    assert z6.core == list(verdicts.CLAIMS["Z6"].core) and z6.checks[z6.core[0]] is True
    assert z6.unmeasured is None and not z6.changes
    assert z6.glue["acc_concept"] == "100.0%" and z6.glue["n_heldout"] == 12
    assert z6.ours.startswith("concept 100.0%, correlation 100.0%")
    assert "Cohen's κ 1.00 at least" in z6.takeaway


def test_nothing_to_predict_leaves_no_outcomes_and_says_so():
    nothing = {f: np.zeros((0, 2)) for f in ("concept", "correlation", "selectivity", "ensemble")}
    empty = study.Prediction(pd.DataFrame({"label": []}), nothing, ("a", "b"), 0, why="too weak")
    assert class_prediction.outcomes(empty) == {}
    z6 = class_prediction.judge(empty)
    assert z6.unmeasured == "too weak" and z6.ours == "no units to predict"
    assert "could not be made" in z6.takeaway
