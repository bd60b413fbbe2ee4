"""Regularized recipes against the baseline's seed band (Zhou et al. 2018, Fig. 8)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from unitroles import regularizers, verdicts

SEEDS = [0, 1, 2]


def drops_of(level: dict) -> dict:
    """Curves of 20 units whose head (top 2) sits at ``level[recipe, seed, layer]`` pts."""
    return {key: np.array([value, value] + [0.0] * 18) for key, value in level.items()}


def levels(base, regularized) -> dict:
    out = {("baseline", s, "conv5"): v for s, v in zip(SEEDS, base)}
    return out | {("batchnorm", s, "conv5"): v for s, v in zip(SEEDS, regularized)}


def test_a_regularizer_lowers_a_head_only_below_every_baseline_seed():
    stats = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [9.0, 11.0, 8.0])))
    below = regularizers.beyond_band(stats, "batchnorm", "conv5", "head", "lower")
    assert below.tolist() == [True, False, True]  # 11 lies inside the band 10–14
    above = regularizers.beyond_band(stats, "batchnorm", "conv5", "head", "higher")
    assert not above.any()
    with pytest.raises(ValueError, match="direction"):
        regularizers.beyond_band(stats, "batchnorm", "conv5", "head", "down")


def test_band_checks_pair_each_seed_with_the_baseline_of_that_seed():
    stats = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [5.0, 6.0, 7.0])))
    rules = [
        ("batchnorm", "conv5", "head", "lower", True),
        ("batchnorm", "conv5", "mean", "higher", False),
    ]
    checks, core, outcomes, old = regularizers.band_checks(stats, rules, SEEDS)
    assert list(checks.values()) == [True, False]
    assert core == [next(iter(checks))]
    assert core[0].startswith("batch norm lowers the head of the conv5 curve")
    assert "paired over seeds: -6.0 pts (95% interval" in core[0]
    assert outcomes["batchnorm", "conv5", "head"].tolist() == [True, True, True]
    assert old["batch norm lowers the head of the conv5 curve (top 10% mean) below every "
               "baseline seed's"] is True  # fmt: skip
    # seeds that a band vote leaves undecided (2 of 3 below the band) but that each lie 1 pt
    # under their own baseline seed: the paired difference shows the effect
    split = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [9.0, 11.0, 13.0])))
    checks, _, _, old = regularizers.band_checks(split, rules[:1], SEEDS)
    assert list(checks.values()) == [True]
    assert list(old.values()) == [verdicts.seed_vote([True, False, False])]
    # a null effect fails instead of staying undecided
    null = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [11.0, 11.0, 14.0])))
    checks, _, _, _ = regularizers.band_checks(null, rules[:1], SEEDS)
    assert list(checks.values()) == [False]
    split = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [5.0, 13.0, 7.0])))
    assert regularizers.head_direction(split, "batchnorm", "conv5") == (
        "below on 2 of 3 seeds, above on 0"
    )


def test_range_table_gives_the_mean_and_range_over_seeds():
    stats = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [5.0, 6.0, 7.0])))
    table = regularizers.range_table(stats, ["baseline", "batchnorm"], ["conv5"])
    assert table.iloc[0, 0] == "12.0 (10.0–14.0)"  # the head column comes first
    assert table.index.tolist() == [("baseline", "conv5"), ("batchnorm", "conv5")]


def test_against_baseline_says_more_or_less_accurate_in_points():
    accuracy = pd.DataFrame({"baseline": [80.0, 82.0], "dropout-conv5": [79.0, 79.4]})
    assert regularizers.against_baseline(accuracy, "dropout-conv5") == (
        "1.8 pts less accurate than the baseline"
    )
    assert regularizers.against_baseline(accuracy, "baseline") == "as accurate as the baseline"


def test_room_table_counts_the_head_in_images_of_the_worst_class():
    stats = regularizers.curve_stats(drops_of(levels([10.0, 12.0, 14.0], [5.0, 6.0, 7.0])))
    room = regularizers.room_table(stats["head"].unstack("layer"), pts_per_image=2.0)
    assert room.loc[("baseline", "conv5"), "head, in images of the worst class"] == 6.0
    assert room.loc[("batchnorm", "conv5"), "seed range (pts)"] == 2.0


def test_curves_figure_draws_one_panel_per_layer_with_alt_text():
    level = levels([10.0, 12.0, 14.0], [5.0, 6.0, 7.0])
    level |= {(r, s, "conv4"): 3.0 for r, s, _ in list(level)}
    accuracy = pd.DataFrame({"baseline": [80.0] * 3, "batchnorm": [81.0] * 3}, index=SEEDS)
    fig = regularizers.curves_figure(drops_of(level), accuracy, ["conv4", "conv5"])
    assert len(fig.axes) == 2
    assert "conv5: baseline 12.0 pts, batchnorm 6.0 pts" in fig._unitroles_alt
    plt.close(fig)


def curves_of(monkeypatch, level: dict) -> regularizers.Curves:
    """:func:`regularizers.measure` on stand-in models whose curves are ``drops_of(level)``:
    accuracy 80% for the baseline, 81% for the others, 5 images of each of 4 classes."""
    import torch

    from unitroles.evaluation import Setup

    drops = drops_of(level)
    monkeypatch.setattr(
        regularizers, "max_class_drops", lambda setup, layer: drops[(*setup.model, layer)]
    )
    labels = torch.arange(4).repeat(5)
    models = {
        (r, s): Setup((r, s), torch.zeros(20, 3), labels, tuple("abcd"), f"{r} {s}",
                      0.8 if r == "baseline" else 0.81)
        for r, s, _ in level
    }  # fmt: skip
    layers = list(dict.fromkeys(layer for _, _, layer in level))
    return regularizers.measure(models, layers)


def three_recipes() -> dict:
    level = {}
    for layer, (base, bn, do) in {
        "conv4": ([3.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, 6.0, 7.0]),
        "conv5": ([10.0, 12.0, 14.0], [5.0, 6.0, 7.0], [9.0, 11.0, 8.0]),
    }.items():
        for recipe, values in zip(["baseline", "batchnorm", "dropout-conv5"], [base, bn, do]):
            level |= {(recipe, s, layer): v for s, v in zip(SEEDS, values)}
    return level


def test_measure_gathers_curves_accuracy_and_the_evaluation_size(monkeypatch):
    curves = curves_of(monkeypatch, three_recipes())
    assert curves.recipes == ["baseline", "batchnorm", "dropout-conv5"]
    assert curves.seeds == SEEDS and curves.layers == ["conv4", "conv5"]
    assert (curves.images, curves.num_classes) == (5, 4)
    assert curves.accuracy.loc[0, "batchnorm"] == 81.0
    assert curves.head().loc[("batchnorm", 1), "conv5"] == 6.0


def test_the_pages_glue_claim_and_takeaway_read_the_curves(monkeypatch):
    curves = curves_of(monkeypatch, three_recipes())
    rules = [r for r in regularizers.RULES if r[1] in curves.layers and r[2] == "head"]
    checks, core, outcomes, old = regularizers.band_checks(curves.stats, rules, curves.seeds)
    assert regularizers.held_seeds(outcomes) == {"bn_conv5": 3, "do_conv5": 2, "do_conv4": 3}
    glue = regularizers.glue_values(curves, outcomes)
    assert glue["head_bn_conv5"] == "5.0–7.0" and glue["do_conv4_seeds"] == 3
    assert glue["n_seeds"] == 3 and glue["acc_dropout"] == "81.0–81.0"
    assert "batch norm conv4 2.0–2.0, conv5 5.0–7.0" in regularizers.ours(curves)
    text = regularizers.takeaway(curves, core, outcomes)
    assert "with batch norm on 3 of 3 seeds" in text and "1.0 pts more accurate" in text
    changed = regularizers.changes(curves, rules)
    assert all(name.endswith(", paired over seeds") for name in list(changed)[: len(checks)])
    assert list(changed)[len(checks) :] == list(old)
    comparison = regularizers.beside_paper(curves, ["batchnorm", "dropout-conv5"])
    assert comparison.loc[("batchnorm", "paper"), "conv5"] == "lower"
    assert comparison.loc[("dropout-conv5", "this run"), "conv4"] == (
        "below on 0 of 3 seeds, above on 3"
    )
    room, glue = regularizers.room(curves, checks, core)
    assert room.loc[("baseline", "conv5"), "head, in images of the worst class"] == 12.0 / 20
    assert glue["z9_images"] == 5 and glue["z9_base_band"] == "10.0–14.0"
    assert glue["z9_failed_core"] == "; ".join(verdicts.failed_core(checks, core)) or "none"


def test_judge_gives_the_claim_card_takeaway_and_glue_of_the_curves(monkeypatch):
    curves = curves_of(monkeypatch, three_recipes())
    rules = [r for r in regularizers.RULES if r[1] in curves.layers and r[2] == "head"]
    z9 = regularizers.judge(curves, rules)
    checks, core, outcomes, _ = regularizers.band_checks(curves.stats, rules, curves.seeds)
    assert (z9.checks, z9.core) == (checks, core) and len(z9.core) == 2
    assert z9.ours == regularizers.ours(curves)
    assert z9.takeaway == regularizers.takeaway(curves, core, outcomes)
    assert z9.glue == regularizers.glue_values(curves, outcomes)
    assert z9.changes == {} and z9.unmeasured is None
    assert "regularizers spread class information" in regularizers.PAPER
