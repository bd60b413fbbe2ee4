"""Zhao et al. 2023's tables beside ours: the Table 1 page's checks and text, Table 2's tables
and the closing page that reads the others back."""

from types import SimpleNamespace

import matplotlib
import nbformat
import pandas as pd
import pytest

from unitroles import zhao2023

matplotlib.use("Agg")


def _per_seed(tests=((0.70, 0.60, 0.50, 0.40, 0.30), (0.72, 0.61, 0.52, 0.35, 0.36))):
    """Table 1's rows for two seeds: gaps rising from 0.1 to 0.6, test accuracy as given."""
    rows = []
    for seed, test in enumerate(tests):
        for i, t in enumerate(test):
            gap = 0.1 + 0.125 * i
            rows.append(
                {"model": f"model {'ABCDE'[i]}", "seed": seed, "train_acc": t + gap,
                 "test_acc": t, "gap": gap, "train_seconds": 10.0 * (i + 1)}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_joined_writes_each_value():
    assert zhao2023.joined([0.1, 0.25], ".2f") == "0.10, 0.25"
    assert zhao2023.joined([1, 2], "d", " → ") == "1 → 2"


def test_accuracy_outcomes_and_means_read_each_seed():
    per_seed = _per_seed()
    ours = zhao2023.accuracy_means(per_seed)
    assert list(ours.index) == list(zhao2023.MODELS)
    assert ours.loc["model A", "test_acc"] == pytest.approx(0.71)
    passes = zhao2023.accuracy_outcomes(per_seed)
    small, large = zhao2023.CLAIMS["R3"].core
    assert list(passes) == [zhao2023.GAP_RISES, small, large, zhao2023.TEST_FALLS]
    assert passes[small] == [True, True] and passes[large] == [True, True]
    assert passes[zhao2023.TEST_FALLS] == [True, False]  # seed 1: E above D


def test_accuracy_glue_lines_and_caption():
    ours = zhao2023.accuracy_means(_per_seed())
    glue = zhao2023.accuracy_glue(ours, 2)
    assert glue["gap_A"] == "0.100" and glue["gap_E"] == "0.600" and glue["seeds_n"] == 2
    assert glue["best_test_model"] == "model A" and glue["test_series"][0] == 0.71
    assert glue["test_falls"] == "falls at every step"  # the means do
    flat = ours.assign(test_acc=[0.5, 0.6, 0.4, 0.3, 0.2])
    assert "the best test accuracy is model B's" in zhao2023.accuracy_glue(flat, 2)["test_falls"]
    assert zhao2023.accuracy_ours(ours, 2).startswith("0.100, 0.225, 0.350")
    assert "from 0.100 to 0.600" in zhao2023.accuracy_takeaway(ours)
    cap = zhao2023.accuracy_caption(zhao2023.TABLE1, ours)
    assert "Paper: gaps 0.07, 0.13, 0.28, 0.38, 0.60; ours: gaps 0.10" in cap["alt"]


def test_judge_votes_each_check_over_the_seeds():
    judged = zhao2023.judge(_per_seed())
    falls = next(c for c in judged.checks if c.startswith(zhao2023.TEST_FALLS))
    assert falls.endswith("on 1 of 2 seeds") and len(judged.core) == 2
    assert all(judged.checks[c] for c in judged.core) and judged.glue["seeds_n"] == 2
    assert judged.ours.startswith("0.100, 0.225") and judged.note == zhao2023.NOTE


def test_accuracy_table_sets_the_paper_beside_our_seeds():
    shown = zhao2023.accuracy_table(_per_seed(), arch="vgg16-mini", profile="book")
    assert shown.data[("paper", "gap")].tolist()[0] == "0.075"
    assert shown.data[("ours", "gap")].tolist()[0] == "0.100 (0.100–0.100)"
    assert "mean over 2 seeds" in shown.caption and "vgg16-mini, book profile" in shown.caption


def test_recipe_table_lists_each_rung_once():
    def trained(name, per_class, epochs_run):
        recipe = SimpleNamespace(
            name=name, train_per_class=per_class, stop_train_acc=0.7321, augment=per_class > 50,
            weight_decay=5e-4, classifier_dropout=0.5, epochs=30,
        )  # fmt: skip
        return SimpleNamespace(recipe=recipe, meta={"epochs_run": epochs_run})

    ladders = {s: {"model A": trained("gen-A", 100, 3 + s), "model E": trained("gen-E", 32, 9)}
               for s in (0, 1)}  # fmt: skip
    ours = pd.DataFrame({"train_seconds": [12.4, 30.6]}, index=["model A", "model E"])
    data = zhao2023.recipe_table(ladders, ours).data
    assert list(data.index) == ["gen-A", "gen-E"]
    assert data["epochs trained (each seed)"].tolist() == ["3, 4 of 30", "9, 9 of 30"]
    assert data["augmentation"].tolist() == ["flips, shifts ≤ 4 px", "—"]
    assert data["stops at train acc"].tolist() == ["0.732", "0.732"]
    assert "your VGG16 checkpoints" in zhao2023.recipe_table(None, ours).data


def test_proportions_and_band_tables():
    means = pd.DataFrame(
        [{"model": m, "seed": s, "gap": 0.1 * i, "core": 20.0 + s, "overfitted": 10.0 * i,
          "generalizing": 1.0, "confusing": 69.0 - 10.0 * i - s}
         for i, m in enumerate(zhao2023.MODELS) for s in (0, 1)]
    )  # fmt: skip
    ours = zhao2023.TABLE2 * 0.5
    side = zhao2023.proportions_table(ours, means, caption="ours here")
    assert side.caption.endswith("ours: ours here.")
    assert side.data.loc[("model B", "ours"), "gap"] == "0.100"
    band = zhao2023.band_table(means).data
    assert band.columns[2] == "overfitted, paper (%)" and band.columns[-1] == "confusing, paper (%)"
    assert band.loc["model E", "overfitted, paper (%)"] == "61.4"
    assert band.loc["model A", "core (%)"] == "20.5 (20.0–21.0)"


def _closing_glue():
    return {
        "table1": {"gap_A": "0.100", "gap_E": "0.600", "test_ladder": "0.71 → 0.33",
                   "seeds_n": 2, "gap_series": [0.1, 0.2, 0.3, 0.4, 0.6],
                   "test_series": [0.7, 0.6, 0.5, 0.4, 0.3]},
        "fig3": {"seeds_n": 2, "shape_seeds": "0.90", "partial_seeds": "0.40", "div_A": "0.1",
                 "div_E": "0.9"},
        "fig4": {"seed0": 0, "loo_2_seeds": "90%", "loo_5_seeds": "50%", "chance": "20%"},
        "table2": {"over_A": "1.0%", "over_E": "60.0%", "conf_A": "80.0%", "conf_E": "20.0%",
                   "gen_max": "1.0%", "overfitted_series": [0.01, 0.1, 0.2, 0.4, 0.6],
                   "confusing_series": None, "core_series": [0.2] * 5},
    }  # fmt: skip


def test_side_by_side_and_the_closing_takeaway():
    claim = SimpleNamespace(verdict="holds", kind="evidence", count=lambda: "3/3 checks passed")
    shown = zhao2023.side_by_side({"R5": claim}, _closing_glue()).data
    assert list(shown.index) == ["R3", "R4", "R5", "R6"]
    assert shown.loc["R5", "verdict"] == "✓ holds (3/3 checks passed; evidence)"
    assert shown.loc["R3", "verdict"] == "not run in this build"
    assert "gaps 0.100 → 0.600" in shown.loc["R3", "this run"]
    text = zhao2023.closing_takeaway({"holds": 2, "does not hold": 1}, _closing_glue())
    assert text.startswith("of the 3 claims") and "from 1.0% to 60.0%" in text


def test_closing_figure_skips_a_missing_series():
    fig = zhao2023.closing_figure(_closing_glue())
    labels = [line.get_label() for line in fig.axes[1].get_lines()]
    assert "confusing (paper)" in labels and "confusing (ours)" not in labels
    assert fig._unitroles_alt.startswith("Two line charts over models A to E. Ours: gaps 0.10")


def test_read_pages_needs_every_zhao_page(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the Zhao pages first"):
        zhao2023.read_pages(tmp_path)
    for name in zhao2023.CLOSING_PAGES.values():
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / f"{name}.ipynb")
    claims, glued = zhao2023.read_pages(tmp_path)
    assert claims == {} and glued == dict.fromkeys(zhao2023.CLOSING_PAGES, {})
