"""The regime targets and Fig. 3's headline numbers per model (unitroles.scale)."""

import numpy as np
import torch

from unitroles import engine, scale
from unitroles.evaluation import Setup


def test_the_regime_table_compares_each_target_with_ours_and_the_papers():
    table = scale.regime_table(64, 48, [60.0, 62.0, 61.0], 100)
    assert list(table.index) == [t.name for t in scale.REGIME]
    assert table.loc["conv5 units per class", "target"] == "≤ 1.5"
    assert table.loc["conv5 units per class", "ours"] == "1.33 (64 / 48)"
    assert table.loc["baseline validation accuracy", "target"] == "50–70%"
    assert table.loc["validation images a class", "target"] == "100"
    assert (table["met"] == "yes").all()
    assert scale.regime_table(96, 24, [88.0], 100)["met"].tolist() == ["no", "no", "yes"]


def test_headline_reads_every_unit_of_a_layer(monkeypatch):
    # 3 units, 2 classes of 10 images: unit 0 costs class 0 half its images, the others nothing
    correct = torch.tensor([[5.0, 10.0], [10.0, 10.0], [10.0, 9.0]], dtype=torch.float64)
    ten, zeros = torch.full((2,), 10.0, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    counts = engine.AblationCounts(
        correct, torch.zeros(3, 2, dtype=torch.float64), ten, zeros, ten, ("0", "1", "2")
    )
    monkeypatch.setattr(scale.sweeps, "unit_sweep", lambda *a, **k: counts)
    setup = Setup(None, torch.zeros(20, 3, 8, 8), torch.arange(2).repeat(10), ("a", "b"), "", 1.0)
    h = scale.headline(setup)
    assert (h["units"], h["classes"], h["units_per_class"]) == (3, 2, 1.5)
    assert np.isclose(h["over"], 100 / 3) and h["largest"] == 50.0  # one unit of 3 over 10 pts
    assert np.isclose(h["overall_mean"], (25.0 + 0 + 5.0) / 3)
