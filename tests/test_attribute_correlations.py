"""Zhou Fig. 5's correlations over seeds: what the tables and the checks read."""

import numpy as np
import pandas as pd

from unitroles import attribute_correlations as fig5
from unitroles import study


def _table(seed: int, units: int = 40) -> pd.DataFrame:
    """A layer table whose attributes all rise with the max class drop and fall with the
    overall drop, except a random column."""
    rng = np.random.default_rng(seed)
    drop = np.arange(units, dtype=float)
    frame = {a: drop + rng.normal(0, 1, units) for a in study.ATTRIBUTES}
    frame["random"] = rng.normal(size=units)
    return pd.DataFrame({**frame, "max_class_drop": drop, "overall_drop": -drop})


def test_measure_then_checks_follow_the_sign_of_r():
    seeds = [0, 1, 2]
    tables = [_table(s) for s in seeds]
    active = [np.ones(40, bool)] * 3
    corr = fig5.measure(tables, active, seeds, draws=50)
    assert corr.r("all", 0, "max_class_drop", "l1") > 0.9
    per_seed, core = fig5.checks(corr)
    assert core == [f"max class drop: {a} r > 0" for a in fig5.ATTRS]
    assert all(per_seed[c] == [True] * 3 for c in core)
    assert per_seed["overall drop: l1 r > 0"] == [False] * 3  # the paper's + fails here
    assert per_seed["overall drop: selectivity r < 0"] == [True] * 3


def test_r_table_counts_significant_seeds_and_gives_the_papers_sign():
    seeds = [0, 1]
    corr = fig5.measure([_table(s) for s in seeds], [np.ones(40, bool)] * 2, seeds, draws=20)
    table = fig5.r_table(corr)
    row = table.loc[("max class drop", "weight L1 norm", "all")]
    assert row["seeds with p < 0.05"] == "2 of 2"
    assert row["paper (sign of r)"] == "+"
    assert len(table) == 2 * len(study.ATTRIBUTES) * 2
    assert list(fig5.band_table(corr).columns) == ["seed 0", "seed 1"]


def test_active_note_names_the_seeds_whose_units_are_all_active():
    full, partial = np.ones(3, bool), np.array([True, False, True])
    assert "every seed" in fig5.active_note([0, 1], [full, full])
    assert fig5.active_note([0, 1], [full, partial]).startswith("Every unit is active on seed 0,")
    assert fig5.active_note([0], [partial]) == ""


def _studies(seeds, units: int = 40):
    """Stand-ins for UnitStudy (what the page's helpers read): 3 classes of 10 and 8 images."""
    from types import SimpleNamespace

    import torch

    labels = torch.tensor([0] * 10 + [1] * 10 + [2] * 8)
    counts = SimpleNamespace(base_overall_accuracy=lambda: 72.5)
    return [
        SimpleNamespace(
            setup=SimpleNamespace(description=f"seed {s}", labels=labels),
            counts=counts,
            class_names=("a", "b", "c"),
            units=units,
        )  # fmt: skip
        for s in seeds
    ]


def test_judge_votes_the_checks_over_seeds_with_the_page_glue_and_text():
    seeds = [0, 1, 2]
    tables = [_table(s) for s in seeds]
    active = [np.ones(40, bool), np.ones(40, bool), np.arange(40) > 3]
    corr = fig5.measure(tables, active, seeds, draws=50)
    z5 = fig5.judge(corr, active, 40, "conv5", draws=1000)
    assert all(name.endswith("on 3 of 3 seeds") for name in z5.core)
    assert all(z5.checks[c] is True for c in z5.core) and not z5.changes
    glued = z5.glue
    assert (glued["random_draws"], glued["n_active"], glued["core_passed"]) == ("1,000", "40", 4)
    assert glued["sel_max_r"] == f"{corr.median_r('all', 'max_class_drop', 'selectivity'):.2f}"
    assert z5.ours.startswith("3 instances: max class drop median r: l1 ")
    text = z5.takeaway
    assert "4 of the 4 attributes correlate positively" in text and text.endswith("on seed 0.")
    lines = fig5.models_text(_studies(seeds), active, "conv5").splitlines()
    assert lines[2] == "seed 2 — top-1 accuracy 72.5%, 36 of 40 conv5 units active"


def test_the_diagnosis_reads_the_drops_the_concepts_and_the_scale():
    from unitroles import diagnosis

    seeds = [0, 1]
    tables = [
        _table(s).assign(category=["object"] * 10 + ["scene"] * 30, interpretable=True)
        for s in seeds
    ]
    corr = fig5.measure(tables, [np.ones(40, bool)] * 2, seeds, draws=20)
    within = diagnosis.within_category_r(tables, study.spearman)
    glued = fig5.diagnosis_glue(_studies(seeds), tables, corr, within, failed=[])
    assert glued["z5_failed_core"] == "none" and glued["z5_images"] == 8
    assert (glued["z5_scene_share"], glued["z5_object_share"]) == ("75%", "25%")
    assert glued["z5_units_per_class"] == "13.3"
    assert list(fig5.within_table(within, seeds).columns) == ["seed 0", "seed 1"]
    no_objects = within.drop(index="object")
    glued = fig5.diagnosis_glue(_studies(seeds), tables, corr, no_objects, failed=["x (failed)"])
    assert glued["z5_object_r"].startswith("not measurable")
    assert glued["z5_failed_core"] == "x (failed)"
