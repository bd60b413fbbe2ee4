"""Zhou Fig. 4's greedy curves read over seeds: tables, checks and the exercises' measures."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from unitroles import engine, greedy_curves, study, sweeps


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


def test_judge_reads_the_gap_check_its_numbers_and_words():
    steep = np.linspace(100, 0, 21)  # 5 pts a unit: 25 after 5 units, 50 after 10
    runs = greedy_curves.GreedySeeds([3, 4], [_result([steep]), _result([steep])], "conv5", 20, 64)
    z4 = greedy_curves.judge(runs, greedy_curves.per_seed(runs))
    assert z4.core == [f"{greedy_curves.GAP_CHECK}, on 2 of 2 seeds"]
    assert z4.checks[z4.core[0]] is True
    assert (z4.glue["seed0"], z4.glue["g10"], z4.glue["r10"]) == (3, "50", "0.0")
    assert (z4.glue["ten_pct"], z4.glue["paper_pct"], z4.glue["seeds_gap"]) == ("16%", "3%", 2)
    assert z4.ours.startswith("seed 3: top 5 25 pts, top 10 50 pts, random 10 0.0 pts")
    assert "costs it 50–50 pts over 2 seeds" in z4.takeaway
    assert z4.takeaway.endswith("Our layer has 64 units, so ten are 16% of it.")


def _counts(correct, base) -> engine.AblationCounts:
    """Counts of ``correct`` ``(ablations, classes)`` images of 10 a class, ``base`` intact."""
    correct = torch.tensor(correct, dtype=torch.float64)
    k = correct.shape[1]
    return engine.AblationCounts(
        correct, torch.zeros_like(correct), torch.tensor(base, dtype=torch.float64),
        torch.zeros(k, dtype=torch.float64), torch.full((k,), 10.0, dtype=torch.float64),
    )  # fmt: skip


def test_the_exercises_read_the_first_seed_on_the_right_images_and_units(monkeypatch):
    # two classes, 3 units, 2 steps; greedy removes units 2, 0 for class 0 and 1, 2 for class 1
    result = study.HeldOutGreedy(
        [0, 1], np.array([[100.0, 40, 0], [100, 60, 20]]), np.array([[80.0, 40, 0], [90, 50, 10]]),
        np.full((2, 1, 3), 100.0), np.array([[2, 0], [1, 2]]), 3,
    )  # fmt: skip
    runs = greedy_curves.GreedySeeds([0], [result], "conv5", 2, 3)
    labels = torch.tensor([0, 0, 0, 1, 1, 1])
    setup = SimpleNamespace(model="m", images=torch.arange(6), labels=labels, num_classes=2,
                            class_names=["a", "b"])  # fmt: skip
    seen = {}

    def unit_sweep(model, layer, images, labels, num_classes):
        seen["sweep"] = images.tolist()
        return _counts([[4, 9], [10, 6], [2, 10]], [10, 10])  # unit 2 alone: a at 20%

    def cached_sweep(model, layer, images, labels, ablations, num_classes, name):
        seen["sets"], seen["name"] = ablations, name
        return _counts([[0, 9], [10, 1]], [10, 10])

    monkeypatch.setattr(sweeps, "unit_sweep", unit_sweep)
    monkeypatch.setattr(sweeps, "cached_sweep", cached_sweep)
    ex1 = greedy_curves.halving_exercise(runs, setup.class_names)
    assert ex1["ex_steps"] == 2 and ex1["ex1_reached"] == 2
    ex2 = greedy_curves.single_unit_exercise(runs, setup)
    assert seen["sweep"] == [0, 2, 3, 5]  # the choose half: each class's 1st and 3rd image
    assert ex2["ex2_t"] == 2 and ex2["ex2_classes"] == 2
    assert ex2["ex2_overlap"] == "1.5" and ex2["ex2_same"] == 1  # b: units 1, 0 alone; 1, 2 greedy
    ex3 = greedy_curves.crosstalk_exercise(runs, setup)
    assert seen["name"] == "greedy-sets-conv5"
    assert seen["sets"].names == ("{2,0}", "{1,2}")  # each class's first 2 greedy units
    assert ex3["ex3_t"] == 2 and ex3["ex3_own"] == "95" and ex3["ex3_other"] == "5.0"
