"""The helpers of the Zhou pages (unitroles.study): unit choice, masks, Spearman, greedy."""

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from unitroles import engine, greedy, study, sweeps, zoo
from unitroles.dissection import Dissection
from unitroles.scenes import GRASS, SKY, Part, SceneClass, SceneWorld


def test_live_units_compare_with_a_tenth_of_the_median_unit():
    means = np.array([1.0, 0.05, 0.2, 0.01, 0.3])  # median 0.2: live from 0.02 up
    assert study.live_units(means).tolist() == [True, True, True, False, True]
    assert study.live_units(means, fraction=0.5).tolist() == [True, False, True, False, True]


def test_concept_presence_reads_the_masks():
    world = SceneWorld(
        size=32,
        classes=(
            SceneClass("bedroom", SKY, GRASS, (Part("bed"),)),
            SceneClass("desert", SKY, GRASS, (Part("sun"),)),
        ),
        distractor_p=0.0,
    )
    presence = study.concept_presence(world, "val", 6)
    assert presence.loc["bedroom", ("object", "bed")] == 1.0
    assert presence.loc["desert", ("object", "bed")] == 0.0
    assert presence.loc["desert", ("object", "sun")] == 1.0
    assert presence.loc["bedroom", ("object", "sun")] == 0.0
    assert presence.loc["bedroom", ("scene", "bedroom")] == 1.0
    assert presence.loc["bedroom", ("scene", "desert")] == 0.0
    assert study.classes_holding(presence, "bed", "object").tolist() == [True, False]
    # every pixel carries a colour: some colour is in every image
    assert presence["color"].max(axis=1).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="no concept 'bedd'"):
        study.classes_holding(presence, "bedd", "object")


def test_concept_presence_counts_an_image_only_above_the_pixel_threshold():
    world = SceneWorld(
        size=32,
        classes=(
            SceneClass("a", SKY, GRASS, (Part("bed"),)),
            SceneClass("b", SKY, GRASS, (Part("bed"),)),
        ),
    )
    presence = study.concept_presence(world, "val", 3, min_fraction=1.01)
    assert presence[["object", "texture", "color"]].to_numpy().max() == 0.0
    assert presence["scene"].to_numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]  # not from masks


def dissection(iou, concepts, categories):
    iou = np.array(iou, float)
    return Dissection(iou, tuple(concepts), tuple(categories), np.zeros(len(iou)))


def test_concept_unit_prefers_the_named_concept_then_the_best_object_unit():
    concepts, categories = ["bed", "lamp", "stripes"], ["object", "object", "texture"]
    d = dissection([[0.01, 0.09, 0.5], [0.05, 0.01, 0.0], [0.02, 0.2, 0.0]], concepts, categories)
    assert study.concept_unit(d, "bed")[:2] == (1, "bed")
    unit, concept, why = study.concept_unit(d, "wheel")  # no such concept: best object IoU
    assert (unit, concept) == (2, "lamp") and "object-interpretable" in why
    d = dissection([[0.01, 0.02, 0.5], [0.03, 0.01, 0.0]], concepts, categories)
    unit, concept, why = study.concept_unit(d, "bed")  # no bed above 0.04, nothing interpretable
    assert (unit, concept) == (1, "bed") and why.startswith("no object-interpretable unit")


def test_damaged_classes_never_lists_a_class_without_a_drop():
    assert study.damaged_classes(np.array([0.0, -1.0, 5.0, 5.0, 2.0])).tolist() == [2, 3, 4]
    assert study.damaged_classes(np.array([0.0, -1.0, 5.0])).tolist() == [2]
    assert study.damaged_classes(np.array([0.0, -0.0, -3.0])).tolist() == []


def test_spearman_matches_scipy_and_has_no_value_for_a_constant():
    rng = np.random.default_rng(0)
    a, b = rng.random(30), rng.random(30)
    r, p = study.spearman(a, b)
    assert (r, p) == pytest.approx(tuple(spearmanr(a, b)))
    assert study.spearman(a, 2 * a + 1)[0] == pytest.approx(1.0)
    assert np.isnan(study.spearman(np.ones(30), b)[0])


def test_random_r_band_is_about_two_standard_errors_around_zero():
    drop = np.random.default_rng(1).random(64)
    lo, hi = study.random_r_band(drop, draws=4000)
    se = 1 / np.sqrt(63)  # the null standard deviation of Spearman r over n = 64 units
    assert lo == pytest.approx(-1.96 * se, abs=0.03) and hi == pytest.approx(1.96 * se, abs=0.03)
    narrow = study.random_r_band(np.random.default_rng(1).random(400), draws=4000)
    assert narrow[1] - narrow[0] < (hi - lo) / 2


