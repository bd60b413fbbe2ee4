"""The claims of Zhao Fig. 1 (R1), Fig. 4 (R6) and Table 3 (R7) from hand-made inputs."""

import numpy as np
import pandas as pd
import pytest

from unitroles import rof_pages, verdicts
from unitroles.rof import ROFCurves
from unitroles.roles import ROLES, Taxonomy, mean_std

# 4 units: class 0 falls fast and turns at 1 (train) / 1 (test); class 1 turns at 1 / 2
TRAIN = [[2.0, 0.5, 0.6, 0.7, 0.8], [2.0, 0.4, 0.6, 0.9, 1.0]]
TEST = [[2.0, 0.6, 0.7, 0.8, 0.9], [2.0, 1.0, 0.5, 0.7, 0.9]]


def _taxonomy(train=TRAIN, test=TEST):
    k, n1 = np.shape(train)
    order, acc, images = np.tile(np.arange(n1 - 1), (k, 1)), np.zeros((k, n1)), np.full(k, 10)
    return Taxonomy(
        ROFCurves(np.asarray(train, float), acc, order, images),
        ROFCurves(np.asarray(test, float), acc, order, images),
        ("big_cat", "dog"),
    )


def test_curve_summaries_table_and_glue_read_the_medians():
    tax = _taxonomy()
    summary = rof_pages.curve_summaries(tax, early=0.25)
    assert summary["test"]["n0"].tolist() == [1, 2]
    table = rof_pages.shape_table(summary, tax.units, 0.25)
    assert table.loc["median n0 (% of units)", "ours, test curves"] == 37.5
    assert table.loc["classes with n0 < N (%)", "ours, train curves"] == 100.0
    assert table["paper (Fig. 1B, one curve)"].iloc[0] == "high"
    glued = rof_pages.curve_glue(tax, 0, summary, "model A")
    assert glued["shown_class"] == "big cat" and glued["n0_test_shown"] == 1
    assert glued["median_n0_train"] == "25%" and glued["dead_test"] == "2.00"
    text = rof_pages.curve_takeaway(summary, tax.units, "model A")
    assert text.startswith("in model A, over 2 classes, the median test curve falls from 2.00")


def test_curve_checks_vote_over_seeds_and_keep_the_old_check_apart():
    r1 = rof_pages.curve_checks({0: _taxonomy(), 1: _taxonomy()}, early=0.25)
    assert set(r1.old) == {rof_pages.old_turning(s) for s in rof_pages.SPLITS}
    assert all(v == [True, True] for v in r1.old.values())  # median n0 ≤ 50%
    checks, core = r1.checks()
    assert len(checks) == 6 and len(core) == 4 and all(c in checks for c in core)
    turning_test = next(c for c in checks if c.startswith(verdicts.CLAIMS["R1"].core[1]))
    assert checks[turning_test] is False  # the test curves' median n0 is 37.5% > 30%
    assert sum(checks.values()) == 5
    assert len(r1.votes()) == 8 and r1.n0["test"] == [37.5, 37.5]
    assert r1.ours("model A").startswith("model A, 2 classes, seed 0 — train: ")
    assert r1.ours("model A").endswith("train 25 (25–25)%, test 38 (38–38)%")
    assert r1.glue() == {
        "seeds_n": 2,
        "n0_train_seeds": "25 (25–25)%",
        "n0_test_seeds": "38 (38–38)%",
    }


def _points():
    rows = []
    for i, name in enumerate(f"model {m}" for m in "ABCDE"):
        for k in range(4):
            rows.append({"model": name, "class": k, "core": 10 * i + k, "overfitted": 5 * i,
                         "confusing": 90 - 10 * i})  # fmt: skip
    return pd.DataFrame(rows)


