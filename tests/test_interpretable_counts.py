"""Interpretable units counted model by model (Zhou et al. 2018, Fig. 9)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from unitroles import interpretable_counts


def best_table(concepts: list[tuple[str, str, bool]]) -> pd.DataFrame:
    """A dissection's best-concept table: one row per (category, concept, interpretable)."""
    return pd.DataFrame(
        [
            {"category": cat, "concept": c, "iou": 0.1 if ok else 0.01, "interpretable": ok}
            for cat, c, ok in concepts
        ]
    )


BEST = {
    ("baseline", 0): best_table(
        [("scene", "a", True), ("scene", "b", True), ("object", "c", True)]
    ),
    ("baseline", 1): best_table(
        [("scene", "a", True), ("object", "c", True), ("object", "d", False)]
    ),
    ("dropout-conv5", 0): best_table(
        [("scene", "a", True), ("scene", "a", True), ("object", "c", False)]
    ),
    ("dropout-conv5", 1): best_table(
        [("scene", "a", True), ("scene", "b", False), ("object", "d", False)]
    ),
}


def test_counts_are_per_model_and_per_concept():
    assert interpretable_counts.totals(BEST).tolist() == [3, 2, 2, 1]
    counts = interpretable_counts.per_concept(BEST)
    assert counts.loc[("scene", "a"), ("dropout-conv5", 0)] == 2
    assert counts.loc[("object", "c"), ("dropout-conv5", 1)] == 0
    spread = interpretable_counts.concept_spread(BEST, ["baseline", "dropout-conv5"])
    assert spread.index[0] == ("scene", "a")  # the most units first
    assert spread.loc[("scene", "a"), ("dropout-conv5", "max")] == 2


def test_per_model_adds_totals_distinct_concepts_and_the_layer_size():
    table = interpretable_counts.per_model(BEST)
    assert table.loc["all", ("baseline", 0)] == 3
    assert table.loc["distinct concepts", ("dropout-conv5", 0)] == 1
    assert table.loc["units in the layer"].tolist() == [3, 3, 3, 3]


def test_dropout_with_fewer_units_passes_the_paired_core_check():
    checks, core, passes, old = interpretable_counts.paired_checks(
        BEST, "baseline", "dropout-conv5", [0, 1]
    )
    assert core == [next(iter(checks))]
    assert core[0].startswith("dropout-conv5 has fewer interpretable units (scene labels left")
    assert "-1.0 units (95% interval -1.0 to -1.0, 2 seeds)" in core[0]  # 3 -> 2, 2 -> 1
    assert checks[core[0]] is True
    assert list(passes.values())[0].tolist() == [True, True]
    assert list(passes.values())[1].tolist() == [False, True]  # 2 is not below the baseline's 2
    assert old["dropout-conv5 has fewer interpretable units than the baseline of the same seed"]


def test_a_null_effect_fails_where_a_vote_would_stay_undecided():
    same = {("baseline", s): BEST["baseline", s] for s in (0, 1)}
    same |= {("dropout-conv5", s): BEST["baseline", 1 - s] for s in (0, 1)}  # 3, 2 vs 2, 3
    checks, core, _, old = interpretable_counts.paired_checks(
        same, "baseline", "dropout-conv5", [0, 1]
    )
    assert checks[core[0]] is False
    assert (
        old["dropout-conv5 has fewer interpretable units than the baseline of the same seed"]
        is None
    )


def test_scene_labels_are_left_out_of_the_best_concept():
    from unitroles.dissection import Dissection

    d = Dissection(
        np.array([[0.3, 0.1], [0.02, 0.05]]), ("kitchen", "bed"), ("scene", "object"), np.zeros(2)
    )
    best = interpretable_counts.without_scenes(d)
    assert best["concept"].tolist() == ["bed", "bed"]
    assert best["interpretable"].tolist() == [True, True]


def test_per_recipe_counts_copies_of_a_concept():
    summary = interpretable_counts.per_recipe(BEST, ["baseline", "dropout-conv5"])
    assert summary.loc["dropout-conv5", "units per matched concept"] == 1.5  # (2 + 1) / 2
    assert summary.loc["baseline", "units per matched concept"] == 1.0  # one unit a concept
    assert "Dropout keeps copies" in interpretable_counts.copies_sentence(True, False)
    assert "no more units" in interpretable_counts.copies_sentence(False, False)
    assert "Most interpretable units" in interpretable_counts.scenes_sentence(
        {"baseline": 0.6, "dropout-conv5": 0.9}, "baseline", "dropout-conv5"
    )


