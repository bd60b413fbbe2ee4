"""The ladder over seeds: the per-seed measurements the Zhao pages share."""

import numpy as np
import pandas as pd
import pytest

from unitroles import generalization, ladder, roles
from unitroles.generalization import ModelRoles
from unitroles.rof import ROFCurves
from unitroles.roles import Taxonomy


def _models(shift: int, classes: int = 4, units: int = 6, offset: float = 0.0):
    """Five models whose train curves turn later from A to E (model i: n0 train = 1 + i +
    shift, test n0 = 1) and whose test curves sit ``offset * i`` nats above the train curves;
    intact accuracies fall from A to E so that the gaps rise."""
    out = {}
    for i in range(5):
        train = np.full((classes, units + 1), 1.0)
        train[:, min(units, 1 + i + shift)] = 0.0
        test = np.full((classes, units + 1), 1.0 + offset * i)
        test[:, 1] = offset * i
        acc_train = np.full((classes, units + 1), 90.0)  # % of a class's images
        acc_test = acc_train.copy()
        acc_test[:, -1] = 90.0 - 10.0 * i
        order = np.tile(np.arange(units), (classes, 1))
        images = np.full(classes, 10)
        tax = Taxonomy(
            ROFCurves(train, acc_train, order, images),
            ROFCurves(test, acc_test, order, images),
            tuple(f"c{k}" for k in range(classes)),
        )
        out[f"model {'ABCDE'[i]}"] = ModelRoles(f"model {'ABCDE'[i]}", f"gen-{'ABCDE'[i]}", tax)
    return out


def test_role_means_and_pooled_proportions_read_every_seed():
    ladders = {0: _models(0), 1: _models(1)}
    means = ladder.role_means(ladders)
    assert len(means) == 10 and list(means["seed"].unique()) == [0, 1]
    # model E of seed 0: n0 train 5, test 1 of 6 units -> 4 overfitted units = 66.7%
    e0 = means[(means.model == "model E") & (means.seed == 0)].iloc[0]
    assert e0["overfitted"] == pytest.approx(100 * 4 / 6)
    assert e0["gap"] == pytest.approx(0.4)
    pooled = ladder.pooled_proportions(ladders)
    assert list(pooled) == list(ladders[0]) and len(pooled["model A"]) == 8  # 4 classes x 2
    by_hand = pd.concat([ladders[s]["model C"].taxonomy.proportions() for s in (0, 1)]).mean()
    assert roles.mean_std(pooled).loc["model C", ("core", "mean")] == pytest.approx(by_hand["core"])


def test_separation_tells_the_pairs_apart_when_their_points_differ():
    points = ladder.role_points(_models(0))
    assert len(points) == 20 and set(ladder.ROLE_SPACE) <= set(points.columns)
    sep = ladder.separation(points)
    assert sep["two"] == (1.0, 16)  # A, B and D, E classes sit on distinct points
    assert sep["five"][1] == 20
    xyz = points[list(ladder.ROLE_SPACE)].to_numpy()
    assert sep["five"][0] == generalization.nearest_centroid_loo(xyz, points["model"].to_numpy())


def test_divergence_reads_the_gap_and_the_shape_apart():
    flat = ladder.divergence(_models(0, offset=0.1))
    assert flat["gaps"].tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert flat["rho"] == 1.0  # the offset grows with the gap
    assert flat["divergence"].is_monotonic_increasing
    assert 0 <= flat["core_a"] <= 1
    assert flat["partial"] == pytest.approx(
        generalization.partial_spearman(
            flat["points"]["divergence"], flat["points"]["rank"], flat["points"]["loss_gap"]
        )
    )


def test_seeded_gives_checkpoints_seed_zero():
    rows = ladder.seeded(pd.DataFrame({"model": ["model A"], "seed": [None]}))
    assert rows["seed"].tolist() == [0]
    assert ladder.seeded(pd.DataFrame({"model": ["model A"]}))["seed"].tolist() == [0]
    assert ladder.spearman([1, 2, 3], [3, 2, 1]) == -1.0