def test_centre_table_and_separation_checks_over_seeds():
    centres = rof_pages.centre_table(_points())
    assert centres.loc["model B", "core"] == pytest.approx(11.5)
    assert centres.loc["model A", rof_pages.SPREAD] == pytest.approx(1.0)
    assert centres["paper"].iloc[-1] == "most overfitted, fewest confusing"
    sep = {"five": (1.0, 200), "two": (1.0, 160)}
    r6 = rof_pages.SeparationSeeds({0: sep, 3: {"five": (0.5, 200), "two": (0.75, 160)}}, 5)
    outcomes = r6.outcomes()
    assert list(outcomes) == [r6.core, rof_pages.FIVE_WAY]
    assert outcomes[r6.core][0] is True and outcomes[r6.core][1] is False
    assert r6.table().loc[3, "A+B vs D+E (%)"].startswith("75% (")
    glued = r6.glue(centres)
    assert glued["seed0"] == 0 and glued["loo_2_seeds"] == "88 (75–100)%"
    assert glued["chance"] == "20%" and glued["line_5"] == "40%" and glued["over_E"] == "20.0%"
    assert "five models 75 (50–100)% (chance 20%, line 40%)" in r6.ours()
    assert r6.takeaway(centres).endswith("from 0% overfitted and 90% confusing units (A) to 20% "
                                         "and 50% (E).")  # fmt: skip
    assert set(r6.votes()) == set(outcomes)


def test_share_identity_reads_means_and_spreads():
    shares = {"model A": pd.DataFrame({r: [0.1, 0.3, 0.2, 0.4] for r in ROLES})}
    proportions = {"model A": pd.DataFrame({r: [0.25, 0.25] for r in ROLES})}
    r7 = rof_pages.ShareIdentity(mean_std(shares), mean_std(proportions))
    assert r7.gap_means == pytest.approx(0.0, abs=1e-12)
    assert r7.spread_gap["model A"] == pytest.approx(np.std([0.1, 0.3, 0.2, 0.4], ddof=1))
    assert r7.table().shape == (4, 4)
    (equal,) = verdicts.CLAIMS["R7"].core
    assert r7.checks() == {equal: True, rof_pages.SPREADS_DIFFER: True}
    glued = r7.glue()
    assert glued["core_sd_class_A"] == "0.0%" and glued["spread_max"] == "12.9"
    assert "12.9–12.9 pts" in r7.ours() and "model A's core share: 12.9%" in r7.takeaway()


def test_judge_curve_gathers_checks_glue_and_words():
    tax = _taxonomy()
    summary = rof_pages.curve_summaries(tax, early=0.25)
    r1 = rof_pages.curve_checks({0: tax, 1: tax}, early=0.25)
    judged = rof_pages.judge_curve(r1, tax, 0, summary, "model A")
    assert (judged.checks, judged.core) == r1.checks()
    assert judged.glue["shown_class"] == "big cat" and judged.glue["seeds_n"] == 2
    assert judged.ours == r1.ours("model A") and judged.takeaway.startswith("in model A, over 2")
    assert judged.changes == {} and judged.note is None


def test_judge_separation_votes_the_seeds():
    centres = rof_pages.centre_table(_points())
    sep = {"five": (1.0, 200), "two": (1.0, 160)}
    r6 = rof_pages.SeparationSeeds({0: sep, 3: sep}, 5)
    judged = rof_pages.judge_separation(r6, centres)
    assert len(judged.core) == 1 and judged.core[0].startswith(r6.core + ", on 2 of 2")
    assert judged.checks[judged.core[0]] is True and judged.glue == r6.glue(centres)
    assert judged.takeaway == r6.takeaway(centres) and judged.changes == {}


def test_judge_shares_carries_the_note():
    shares = {"model A": pd.DataFrame({r: [0.1, 0.3, 0.2, 0.4] for r in ROLES})}
    proportions = {"model A": pd.DataFrame({r: [0.25, 0.25] for r in ROLES})}
    r7 = rof_pages.ShareIdentity(mean_std(shares), mean_std(proportions))
    judged = rof_pages.judge_shares(r7)
    assert judged.core == list(verdicts.CLAIMS["R7"].core) and judged.checks == r7.checks()
    assert judged.note == rof_pages.R7_NOTE and judged.glue == r7.glue()
