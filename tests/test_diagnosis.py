"""The computed diagnoses the Zhou pages give when a claim does not show on the world."""

import numpy as np
import pandas as pd
import pytest

from unitroles import diagnosis, study


def _table(drops, categories, interpretable=None, iou=None):
    n = len(drops)
    return pd.DataFrame(
        {
            "max_class_drop": drops,
            "category": categories,
            "interpretable": interpretable if interpretable is not None else [True] * n,
            "iou": iou if iou is not None else np.linspace(0.01, 0.1, n),
            "concept": [f"c{i % 3}" for i in range(n)],
        }
    )


def test_drop_resolution_counts_images_not_points():
    a = _table([0.0, 1.0, 2.0, 5.0], ["scene"] * 4)
    b = _table([0.0, 2.0, 4.0, 4.0], ["scene"] * 4)  # 50 images a class: 2 pts = one image
    out = diagnosis.drop_resolution([a, b], [100, 50])
    assert out["median_drop"] == pytest.approx(np.median([1.5, 3.0]))
    assert out["share_small"] == pytest.approx(np.median([0.75, 1.0]))
    assert out["distinct"] == int(np.median([4, 3]))  # distinct values per table: 4 and 3
    with pytest.raises(ValueError, match="one table and one image count"):
        diagnosis.drop_resolution([a], [100, 50])


def test_concept_mix_counts_interpretable_units_by_category():
    t = _table([1, 2, 3, 4], ["scene", "scene", "object", "texture"], [True, True, True, False])
    mix = diagnosis.concept_mix([t, t])
    assert mix.to_dict() == pytest.approx({"scene": 2 / 3, "object": 1 / 3})
    assert diagnosis.concept_mix([t], interpretable_only=False)["texture"] == pytest.approx(0.25)


def test_within_category_r_needs_enough_units():
    drops = np.arange(8.0)
    t = _table(drops, ["object"] * 6 + ["scene"] * 2, iou=drops / 100)
    r = diagnosis.within_category_r([t], study.spearman)
    assert r.loc["object", 0] == pytest.approx(1.0)
    assert "scene" not in r.index  # 2 units: too few


def test_duplication_is_units_per_matched_concept():
    best = pd.DataFrame(
        {"concept": ["a", "a", "b", "c"], "interpretable": [True, True, True, False]}
    )
    assert diagnosis.duplication(best) == {"units": 3, "concepts": 2, "per_concept": 1.5}
    assert diagnosis.duplication(best.assign(interpretable=False))["per_concept"] == 0.0
