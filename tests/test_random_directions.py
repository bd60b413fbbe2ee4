"""Zhou Fig. 7 read from its sweeps' summaries: units against random rotations, model by model."""

import numpy as np
import pandas as pd

from unitroles import drop_curves
from unitroles import random_directions as fig7


def _curves(
    unit_drops, random_drops, seeds=(0, 1, 2), rotations=2, net="Net"
) -> fig7.DirectionCurves:
    """One network whose units' max class drops are ``unit_drops`` on every seed and every
    rotation's directions ``random_drops``; overall drops a hundredth of them."""
    rows, max_drops, overall = [], {}, {}
    for seed in seeds:
        for basis in ["units", *range(rotations)]:
            drops = np.asarray(unit_drops if basis == "units" else random_drops, float)
            max_drops[net, seed, basis], overall[net, seed, basis] = drops, drops / 100
            rows.append(
                {"network": net, "seed": seed, "basis": basis,
                 **drop_curves.summary(drops), "overall": drops.mean() / 100}
            )  # fmt: skip
    stats = pd.DataFrame(rows)
    stats["ablated"] = np.where(stats["basis"] == "units", "units", "random")
    return fig7.DirectionCurves(list(seeds), rotations, {net: "conv5"}, stats, max_drops, overall)


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


def test_judge_reads_the_curves_into_the_card_glue_and_takeaway():
    drops = [30, 5, 1, 0, 0, 0, 0, 0, 0, 0], [3, 2, 2, 1, 1, 1, 1, 0, 0, 0]
    curves = _curves(*drops, net="AlexNet")  # a network the page's glue names know
    z8 = fig7.judge(curves, num_classes=24)
    assert len(z8.core) == 1 and z8.checks[z8.core[0]] is True and not z8.changes
    glued = z8.glue
    assert glued["alexnet_layer_name"] == "conv5" and glued["head_wins_alexnet"] == 3
    assert (glued["n_seeds"], glued["rotation_seeds"], glued["num_classes"]) == (3, 2, 24)
    assert z8.ours.startswith("AlexNet conv5: top 10% mean max class drop 30.0–30.0")
    assert z8.takeaway.startswith(
        "At AlexNet conv5, the head of the units' max class drop curve lies above every random "
        "rotation's on 3 of 3 seeds"
    )
    changes = fig7.changes(curves)
    assert changes[fig7.paired_head("AlexNet", "conv5")] is True and len(changes) == 2


def test_models_asks_the_run_for_each_network_and_seed():
    from types import SimpleNamespace

    class Run(dict):
        def model(self, recipe, *, seed, arch, checkpoint, parameter):
            return SimpleNamespace(description=f"{recipe}/{arch}/{seed}", accuracy=0.5)

    setups = fig7.models(Run(checkpoint=None, resnet_checkpoint=None), [0, 1], "resnet18")
    assert [s.description for s in setups["ResNet18"]] == [
        "resnet18/resnet18/0",
        "resnet18/resnet18/1",
    ]
    assert fig7.models_text(setups).splitlines()[0] == (
        "AlexNet: baseline/alexnet/0 — top-1 accuracy 50.0%"
    )
