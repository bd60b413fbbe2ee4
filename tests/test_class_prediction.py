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
