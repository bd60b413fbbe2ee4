"""The ladder over seeds: the per-seed measurements the Zhao pages share."""

import numpy as np
import pandas as pd
import pytest

from unitroles import generalization, ladder, roles
from unitroles.generalization import ModelRoles
from unitroles.rof import ROFCurves
from unitroles.roles import Taxonomy


def _models(shift: int, classes: int = 4, units: int = 6, offset: float = 0.0):
    """Five models whose train curves turn later from A to E (model i: n0 train = 1 + i +
    shift, test n0 = 1) and whose test curves sit ``offset * i`` nats above the train curves;
    intact accuracies fall from A to E so that the gaps rise."""
    out = {}
    for i in range(5):
        train = np.full((classes, units + 1), 1.0)
        train[:, min(units, 1 + i + shift)] = 0.0
        test = np.full((classes, units + 1), 1.0 + offset * i)
        test[:, 1] = offset * i
        acc_train = np.full((classes, units + 1), 90.0)  # % of a class's images
        acc_test = acc_train.copy()
        acc_test[:, -1] = 90.0 - 10.0 * i
        order = np.tile(np.arange(units), (classes, 1))
        images = np.full(classes, 10)
        tax = Taxonomy(
            ROFCurves(train, acc_train, order, images),
            ROFCurves(test, acc_test, order, images),
            tuple(f"c{k}" for k in range(classes)),
        )
        out[f"model {'ABCDE'[i]}"] = ModelRoles(f"model {'ABCDE'[i]}", f"gen-{'ABCDE'[i]}", tax)
    return out


def test_role_means_and_pooled_proportions_read_every_seed():
    ladders = {0: _models(0), 1: _models(1)}
    means = ladder.role_means(ladders)
    assert len(means) == 10 and list(means["seed"].unique()) == [0, 1]
    # model E of seed 0: n0 train 5, test 1 of 6 units -> 4 overfitted units = 66.7%
    e0 = means[(means.model == "model E") & (means.seed == 0)].iloc[0]
    assert e0["overfitted"] == pytest.approx(100 * 4 / 6)
    assert e0["gap"] == pytest.approx(0.4)
    pooled = ladder.pooled_proportions(ladders)
    assert list(pooled) == list(ladders[0]) and len(pooled["model A"]) == 8  # 4 classes x 2
    by_hand = pd.concat([ladders[s]["model C"].taxonomy.proportions() for s in (0, 1)]).mean()
    assert roles.mean_std(pooled).loc["model C", ("core", "mean")] == pytest.approx(by_hand["core"])


def test_separation_tells_the_pairs_apart_when_their_points_differ():
    points = ladder.role_points(_models(0))
    assert len(points) == 20 and set(ladder.ROLE_SPACE) <= set(points.columns)
    sep = ladder.separation(points)
    assert sep["two"] == (1.0, 16)  # A, B and D, E classes sit on distinct points
    assert sep["five"][1] == 20
    xyz = points[list(ladder.ROLE_SPACE)].to_numpy()
    assert sep["five"][0] == generalization.nearest_centroid_loo(xyz, points["model"].to_numpy())


def test_divergence_reads_the_gap_and_the_shape_apart():
    flat = ladder.divergence(_models(0, offset=0.1))
    assert flat["gaps"].tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert flat["rho"] == 1.0  # the offset grows with the gap
    assert flat["divergence"].is_monotonic_increasing
    assert 0 <= flat["core_a"] <= 1
    assert flat["partial"] == pytest.approx(
        generalization.partial_spearman(
            flat["points"]["divergence"], flat["points"]["rank"], flat["points"]["loss_gap"]
        )
    )


def test_seeded_gives_checkpoints_seed_zero():
    rows = ladder.seeded(pd.DataFrame({"model": ["model A"], "seed": [None]}))
    assert rows["seed"].tolist() == [0]
    assert ladder.seeded(pd.DataFrame({"model": ["model A"]}))["seed"].tolist() == [0]
    assert ladder.spearman([1, 2, 3], [3, 2, 1]) == -1.0


def _ladders():
    return {0: _models(0, offset=0.1), 1: _models(1, offset=0.1)}


def test_divergence_gives_each_models_core_proportion():
    d = ladder.divergence(_models(0))
    assert list(d["core"].index) == list(_models(0))
    assert d["core_a"] == d["core"].iloc[0]
    by_hand = _models(0)["model C"].taxonomy.proportions()["core"].mean()
    assert d["core"]["model C"] == pytest.approx(by_hand)


def test_core_in_band_reads_the_papers_model_a():
    name, lo, hi = ladder.core_in_band()
    assert (lo, hi) == pytest.approx((0.161 - 0.09, 0.161 + 0.09))
    assert "7.1%–25.1%" in name


def test_divergence_outcomes_vote_per_seed_on_r4s_checks():
    stats = {s: ladder.divergence(m) for s, m in _ladders().items()}
    passes = ladder.divergence_outcomes(stats)
    assert list(passes)[:2] == list(ladder.verdicts.CLAIMS["R4"].core)
    assert all(len(v) == 2 for v in passes.values())
    assert passes[ladder.DIV_RISES] == [True, True]  # the offset grows with the gap
    assert passes[ladder.A_BELOW_E] == [True, True]
    table = ladder.divergence_seed_table(stats)
    assert list(table.index) == [0, 1] and table.iloc[0, 0] == stats[0]["rho"]


