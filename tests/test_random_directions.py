"""Zhou Fig. 7 read from its sweeps' summaries: units against random rotations, model by model."""

import numpy as np
import pandas as pd

from unitroles import drop_curves
from unitroles import random_directions as fig7


def _curves(unit_drops, random_drops, seeds=(0, 1, 2), rotations=2) -> fig7.DirectionCurves:
    """One network whose units' max class drops are ``unit_drops`` on every seed and every
    rotation's directions ``random_drops``; overall drops a hundredth of them."""
    rows, max_drops, overall = [], {}, {}
    for seed in seeds:
        for basis in ["units", *range(rotations)]:
            drops = np.asarray(unit_drops if basis == "units" else random_drops, float)
            max_drops["Net", seed, basis], overall["Net", seed, basis] = drops, drops / 100
            rows.append(
                {"network": "Net", "seed": seed, "basis": basis,
                 **drop_curves.summary(drops), "overall": drops.mean() / 100}
            )  # fmt: skip
    stats = pd.DataFrame(rows)
    stats["ablated"] = np.where(stats["basis"] == "units", "units", "random")
    return fig7.DirectionCurves(list(seeds), rotations, {"Net": "conv5"}, stats, max_drops, overall)


def test_units_above_every_rotation_pass_the_core_check():
    curves = _curves([30, 5, 1, 0, 0, 0, 0, 0, 0, 0], [3, 2, 2, 1, 1, 1, 1, 0, 0, 0])
    checks, core, old = fig7.checks(curves)
    assert len(core) == 1 and core[0].startswith("Net conv5: the units' head minus the best")
    assert checks[core[0]] is True  # 27 pts on every seed: the paired interval is above 0
    assert old == {f"Net conv5: {fig7.HEAD_ABOVE}": True}
    assert all(v is True for v in checks.values())
    glued = fig7.ranges(curves, {"Net": "net"})
    assert glued["head_wins_net"] == 3
    assert glued["head_units_net"] == "30.0–30.0"
    assert "10–10% of units against 0–0% of random directions at Net" in fig7.over_sentence(curves)


def test_a_share_no_basis_reaches_is_not_informative():
    curves = _curves([5, 1, 0, 0], [4, 1, 0, 0])
    checks, _, _ = fig7.checks(curves)
    (share,) = [name for name in checks if "share of units over" in name]
    assert checks[share] == "not informative"
    assert share.endswith("none over 10 pts on any seed")
    assert "counts neither way" in fig7.over_sentence(curves)


def test_a_head_no_better_than_the_rotations_fails_the_paired_check():
    curves = _curves([3, 2, 2, 1, 1, 1, 1, 0, 0, 0], [3, 2, 2, 1, 1, 1, 1, 0, 0, 0])
    checks, core, old = fig7.checks(curves)
    assert checks[core[0]] is False  # the same curve: a paired difference of 0
    assert list(old.values()) == [False]


def test_table_has_a_row_per_statistic_and_the_papers_reading():
    table = fig7.table(_curves([30, 5, 1, 0], [3, 2, 2, 1]))
    assert list(table.index) == list(fig7.STATISTICS.values())
    assert list(table.columns[:2]) == ["Net conv5: units", "Net conv5: random"]
    assert table.loc[fig7.STATISTICS["largest"], "paper: AlexNet conv5, ResNet18 layer4"] == "—"
