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
