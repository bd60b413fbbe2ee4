"""Zhou Fig. 3's layer-by-layer damage (unitroles.layer_damage): the table, checks and counts."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch

from unitroles import layer_damage, study


def summary(overall, max_class, min_class) -> pd.DataFrame:
    """A layer's per-unit summary, as ``AblationCounts.summary()`` gives it (pts)."""
    return pd.DataFrame(
        {"overall_drop": overall, "max_class_drop": max_class, "min_class_drop": min_class}
    )


def test_the_core_checks_ask_every_layer_for_a_small_mean_and_a_large_max():
    good = {
        "conv4": summary([0.2, -0.1], [25.0, 5.0], [-2.0, -1.0]),
        "conv5": summary([0.5, 0.3], [30.0, 12.0], [-1.0, 0.0]),
    }
    weak = good | {"conv4": summary([0.2, -0.1], [15.0, 5.0], [-2.0, -1.0])}  # max < 20
    passes = layer_damage.outcomes([good, weak], ["conv4", "conv5"])
    assert passes[layer_damage.SMALL_OVERALL] == [True, True]
    assert passes[layer_damage.LARGE_MAX] == [True, False]  # the old core check
    assert layer_damage.core(["conv4", "conv5"]) == [
        "over half the units of conv5 > 10 pts",
        "conv5: the largest max class drop is at least half the paper's 50 pts",
    ]
    assert passes["over half the units of conv5 > 10 pts"] == [True, True]
    assert passes[layer_damage.largest_near("conv5")] == [True, True]  # 30 >= 25
    assert passes["median min class drop < 0 in every layer"] == [True, True]
    frame = layer_damage.per_layer([0, 1], [good, weak])
    assert list(frame.index) == [("conv4", 0), ("conv4", 1), ("conv5", 0), ("conv5", 1)]
    assert frame.loc[("conv5", 0), layer_damage.SHARE_10] == 100.0
    values = layer_damage.glue_values(
        [0, 1], [good, weak], frame, passes, layer="conv5", per_class=20
    )
    assert values["last_max_class"] == "30" and values["pts_per_image"] == "5.0"
    assert (values["seeds_overall"], values["seeds_max"]) == (2, 1)
    assert layer_damage.ours(frame, "conv5", 2).startswith("conv5 over 2 seeds: mean overall drop")


def test_units_are_counted_by_how_many_classes_they_hurt_by_more_than_10_pts():
    drops = np.array([[20.0, 0.0, 0.0], [11.0, 15.0, 0.0], [5.0, 0.0, -3.0], [0.0, 12.0, 0.0]])
    ex2 = layer_damage.hurt_exercise(drops, ("bed_room", "hostel", "desert"))
    assert (ex2["ex2_none"], ex2["ex2_one"], ex2["ex2_several"]) == (1, 2, 1)
    assert ex2["ex2_classes"] == 2 and ex2["ex2_all_classes"] == 3
    assert ex2["ex2_most"] == "bed room is hurt by the most units (2)"
    assert ex2["ex2_reading"] == "Most of the units that hurt a class hurt only one"
    assert layer_damage.hurt_exercise(drops * 0, ("a", "b", "c"))["ex2_most"] == (
        "no class is hurt by any unit"
    )


def test_judge_leaves_the_old_core_check_out_of_the_claim_and_votes_it_for_the_changes():
    good = {"conv5": summary([0.5, 0.3], [30.0, 12.0], [-1.0, 0.0])}
    weak = {"conv5": summary([0.5, 0.3], [15.0, 12.0], [-1.0, 0.0])}  # max < 20 and < 25
    counts = [{"conv5": SimpleNamespace(summary=lambda s=s: s["conv5"])} for s in (good, weak)]
    summaries = layer_damage.summaries(counts)
    assert summaries[1]["conv5"] is weak["conv5"]
    frame = layer_damage.per_layer([0, 1], summaries)
    z3 = layer_damage.judge([0, 1], summaries, frame, ["conv5"], per_class=20)
    assert not any(k.startswith(layer_damage.LARGE_MAX) for k in z3.checks)
    assert z3.changes[layer_damage.LARGE_MAX] is None  # 1 of 2 seeds: undecided
    assert z3.core == [
        "over half the units of conv5 > 10 pts, on 2 of 2 seeds",
        "conv5: the largest max class drop is at least half the paper's 50 pts, on 1 of 2 seeds",
    ]
    assert z3.glue["seeds_largest_near"] == 1 and z3.glue["pts_per_image"] == "5.0"
    assert z3.ours == layer_damage.ours(frame, "conv5", 2)
    assert z3.takeaway.startswith("over 2 seeds, the mean overall drop stays within 1 pt")


def test_scale_values_read_the_layer_width_and_classes():
    model = torch.nn.Sequential()
    model.add_module("conv5", torch.nn.Conv2d(3, 73, 1))
    setup = SimpleNamespace(model=model, images=torch.zeros(2, 3, 4, 4), num_classes=24)
    values = layer_damage.scale_values(setup, "conv5", 81.25)
    assert values == study.scale_comparison(73, 24, 81.25)
    assert values["scale_units"] == "73" and values["scale_accuracy"] == "81.2"
