"""Zhou Fig. 1's concept unit (unitroles.concept_units): the rule per seed, checks, numbers."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch

from unitroles import concept_units, engine
from unitroles.dissection import Dissection

CLASSES = ("bedroom", "hostel", "desert")


def fake_study(correct) -> SimpleNamespace:
    """Two units, three classes of 10 images each, all right before ablation; ``correct``
    ``(units, classes)`` after ablating each unit. Unit 1 is the bed unit (IoU 0.3)."""
    iou = np.array([[0.01, 0.2], [0.3, 0.0]])  # (units, concepts): bed, sun
    counts = engine.AblationCounts(
        torch.tensor(correct, dtype=torch.float64),
        torch.zeros(2, 3, dtype=torch.float64),
        torch.full((3,), 10.0, dtype=torch.float64),
        torch.zeros(3, dtype=torch.float64),
        torch.full((3,), 10.0, dtype=torch.float64),
        ("0", "1"),
    )
    return SimpleNamespace(
        dissection=Dissection(iou, ("bed", "sun"), ("object", "object"), np.zeros(2)),
        counts=counts,
        class_names=CLASSES,
        setup=SimpleNamespace(labels=torch.arange(3).repeat_interleave(10)),
    )


def shares() -> pd.DataFrame:
    """The bedroom and hostel images hold a bed; the desert's hold a sun."""
    columns = pd.MultiIndex.from_tuples([("object", "bed"), ("object", "sun")])
    return pd.DataFrame([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]], index=CLASSES, columns=columns)


def test_the_chosen_unit_is_the_bed_unit_with_its_drops_and_the_classes_holding_bed():
    st = fake_study([[10, 10, 10], [7, 10, 10]])  # unit 1 costs bedroom 30 pts
    (chosen,) = concept_units.choose([4], [st], "bed", shares())
    assert (chosen.seed, chosen.unit, chosen.concept) == (4, 1, "bed")
    np.testing.assert_allclose(chosen.drops, [30, 0, 0])
    assert chosen.holds.tolist() == [True, True, False]
    assert chosen.damaged.tolist() == [0]
    assert chosen.overall_drop == 10.0  # 3 of 30 images
    assert chosen.big == 1


def test_without_masks_no_class_holds_the_concept_and_any_class_may_lose_10_pts():
    st = fake_study([[10, 10, 10], [10, 10, 8]])  # the bed unit costs the desert 20 pts
    chosen = concept_units.choose([0], [st], "bed", None)
    assert not chosen[0].holds.any()
    passes, big = concept_units.outcomes(chosen, masks=False)
    assert big == concept_units.BIG_ANY and passes[big] == [True]
    passes, big = concept_units.outcomes(chosen, masks=True)  # the desert holds no bed
    assert big == concept_units.BIG_RELATED and passes[big] == [False]
    # 2 of 30 images: 6.7 pts overall, over a tenth of the desert's 20
    assert passes[concept_units.RELATIVE_OVERALL] == [False]
    assert concept_units.old_outcomes(chosen)[concept_units.SMALL_OVERALL] == [False]
    assert passes[concept_units.SOME_FEW_BIG] == [True]  # one class lost 20 pts


def test_the_overall_drop_counts_against_the_largest_class_drop():
    # one class of 20 loses 30 pts, the rest nothing: 1.5 pts overall
    drops = np.array([30.0] + [0.0] * 19)
    unit = SimpleNamespace(drops=drops, overall_drop=1.5, iou=0.3, big=1,
                           holds=np.zeros(20, bool), damaged=np.array([0]))  # fmt: skip
    chosen = [unit]
    passes, _ = concept_units.outcomes(chosen, masks=False)
    assert passes[concept_units.RELATIVE_OVERALL] == [True]  # 1.5 <= 3
    assert concept_units.old_outcomes(chosen)[concept_units.SMALL_OVERALL] == [False]  # 1.5 > 1


def test_the_overall_drop_is_the_image_weighted_mean_of_the_class_drops():
    st = fake_study([[10, 10, 10], [6, 9, 10]])  # bedroom loses 4 images, hostel 1
    (chosen,) = concept_units.choose([0], [st], "bed", shares())
    ex2 = concept_units.overall_exercise(st, chosen)
    assert ex2["ex2_mean"] == ex2["ex2_overall"] == "+16.67"
    assert ex2["ex2_alone"] == "13.33"  # bedroom's 40 pts over three classes
    assert ex2["ex2_losers"] == "2 classes lose 50 pts"
    assert ex2["ex2_sizes"] == "Every class has 10 validation images"


def test_the_glued_numbers_name_the_first_seed_and_count_the_seeds_that_pass():
    studies = [fake_study([[10, 10, 10], [7, 10, 10]]), fake_study([[10, 10, 10], [10, 10, 10]])]
    chosen = concept_units.choose([0, 1], studies, "bed", shares())
    passes, big = concept_units.outcomes(chosen, masks=True)
    values = concept_units.glue_values(studies[0], chosen, passes, big)
    assert values["unit"] == 1 and values["top_class"] == "bedroom" and values["top_drop"] == "30"
    assert values["seeds_big"] == 1 and values["seeds_interpretable"] == 2
    assert values["pts_per_image"] == "10.0"
    assert "seed 1: bed unit 1, overall 100.0% → 100.0%" in concept_units.ours(chosen, CLASSES)
    assert concept_units.takeaway(chosen, CLASSES, passes, big, layer="conv5").endswith(
        "while bedroom loses 30 pts."
    )


def test_judge_gathers_the_claim_its_numbers_and_the_old_checks_beside_the_new():
    studies = [fake_study([[10, 10, 10], [7, 10, 10]]), fake_study([[10, 10, 10], [7, 10, 10]])]
    chosen = concept_units.choose([0, 1], studies, "bed", shares())
    z1 = concept_units.judge(studies[0], chosen, masks=True, layer="conv5")
    # 3 of 30 images: 10 pts overall against bedroom's 30, over a tenth, on both seeds
    assert [name for name in z1.core] == [
        f"{concept_units.RELATIVE_OVERALL}, on 0 of 2 seeds",
        f"{concept_units.BIG_RELATED}, on 2 of 2 seeds",
    ]
    assert z1.checks[z1.core[1]] is True and z1.checks[z1.core[0]] is False
    assert z1.changes[concept_units.SMALL_OVERALL] is False  # old checks: voted, not counted
    assert concept_units.SMALL_OVERALL not in " ".join(z1.checks)
    assert z1.glue["seeds_big"] == 2 and z1.glue["unit"] == 1
    assert z1.ours.startswith("seed 0: bed unit 1, overall 100.0% → 90.0%")
    assert z1.takeaway.endswith("while bedroom loses 30 pts.")


def test_describe_gives_each_seed_its_model_and_chosen_unit():
    st = fake_study([[10, 10, 10], [7, 10, 10]])
    st.setup.description = "alexnet-mini seed 3"
    chosen = concept_units.choose([3], [st], "bed", shares())
    assert concept_units.describe([st], chosen) == (
        f"alexnet-mini seed 3 — top-1 accuracy 100.0%\n  unit 1: {chosen[0].why}; bed IoU 0.300"
    )