def test_split_halves_alternates_within_each_class():
    choose, score = study.split_halves(torch.tensor([0, 1, 0, 1, 0, 2]))
    assert choose.tolist() == [0, 1, 4, 5] and score.tolist() == [2, 3]


def test_seed_band_is_the_pointwise_range():
    lo, hi = study.seed_band([np.array([1, 5, 2]), np.array([3, 0, 2])])
    assert lo.tolist() == [1, 0, 2] and hi.tolist() == [3, 5, 2]


def test_held_out_greedy_chooses_on_one_half_and_scores_on_the_other(store):
    torch.manual_seed(0)
    classes = 3
    model = zoo.build_model("alexnet-mini", classes).double().eval()
    x = torch.randn(24, 3, 32, 32, dtype=torch.float64)
    y = torch.arange(24) % classes
    result = study.held_out_greedy(model, "conv5", x, y, [0, 2], 3, random_orders=2, store=store)
    choose, score = study.split_halves(y)
    chosen = greedy.greedy_ablation(model, "conv5", x[choose], y[choose], [0, 2], 3)
    assert np.array_equal(result.order, chosen.order)
    np.testing.assert_allclose(result.chosen, chosen.greedy)
    for i, k in enumerate([0, 2]):  # score the same units by hand on the other half
        sets = [result.order[i][:t].tolist() for t in range(4)]
        counts = engine.sweep(
            model, "conv5", x[score], y[score], engine.unit_sets(96, sets), classes
        )
        np.testing.assert_allclose(result.greedy[i], counts.class_accuracy()[:, k])
        assert np.allclose(result.random[i, :, 0], result.greedy[i, 0])  # nothing ablated yet
    assert result.units == 96 and result.random.shape == (2, 2, 4)
    greedy_drop, random_drop = result.drops()
    assert greedy_drop.shape == random_drop.shape == (2, 4) and (greedy_drop[:, 0] == 0).all()
    again = study.held_out_greedy(model, "conv5", x, y, [0, 2], 3, random_orders=2, store=store)
    np.testing.assert_array_equal(again.random, result.random)
    assert sweeps.layer_units(model, "conv5", x) == 96


def test_seed_checks_vote_by_a_majority_one_seed_cannot_overturn_and_say_on_how_many_seeds():
    checks, core = study.seed_checks(
        {
            "big drop": [True, True, False],
            "tiny overall": [True, False, False, True],
            "gain": [True] * 4 + [False],
            "match": [False] * 4 + [True],
        },
        core=["big drop"],
    )
    assert checks == {
        "big drop, on 2 of 3 seeds": None,  # split: one seed would overturn it
        "tiny overall, on 2 of 4 seeds": None,
        "gain, on 4 of 5 seeds": True,
        "match, on 1 of 5 seeds": False,
    }
    assert core == ["big drop, on 2 of 3 seeds"]
    with pytest.raises(ValueError, match="not given"):
        study.seed_checks({"a": [True]}, core=["b"])


def test_predicting_from_units_of_one_class_says_so():
    """Instances whose units all hurt one class (weak models) stop with a clear message."""
    from types import SimpleNamespace

    def fake(label):
        counts = SimpleNamespace(class_drop=lambda: np.eye(3)[[label] * 4] * 5.0)
        return SimpleNamespace(
            class_names=("a", "b", "c"), counts=counts,
            vectors=lambda feature: np.random.default_rng(0).normal(size=(4, 3)),
        )  # fmt: skip

    with pytest.raises(study.NothingToPredict, match="nothing to predict"):
        study.predict_most_damaged([fake(0), fake(0)], [fake(1)])
    # a page asks for a report instead: no units, NaN accuracies, and why
    empty = study.predict_most_damaged([fake(0), fake(0)], [fake(1)], if_nothing="report")
    assert empty.why.startswith("nothing to predict") and len(empty.units) == 0
    assert empty.accuracy().isna().all() and list(empty.accuracy().index)[-1] == "ensemble"
    assert empty.top("ensemble", 3) == []
    # units of two classes: a prediction, with no why
    made = study.predict_most_damaged([fake(0), fake(1)], [fake(1)], if_nothing="report")
    assert made.why == "" and len(made.units) == 4 and not made.accuracy().isna().any()
    with pytest.raises(ValueError, match='"raise" or "report"'):
        study.predict_most_damaged([fake(0), fake(1)], [fake(1)], if_nothing="skip")
