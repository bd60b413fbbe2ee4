"""Zhou Fig. 4's greedy curves read over seeds: tables, checks and the exercises' measures."""

import numpy as np
import pytest

from unitroles import greedy_curves, study


def _result(greedy, random=None):
    """A HeldOutGreedy with the given held-out greedy curves ``(classes, steps + 1)``."""
    greedy = np.asarray(greedy, float)
    classes, n = greedy.shape
    if random is None:
        random = np.repeat(greedy[:, None, :1], 2, axis=1).repeat(n, axis=2)  # never drops
    order = np.tile(np.arange(n - 1), (classes, 1))
    return study.HeldOutGreedy(list(range(classes)), greedy, greedy, np.asarray(random), order, 64)


def test_halving_step_is_the_first_step_at_half_or_below():
    assert greedy_curves.halving_step(np.array([80.0, 60, 40, 10])) == 2
    assert greedy_curves.halving_step(np.array([80.0, 70, 60])) is None


def test_halving_counts_leaves_dead_classes_out_and_names_them():
    result = _result([[80, 30, 10], [0, 0, 0], [60, 50, 40]])
    out = greedy_curves.halving_counts(result, ["a_b", "dead_class", "c"])
    assert out["ex1_alive"] == 2 and out["ex1_reached"] == 1
    assert out["ex1_range"] == "1 unit"
    assert out["ex1_random"] == 0
    assert out["ex1_dead"] == " (dead class is at 0% before any ablation and left out)"
    assert out["ex1_median"] == "the median class does not get there"


def test_per_seed_rows_and_checks_read_greedy_against_random():
    steep = np.linspace(100, 0, 21)  # 5 pts a unit: 25 after 5 units, 50 after 10
    runs = greedy_curves.GreedySeeds([0, 1], [_result([steep]), _result([steep])], "conv5", 20, 64)
    rows = greedy_curves.per_seed(runs)
    assert list(rows.index) == [0, 1]
    assert rows["greedy 10 (pts)"].tolist() == pytest.approx([50, 50])
    assert rows["random 10 (pts)"].tolist() == pytest.approx([0, 0])
    checks = greedy_curves.checks(rows, runs.paper_units())
    assert checks[greedy_curves.GAP_CHECK] == [True, True]
    assert runs.paper_units() == 2  # 10 of 256 as a fraction of 64 units, rounded
    table = greedy_curves.step_table(runs)
    assert list(table.index) == [1, 5, 10, 15, 20]
    assert table.loc[10, "greedy, held out: mean class drop (pts)"] == "50.0 (50.0–50.0)"


def test_crosstalk_separates_own_and_other_classes():
    sets = np.array([[40.0, 20.0], [5.0, 30.0]])
    out = greedy_curves.crosstalk(sets, ["a", "b"])
    assert out["ex3_own"] == "35"
    assert out["ex3_other"] == "12.5"
    assert out["ex3_share"] == "50%"
