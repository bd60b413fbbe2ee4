"""Zhao Fig. 2's reading of the roles as bands of one rank order, and the exercises' reruns."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from unitroles import reranking, role_bands, role_figures, verdicts, zhao2023  # noqa: E402
from unitroles.rof import ROFCurves  # noqa: E402
from unitroles.roles import ROLES, Taxonomy, mean_std  # noqa: E402


def _taxonomy(train_loss, test_loss, order=None):
    k, n1 = np.shape(train_loss)
    order = np.tile(np.arange(n1 - 1), (k, 1)) if order is None else np.asarray(order)
    acc, images = np.zeros((k, n1)), np.full(k, 10)
    return Taxonomy(
        ROFCurves(np.asarray(train_loss, float), acc, order, images),
        ROFCurves(np.asarray(test_loss, float), acc, order, images),
        tuple(f"c{i}" for i in range(k)),
    )


# class 0: train turns at 3, test at 1 -> core 1, overfitted 2, confusing 1 (4 units)
# class 1: train turns at 1, test at 2 -> core 1, generalizing 1, confusing 2; units reordered
TRAIN = [[2.0, 1.5, 1.0, 0.5, 0.9], [2.0, 0.5, 0.8, 0.9, 1.0]]
TEST = [[2.0, 0.5, 0.8, 0.9, 1.0], [2.0, 1.0, 0.5, 0.7, 0.9]]
ORDER = [[0, 1, 2, 3], [3, 2, 1, 0]]


def test_class_roles_and_spans_read_the_bands_in_rank_order():
    tax = _taxonomy(TRAIN, TEST, ORDER)
    assert role_bands.class_roles(tax, 0) == {
        "n0_train": 3, "n0_test": 1, "core": 1, "overfitted": 2, "generalizing": 0, "confusing": 1
    }  # fmt: skip
    assert role_bands.in_words(role_bands.class_roles(tax, 1)) == (
        "1 core, 0 overfitted, 1 generalizing, 2 confusing"
    )
    assert role_bands.ranked_roles(tax)[1].tolist() == [0, 2, 3, 3]  # in class 1's own order
    assert [role_bands.rank_span(tax, 0, r) for r in ROLES] == ["1", "2–3", "—", "4"]
    table = role_bands.class_table({"m": tax}, 0)
    assert table[("m", "units")].tolist() == [1, 2, 0, 1]
    assert table[("", "paper's definition (eq.)")]["core"].endswith("(3)")


def test_partition_summary_counts_partitioned_and_banded_classes():
    summary = role_bands.partition_summary({"m": _taxonomy(TRAIN, TEST, ORDER)})
    row = summary.loc["m"]
    assert row["classes"] == 2 and row["classes partitioned (7)"] == 2
    assert row["classes in bands (core, o|g, confusing)"] == 2
    assert row["classes with both overfitted and generalizing units"] == 0


def test_band_counts_follow_from_the_two_turning_points():
    counts = role_bands.band_counts(np.array([3, 1]), np.array([1, 2]), 4)
    assert {r: v.tolist() for r, v in counts.items()} == {
        "core": [1, 1], "overfitted": [2, 0], "generalizing": [0, 1], "confusing": [1, 2]
    }  # fmt: skip
    assert role_bands.band_count_matches({"m": _taxonomy(TRAIN, TEST, ORDER)}) == 2


def test_crosstab_and_core_flow_follow_pairs_between_rankings():
    before, after = np.array([0, 0, 1, 3]), np.array([0, 3, 0, 3])
    cross = role_bands.role_crosstab(before, after)
    assert cross.loc["core", "core"] == 1 and cross.loc["overfitted", "core"] == 1
    assert cross.to_numpy().sum() == 4 and list(cross.columns) == list(ROLES)
    assert role_bands.core_flow(before, after) == ("50%", "50% core, 50% overfitted")
    assert role_bands.core_flow(np.array([3]), np.array([3])) == (
        "n/a (no core pairs)", "none (no core pairs)"
    )  # fmt: skip


def test_exercise_images_are_the_first_of_each_class_and_rows_read_the_taxonomy():
    tax = _taxonomy(TRAIN, TEST, ORDER)
    assert reranking.exercise_sizes(tax, 20) == {"train": 10, "test": 10}
    assert reranking.exercise_sizes(tax, 3) == {"train": 3, "test": 3}
    images = {s: (torch.arange(12.0), torch.arange(12) % 3) for s in reranking.SPLITS}
    first = reranking.head(images, {"train": 2, "test": 1}, 3)
    assert first["train"][0].tolist() == [0, 1, 2, 3, 4, 5] and len(first["test"][1]) == 3
    row = reranking.role_row(tax)
    assert row["median n0, train"] == 2 and row["overfitted (%)"] == pytest.approx(25.0)
    grown = dict(row, **{"core (%)": 40.0, "confusing (%)": 22.5})
    assert reranking.largest_moves(row, grown).startswith("core grows most (25% → 40%")


def test_beside_paper_puts_the_papers_row_above_ours():
    ours = mean_std({name: pd.DataFrame({r: [0.25, 0.25] for r in ROLES}) for name in "BA"})
    ours = ours.rename(index={"B": "model B", "A": "model A"})
    side = zhao2023.beside_paper(
        zhao2023.TABLE2.iloc[:2], ours, paper_gaps=[0.1, 0.2], our_gaps=[0.3, 0.4]
    )
    assert side.index.tolist() == [
        ("model A", "paper"), ("model A", "ours"), ("model B", "paper"), ("model B", "ours")
    ]  # fmt: skip
    assert side.loc[("model A", "paper"), "core"] == "16.1 ± 9"
    assert side.loc[("model A", "ours"), "core"] == "25.0 ± 0.0"
    assert zhao2023.TABLE1.loc["model E", "gap"] == 0.604


def test_role_figures_draw_the_curves_and_maps():
    tax = _taxonomy(TRAIN, TEST, ORDER)
    fig, ax = matplotlib.pyplot.subplots()
    role_figures.rof_panel(ax, tax, 0)
    assert len(ax.get_lines()) == 4  # two curves, two turning points
    role_figures.role_map(ax, tax)
    assert ax.images[0].get_array().shape == (2, 4)
    shares = {"model A": pd.DataFrame({r: [0.1, 0.5] for r in ROLES})}
    fig = role_figures.share_distributions(shares, ("core", "confusing"))
    assert len(fig.axes) == 2


def test_partition_checks_words_and_the_first_exercise():
    tax = _taxonomy(TRAIN, TEST, ORDER)
    partition = role_bands.partition_summary({"m": tax})
    checks = role_bands.partition_checks(partition)
    assert list(checks.values()) == [True, True, True] and role_bands.BANDS in checks
    shown = {"model A": role_bands.class_roles(tax, 0), "model E": role_bands.class_roles(tax, 1)}
    ours = role_bands.partition_ours(partition, "c0", shown)
    assert ours.startswith("2 of 2 (class, model) pairs partitioned; c0: model A: n0 = 3 (train)")
    glued = role_bands.shown_glue(shown, "c0", 2)
    assert glued["m0"] == "model A" and glued["m1_generalizing"] == 1 and glued["m0_n0_test"] == 1
    assert glued["class_model_pairs"] == 2 and glued["shown_class"] == "c0"
    assert role_bands.shown_takeaway(shown, "c0", 2).startswith(
        "for c0, model A has 1 core, 2 overfitted, 0 generalizing, 1 confusing units and model E"
    )
    ex1 = role_bands.band_exercise("m", {"m": tax}, 0)
    assert ex1["ex1_n0_train"] == 3 and ex1["ex1_matches"] == 2
    assert ex1["ex1_worked"].startswith("core min(3, 1) = 1, overfitted max(3 − 1, 0) = 2")


def test_judge_shows_the_raw_name_on_the_card_and_the_pretty_one_in_the_prose():
    tax = _taxonomy(TRAIN, TEST, ORDER)
    tax = Taxonomy(tax.train, tax.test, ("big_cat", "dog"))
    partition = role_bands.partition_summary({"m": tax})
    shown = {"model A": role_bands.class_roles(tax, 0)}
    judged = role_bands.judge(partition, "big_cat", shown)
    assert judged.core == [verdicts.CLAIMS["R2"].core[0]] and all(judged.checks.values())
    assert "; big_cat: model A" in judged.ours and judged.glue["shown_class"] == "big cat"
    assert judged.glue["class_model_pairs"] == 2 and judged.takeaway.startswith("for big cat,")
    assert judged.note == role_bands.NOTE and judged.changes == {}
