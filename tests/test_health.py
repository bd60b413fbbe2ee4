import numpy as np
import pytest
import torch
from torch import nn

from unitroles import health
from unitroles.dissection import Dissection


def test_nearly_dead_is_relative_to_the_median_unit():
    means = np.array([0.0, 0.05, 0.09, 0.1, 1.0, 1.0, 2.0])  # median 0.1 -> cut at 0.01
    assert health.nearly_dead(means).tolist() == [True, False, False, False, False, False, False]
    means = np.array([0.01, 0.5, 1.0, 1.0, 3.0])  # median 1.0 -> cut at 0.1
    assert health.nearly_dead(means).tolist() == [True, False, False, False, False]
    assert health.nearly_dead(np.zeros(4)).all()
    with pytest.raises(ValueError, match="fraction"):
        health.nearly_dead(means, fraction=1.5)


def test_mean_activations_match_a_hand_computation():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    x = torch.randn(10, 3, 8, 8)
    model(x)
    expected = torch.relu(model[0](x)).mean((0, 2, 3)).double().detach().numpy()
    got = health.mean_activations(model, "1", x, batch_size=3)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_object_units_count_object_concepts_only():
    iou = np.array([[0.10, 0.00], [0.02, 0.50], [0.05, 0.05]])  # units x (bed, red)
    d = Dissection(iou, ("bed", "red"), ("object", "color"), np.zeros(3))
    assert health.object_units(d).tolist() == [True, False, True]


def test_levelled_off_is_the_late_fall_over_the_whole_fall():
    assert health.levelled_off([3, 2, 1, 1, 1, 1, 1, 1], window=5) == 0.0
    assert health.levelled_off([3, 2.5, 2, 1.5, 1], window=2) == pytest.approx(0.5)
    assert np.isnan(health.levelled_off([1.0]))
    assert np.isnan(health.levelled_off([1.0, 1.0, 2.0]))


def _table(base_val=(0.88, 0.87, 0.89), objects=(9, 8, 10), dead=0.0, weakest=0.5):
    import pandas as pd

    rows = [
        {"recipe": "baseline", "seed": s, "val acc": v, "object units": o,
         "nearly dead (%)": dead, "weakest class acc": weakest}
        for s, (v, o) in enumerate(zip(base_val, objects))
    ] + [
        {"recipe": r, "seed": 0, "val acc": v, "object units": 9, "nearly dead (%)": 0.0,
         "weakest class acc": 0.6}
        for r, v in (("batchnorm", 0.90), ("dropout-conv5", 0.85), ("gen-A", 0.1))
    ]  # fmt: skip
    return pd.DataFrame(rows).set_index(["recipe", "seed"])


def test_targets_are_met_and_missed_by_the_numbers():
    met = health.targets(_table())["met"]
    assert met.all()
    assert met.index[0].startswith("baseline within 5 pts")
    missed = health.targets(_table(base_val=(0.88, 0.80, 0.89), objects=(9, 7, 10)))["met"]
    assert not missed["spread of the baseline's validation accuracy over its seeds ≤ 3 pts"]
    assert not missed["≥ 8 object-interpretable units in every baseline seed"]
    assert missed["nearly-dead units ≤ 5% in every Zhou model"]
    assert not health.targets(_table(dead=6.0))["met"]["nearly-dead units ≤ 5% in every Zhou model"]
    weak = health.targets(_table(weakest=0.29))["met"]
    assert not weak["no class of the baseline below 30% validation accuracy (every seed)"]
