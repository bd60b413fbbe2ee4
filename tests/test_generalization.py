"""The readings of Zhao et al.'s five models: tolerant turning points, trends, divergence."""

import numpy as np
import pandas as pd
import pytest

from unitroles import generalization, rof, roles
from unitroles.generalization import ModelRoles
from unitroles.rof import ROFCurves
from unitroles.roles import Taxonomy


def test_tolerant_turning_point_is_where_the_floor_begins():
    # falls from 2.0 to a floor at 1e-5 by n = 3, then drifts down by 1e-6 until n = 6
    loss = np.array([[2.0, 1.0, 0.1, 1.0e-5, 9.8e-6, 9.6e-6, 9.0e-6, 1.0e-5]])
    assert rof.turning_points(loss).tolist() == [6]  # the exact argmin, far along the floor
    assert rof.turning_points(loss, 0.001).tolist() == [3]  # within 0.1% of the 2-nat fall
    assert rof.turning_points(loss, 0.1).tolist() == [2]  # 0.1 <= 0.2 + 9e-6
    # a curve whose minimum is n = 0 keeps n0 = 0 at any tolerance
    assert rof.turning_points(np.array([[0.5, 0.7, 0.9]]), 0.01).tolist() == [0]
    with pytest.raises(ValueError, match="tolerance"):
        rof.turning_points(loss, 1.0)


def _taxonomy(train_loss, test_loss, order=None):
    k, n1 = np.shape(train_loss)
    order = np.tile(np.arange(n1 - 1), (k, 1)) if order is None else order
    acc = np.zeros((k, n1))
    images = np.full(k, 10)
    return Taxonomy(
        ROFCurves(np.asarray(train_loss, float), acc, order, images),
        ROFCurves(np.asarray(test_loss, float), acc, order, images),
        tuple(f"c{i}" for i in range(k)),
    )


def test_with_tolerance_moves_the_turning_points_and_the_roles():
    train = [[2.0, 1.0, 0.1, 1.0e-5, 9.0e-6]]
    test = [[2.0, 1.0, 0.5, 0.6, 0.7]]
    tax = _taxonomy(train, test)
    assert tax.counts()["overfitted"].tolist() == [2]  # n0 train 4, test 2
    tolerant = tax.with_tolerance(0.001)
    assert tolerant.n0_train.tolist() == [3] and tolerant.counts()["overfitted"].tolist() == [1]
    assert tax.n0_train.tolist() == [4]  # the original is unchanged


def test_shape_divergence_ignores_the_offset_at_the_intact_end():
    train = [[2.0, 1.0, 0.5]]
    tax = _taxonomy(train, np.array(train) + 0.3)  # the same curve shifted up
    assert generalization.curve_divergence(tax)[0] == pytest.approx(0.3)
    assert generalization.shape_divergence(tax)[0] == pytest.approx(0.0)


def test_partial_spearman_removes_a_shared_cause():
    rng = np.random.default_rng(0)
    z = rng.normal(size=400)
    x, y = z + 0.1 * rng.normal(size=400), z + 0.1 * rng.normal(size=400)
    assert pd.Series(x).corr(pd.Series(y), method="spearman") > 0.9
    assert abs(generalization.partial_spearman(x, y, z)) < 0.2
    w = rng.normal(size=400)
    assert generalization.partial_spearman(x + w, y + w, z) > 0.8  # w is shared, not via z


def test_role_trend_reads_the_means_and_checks():
    # model i: class curves with n0_train = 1 + i (train floor moves right), n0_test = 1
    models = {}
    for i in range(5):
        train = np.full((2, 6), 1.0)
        train[:, 1 + i] = 0.0
        test = np.full((2, 6), 1.0)
        test[:, 1] = 0.0
        models[f"model {'ABCDE'[i]}"] = ModelRoles(f"m{i}", "x", _taxonomy(train, test))
    trend = generalization.role_trend(models)
    assert trend.means.loc["model E", "overfitted"] == pytest.approx(4 / 5)
    assert trend.means["core"].tolist() == pytest.approx([1 / 5] * 5)
    assert trend.rho_over == 1.0 and trend.rho_conf == -1.0
    assert trend.checks() == {
        "over_rises": True, "conf_falls": True, "gen_rare": True, "core_band": True,
    }  # fmt: skip
    assert list(trend.means.columns) == list(roles.ROLES)