def test_counts_figure_shows_both_panels_with_alt_text():
    accuracy = {key: 80.0 for key in BEST}
    fig = interpretable_counts.counts_figure(BEST, accuracy, ["baseline", "dropout-conv5"], "conv5")
    assert len(fig.axes) == 2
    assert "Counts per seed: baseline 3, 2; dropout-conv5 2, 1." in fig._unitroles_alt
    plt.close(fig)


def test_the_pages_glue_claim_takeaway_and_diagnosis_read_the_counts():
    base, drop = "baseline", "dropout-conv5"
    checks, core, passes, _ = interpretable_counts.paired_checks(BEST, base, drop, [0, 1])
    glue = interpretable_counts.glue_values(BEST, base, drop, passes)
    assert glue == {"n_seeds": 2, "n_units": 3, "n_base": "2–3", "n_drop": "1–2",
                    "distinct_base": "2–3", "distinct_drop": "1–1", "fewer_seeds": 2}  # fmt: skip
    assert interpretable_counts.ours(BEST, base, drop) == (
        "interpretable units of 3, seeds 0, 1 in turn: baseline 3, 2; dropout-conv5 2, 1"
    )
    assert interpretable_counts.takeaway(BEST, base, drop, "conv5", passes).startswith(
        "of 3 conv5 units, dissection finds 2–3 interpretable in the baseline models"
    )
    summary, diagnosis = interpretable_counts.diagnosis_of(BEST, BEST, [base, drop], checks, core)
    assert summary.loc[drop, "units per matched concept"] == 1.5
    assert diagnosis["z10_failed_core"] == "none"
    assert (diagnosis["z10_per_concept_base"], diagnosis["z10_per_concept_drop"]) == (
        "1.00",
        "1.50",
    )
    assert diagnosis["z10_reading"].startswith("Dropout keeps copies")
    assert "Most interpretable units" in diagnosis["z10_scenes"]
    shown = interpretable_counts.model_table(BEST).data
    assert shown.columns[-1] == "mean best IoU" and "units in the layer" not in shown.columns


def test_judge_gives_the_claim_card_takeaway_glue_and_the_checks_it_rewrote():
    base, drop = "baseline", "dropout-conv5"
    z10 = interpretable_counts.judge(BEST, base, drop, "conv5")
    checks, core, passes, old = interpretable_counts.paired_checks(BEST, base, drop, [0, 1])
    assert (z10.checks, z10.core) == (checks, core)
    assert z10.ours == interpretable_counts.ours(BEST, base, drop)
    assert z10.takeaway == interpretable_counts.takeaway(BEST, base, drop, "conv5", passes)
    assert z10.glue == interpretable_counts.glue_values(BEST, base, drop, passes)
    assert z10.changes == {} and interpretable_counts.changes(BEST, base, drop) == old
    assert interpretable_counts.PAPER.startswith("training with channel dropout on conv5")


def test_dissect_reads_each_models_best_concepts(monkeypatch, capsys):
    import torch

    from unitroles.dissection import Dissection
    from unitroles.evaluation import Setup

    d = Dissection(
        np.array([[0.3, 0.1], [0.02, 0.05]]), ("kitchen", "bed"), ("scene", "object"), np.zeros(2)
    )
    monkeypatch.setattr(interpretable_counts.dissection, "cached_dissection", lambda *a: d)
    setup = Setup(None, torch.zeros(2, 3), torch.zeros(2), ("a",), "model 0", 0.5)
    best, best_all, accuracy = interpretable_counts.dissect(
        {("baseline", 0): setup}, "conv5", None, None
    )
    assert accuracy == {("baseline", 0): 50.0}
    assert best["baseline", 0]["concept"].tolist() == ["bed", "bed"]  # scene labels left out
    assert best_all["baseline", 0]["concept"].tolist() == ["kitchen", "bed"]
    assert "model 0 — top-1 accuracy 50.0%" in capsys.readouterr().out
