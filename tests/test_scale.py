"""The regime targets and Fig. 3's headline numbers per model (unitroles.scale)."""

import numpy as np
import pandas as pd
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


def widths_frame() -> pd.DataFrame:
    """A sweep's rows: three widths of 2 models each (the middle one the baseline), fewer units
    a class costing more."""
    rows = []
    for units, over, largest, recipe in [(24, 60.0, 40.0, "width-24"), (64, 30.0, 25.0, "baseline"),
                                         (192, 5.0, 12.0, "width-192")]:  # fmt: skip
        for seed in (0, 1):
            rows.append({"recipe": recipe, "seed": seed, "units": units, "classes": 48,
                         "units_per_class": units / 48, "accuracy": 60.0 + seed,
                         "over": over + seed, "largest": largest + seed, "head": largest / 2,
                         "overall_mean": 0.1, "overall_largest": 0.3})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_trend_over_widths_gives_the_pages_checks_glue_and_takeaway():
    import matplotlib.pyplot as plt

    t = scale.trend(widths_frame())
    assert t.per_width.index.tolist() == [24, 64, 192] and t.default_units == 64
    assert t.per_width.loc[24, "over"] == 60.5 and t.per_width.loc[24, "models"] == 2
    assert t.rho_over < 0 and t.p_over < 0.05
    checks, core, unmeasured = scale.checks(t)
    assert all(checks.values()) and core == list(checks)[:2] and unmeasured is None
    glue = scale.glue_values(t)
    assert (glue["narrow_units"], glue["wide_over"], glue["default_largest"]) == (24, "6", "26")
    assert "6 models at 3 widths: units > 10 pts 60%, 30%, 6%" in scale.ours(t)
    assert scale.takeaway(t).startswith("from 4.00 to 0.50 conv5 units a class")
    table = scale.width_table(t)
    assert table.index[-1] == "paper, AlexNet 256 units"
    assert table.loc["ours, 64 units", "units > 10 pts (%)"] == 30.5
    fig = scale.figure(t)
    assert len(fig.axes) == 3 and "Share of units over 10 pts: 60%, 30%, 6%" in fig._unitroles_alt
    plt.close(fig)
    one = scale.trend(widths_frame().query("units == 64"))
    assert "a trend needs at least three" in scale.checks(one)[2]


def test_judge_gives_claim_w1_its_card_takeaway_and_glue():
    t = scale.trend(widths_frame())
    w1 = scale.judge(t)
    checks, core, _ = scale.checks(t)
    assert (w1.checks, w1.core, w1.unmeasured) == (checks, core, None)
    assert (w1.ours, w1.takeaway) == (scale.ours(t), scale.takeaway(t))
    assert w1.glue == scale.glue_values(t) and w1.changes == {}
    one = scale.judge(scale.trend(widths_frame().query("units == 64")))
    assert "a trend needs at least three" in one.unmeasured
    assert scale.PAPER.startswith("at 0.7 conv5 units a class")