def test_fig3_tables_captions_and_glue_read_the_first_seed():
    ladders = _ladders()
    stats = {s: ladder.divergence(m) for s, m in ladders.items()}
    models, d0 = ladders[0], stats[0]
    per_model = ladder.divergence_table(d0).data
    assert per_model["mean divergence (nats)"].tolist() == d0["divergence"].tolist()
    by_class = ladder.class_table(models, 1, d0).data
    assert by_class["divergence (nats)"].tolist() == pytest.approx(
        [generalization.curve_divergence(m.taxonomy)[1] for m in models.values()]
    )
    assert by_class["core units"].tolist() == [int(m.taxonomy.counts().iloc[1]["core"]) for m in
                                         models.values()]  # fmt: skip
    cap = ladder.five_models_caption(models, 1, d0, "conv5_3")
    assert (
        "c1 in models A to E" in cap["text"]
        and "conv5_3" in cap["text"]
        and "against gaps 0.00, 0.10" in cap["alt"]
    )
    glue = ladder.divergence_glue(stats, models, 1)
    assert glue["shown_class"] == "c1" and glue["seeds_n"] == 2 and glue["units"] == 6
    assert glue["div_E"] == f"{d0['divergence'].iloc[-1]:.3f}"
    assert ladder.divergence_ours(stats).startswith("seed 0: mean divergence A → E: ")
    assert f"{d0['divergence'].iloc[0]:.3f} nats" in ladder.divergence_takeaway(d0)


def test_trend_outcomes_pass_a_check_only_at_every_tolerance():
    trends = ladder.seed_trends(_ladders())
    assert list(trends) == [0, 1] and list(trends[0]) == list(generalization.TOLERANCES)
    passes, hinges = ladder.trend_outcomes(trends)
    assert list(passes) == list(ladder.TREND_CHECKS.values())
    assert set(ladder.TREND_CORE) <= set(passes)
    # no tolerance moves the exact minima of these step curves: nothing hinges on it
    assert hinges == [] and passes[ladder.TREND_CHECKS["over_rises"]] == [True, True]


def test_table2_tables_glue_and_lines():
    ladders = _ladders()
    trends, means = ladder.seed_trends(ladders), ladder.role_means(ladders)
    models = ladders[0]
    tol = ladder.tolerance_table(models, trends[0])
    assert list(tol.columns) == ["ε = 0.0%", "ε = 0.1%", "ε = 1.0%"]
    assert tol.loc["median n0, train, A → E (units)", "ε = 0.0%"] == "1 → 2 → 3 → 4 → 5"
    diag = ladder.turning_point_glue(models, trends[0])
    assert diag["apart_exact"] == "4" and diag["eps_small"] == "0.1%"
    glue = ladder.proportion_glue(means, trends, models, [])
    assert glue["seeds_n"] == 2 and glue["last_model"] == "model E" and glue["seed0"] == 0
    assert len(glue["overfitted_series"]) == 5 and "does not hinge" in glue["hinge"]
    hinged = ladder.proportion_glue(means, trends, models, ["gen_rare"])
    assert "hinges on the tolerance on some seed for: generalizing rare." in hinged["hinge"]
    assert ladder.proportion_ours(means, trends).startswith(
        "mean over 2 seeds: overfitted 8.3 → 25.0"
    )
    assert ladder.proportion_takeaway(means, trends, []).endswith("how the turning point is taken.")
    cap = ladder.proportion_caption(roles.mean_std(ladder.pooled_proportions(ladders)))
    assert cap["alt"].startswith("Grouped bars") and "Table 2" in cap["text"]


def test_judge_divergence_votes_r4_over_the_seeds_and_keeps_the_changes_apart():
    ladders = _ladders()
    stats = {s: ladder.divergence(m) for s, m in ladders.items()}
    judged = ladder.judge_divergence(stats, ladders[0], 1)
    assert len(judged.core) == 2 and all(c in judged.checks for c in judged.core)
    rises = next(c for c in judged.checks if c.startswith(ladder.DIV_RISES))
    assert rises.endswith("on 2 of 2 seeds") and judged.checks[rises] is True
    assert judged.glue == ladder.divergence_glue(stats, ladders[0], 1) and judged.changes == {}
    assert judged.takeaway == ladder.divergence_takeaway(stats[0])
    votes = ladder.divergence_votes(stats)
    assert list(votes) == list(ladder.divergence_outcomes(stats))
    assert votes[ladder.DIV_RISES] is True


def test_judge_proportions_votes_r5_over_the_seeds():
    ladders = _ladders()
    trends, means = ladder.seed_trends(ladders), ladder.role_means(ladders)
    judged = ladder.judge_proportions(means, trends, ladders[0])
    assert [c.split(", on ")[0] for c in judged.core] == list(ladder.TREND_CORE)
    assert judged.checks[judged.core[0]] is True and "does not hinge" in judged.glue["hinge"]
    assert judged.ours == ladder.proportion_ours(means, trends)
    assert judged.takeaway == ladder.proportion_takeaway(means, trends, [])


def test_trained_ladders_and_paper_rows(monkeypatch):
    from types import SimpleNamespace

    from unitroles import paper

    run = SimpleNamespace(ladder_seeds=[0, 2], trained=lambda name, seed: (name, seed))
    built = ladder.trained_ladders(run)
    assert list(built) == [0, 2] and built[2]["model E"] == ("gen-E", 2)
    rows = [{"model": "model A", "train_acc": 0.9, "test_acc": 0.8, "gap": 0.1}]
    monkeypatch.setattr(paper, "generalization_table", lambda *a, **kw: rows)
    assert ladder.paper_accuracy_rows("c", "t", "v", per_class=1)["seed"].tolist() == [0]
