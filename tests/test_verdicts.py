"""The claims registry and the rules: verdicts, seed votes, shares, and the words a page writes
about its seeds (over_seeds, failed_core, on_seeds)."""

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from unitroles import tables, verdicts
from unitroles.verdicts import FAILS, HOLDS, MARKS, PARTLY, UNDECIDED, UNMEASURED

ROOT = Path(__file__).resolve().parents[1]


def _evaluate(**kwargs):
    """A claim of an id the registry does not hold, so every field is the test's own."""
    args = dict(paper="p", ours="o", checks={"a": True, "b": False}, core=["a"])
    return verdicts.evaluate("T1", "s", **(args | kwargs))


@pytest.mark.parametrize(
    "checks, core, expected",
    [
        ({"a": True, "b": True, "c": True}, ["a"], HOLDS),  # every check
        ({"a": True, "b": False, "c": False}, ["a"], PARTLY),  # only the core
        ({"a": True, "b": True, "c": False}, ["a", "c"], FAILS),  # a core check fails
        ({"a": False, "b": True, "c": True}, ["a"], FAILS),  # the old rule: partly
        ({"a": True}, ["a"], HOLDS),  # a single check is its own core
        ({"a": False}, ["a"], FAILS),
        ({"a": None, "b": True}, ["a"], UNDECIDED),  # a core check undecided
        ({"a": None, "b": False}, ["a", "b"], FAILS),  # a failure outweighs it
        ({"a": True, "b": None}, ["a"], PARTLY),  # a detail undecided: not every check
        ({"a": None}, ["a"], UNDECIDED),
    ],
)
def test_verdict_follows_the_core_checks(checks, core, expected):
    assert verdicts.verdict(checks, core) == expected
    c = _evaluate(checks=checks, core=core)
    assert c.verdict == expected
    outcomes = list(checks.values())
    assert (c.passed, c.undecided, c.total) == (
        outcomes.count(True),
        outcomes.count(None),
        len(checks),
    )
    assert [(k["name"], k["passed"], k["core"]) for k in c.checks] == [
        (name, ok, name in core) for name, ok in checks.items()
    ]
    assert c.count().startswith(f"{c.passed}/{c.total} checks passed")


def test_verdict_needs_a_check_and_a_core_check():
    with pytest.raises(ValueError, match="at least one check"):
        verdicts.verdict({}, ["a"])
    with pytest.raises(ValueError, match="at least one core check"):
        verdicts.verdict({"a": True}, [])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"core": None}, r"T1: evidence names its core check"),
        ({"core": []}, r"T1: core names no check"),
        ({"core": ["a", "x", "y"]}, r"T1: core names checks it does not have: \['x', 'y'\]"),
        ({"core": "a"}, r"core is a list of check names; write core=\['a'\]"),
        ({"kind": "definition"}, r"kind 'definition' is none of evidence, identity, setup"),
    ],
)
def test_bad_core_or_kind_is_refused_with_what_to_write(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _evaluate(**kwargs)


def test_identity_and_setup_may_leave_core_out():
    identity = _evaluate(kind="identity", core=None)  # every check is core: holds or does not
    assert identity.verdict == FAILS and all(c["core"] for c in identity.checks)
    assert _evaluate(kind="setup").verdict == PARTLY  # a core may still be named


def test_numpy_bools_are_stored_as_json_booleans():
    c = _evaluate(checks={"a": np.bool_(True), "b": np.float64(0.3) > 1}, core=["a"])
    assert json.loads(json.dumps(asdict(c)))["checks"][1] == {
        "name": "b",
        "passed": False,
        "core": False,
    }


@pytest.mark.parametrize(
    "n, passing, failing",  # how many passing seeds pass / fail the check; the rest: undecided
    [(1, {1}, {0}), (2, {2}, {0}), (3, {3}, {0}), (4, {4}, {0}), (5, {4, 5}, {0, 1}),
     (7, {5, 6, 7}, {0, 1, 2})],
)  # fmt: skip
def test_seed_vote_decides_only_by_a_majority_one_seed_cannot_overturn(n, passing, failing):
    for k in range(n + 1):
        votes = [True] * k + [False] * (n - k)
        expected = True if k in passing else False if k in failing else None
        assert verdicts.seed_vote(votes) is expected, (k, n)
        if n >= 3 and expected is not None:  # the definition: one seed flipped keeps the majority
            flipped = k - 1 if expected else k + 1
            assert (2 * flipped > n) is expected
    assert verdicts.seed_vote(np.array([True, True, True])) is True  # numpy bools count
    with pytest.raises(ValueError, match="at least one seed"):
        verdicts.seed_vote([])


def test_share_check_is_undecided_while_the_interval_straddles_the_line():
    lo, hi = verdicts.share_interval(41, 120)  # 34%: R6's leave-one-out accuracy in one build
    assert 0.25 < lo < 0.27 and 0.42 < hi < 0.44  # the Wilson 95% interval, by hand
    assert verdicts.share_check(41, 120, 0.40) is None
    assert verdicts.share_check(41, 120, 0.20) is True
    assert verdicts.share_check(41, 120, 0.5) is False
    assert verdicts.share_interval(0, 10)[0] == 0 and verdicts.share_interval(10, 10)[1] == 1
    assert verdicts.share_check(95, 100, 0.9) is None  # 95% of 100 points is not clear of 90%
    assert verdicts.share_check(190, 200, 0.9) is True  # of 200 points it is
    with pytest.raises(ValueError, match="need 0 <= hits <= n"):
        verdicts.share_check(5, 4, 0.5)


def test_outcomes_tally_and_in_words():
    c = _evaluate(checks={"a": None, "b": True, "c": False}, core=["a"])
    assert (c.verdict, c.passed, c.undecided) == (UNDECIDED, 1, 1)
    assert verdicts.outcome(None) == "undecided" and verdicts.outcome(False) == "failed"
    assert verdicts.outcome(True) == "passed"
    counts = verdicts.tally([c, _evaluate(), _evaluate(checks={"a": False}, core=["a"])])
    assert verdicts.in_words(counts) == "0 hold, 1 partly holds, 1 is undecided and 1 does not hold"
    assert verdicts.in_words({HOLDS: 2, PARTLY: 0, FAILS: 1}) == (
        "2 hold, 0 partly hold and 1 does not hold"
    )
    assert verdicts.in_words({HOLDS: 1, PARTLY: 1, FAILS: 0, UNMEASURED: 2}) == (
        "1 holds, 1 partly holds, 0 do not hold and 2 could not be measured"
    )


def test_on_seeds_counts_and_names_the_passing_seeds():
    assert verdicts.on_seeds([True, False, True, True, False]) == "on 3 of 5 seeds"
    assert verdicts.on_seeds([True]) == "on 1 of 1 seed"
    assert verdicts.on_seeds([True, False, True], seeds=[0, 1, 2]) == "on 2 of 3 seeds (0, 2)"
    assert verdicts.on_seeds([False, False], seeds=[3, 4]) == "on 0 of 2 seeds (none)"
    with pytest.raises(ValueError, match="2 outcomes but 3 seeds"):
        verdicts.on_seeds([True, False], seeds=[0, 1, 2])
    with pytest.raises(ValueError, match="at least one seed"):
        verdicts.on_seeds([])


def test_tally_counts_evidence_only():
    def c(verdict, kind="evidence"):
        checks = {"a": verdict != FAILS, "b": verdict == HOLDS}
        return _evaluate(checks=checks, core=["a"] if kind == "evidence" else None, kind=kind)

    claims = [c(HOLDS), c(PARTLY), c(PARTLY), c(FAILS)]
    assert [x.verdict for x in claims] == [HOLDS, PARTLY, PARTLY, FAILS]
    apart = [c(HOLDS, "identity"), c(FAILS, "setup"), c(HOLDS, "setup")]
    unmeasured = _evaluate(checks={"a": True}, core=["a"], unmeasured="too weak")
    undecided = _evaluate(checks={"a": None}, core=["a"])
    assert verdicts.tally(claims + apart + [unmeasured, undecided]) == {
        HOLDS: 1, PARTLY: 2, UNDECIDED: 1, FAILS: 1, UNMEASURED: 1,
    }  # fmt: skip
    assert verdicts.tally(apart) == dict.fromkeys(MARKS, 0)
    illustration = _evaluate(checks={"a": True}, core=None, kind="illustration")
    assert illustration.verdict == HOLDS and verdicts.tally([illustration])[HOLDS] == 0


def test_a_claim_the_run_cannot_test_is_not_measured_and_says_why():
    c = _evaluate(checks={"a": True, "b": False}, core=["a"], unmeasured="nothing to predict")
    assert (c.verdict, c.passed, c.total, c.why) == (UNMEASURED, 0, 2, "nothing to predict")
    assert [x["passed"] for x in c.checks] == [None, None]  # no outcome is shown
    with pytest.raises(ValueError, match="it is empty"):
        _evaluate(checks={"a": True}, core=["a"], unmeasured=" ")


def test_a_check_no_side_can_pass_counts_neither_way():
    none = verdicts.informative(False, possible=False)
    assert none == verdicts.NOT_INFORMATIVE and verdicts.informative(True, possible=True) is True
    c = _evaluate(checks={"a": True, "b": none, "c": False}, core=["a"])
    assert (c.verdict, c.passed, c.total, c.uninformative) == (PARTLY, 1, 2, 1)
    assert c.count() == "1/2 checks passed, 1 not informative"
    assert c.score() == "1/2, 1 not informative"
    assert verdicts.outcome(none) == "not informative"
    # without it the claim would hold: a check nobody could pass does not make it fail
    assert _evaluate(checks={"a": True, "b": none}, core=["a"]).verdict == HOLDS
    # a core check that is not informative leaves nothing to judge: not measured, saying why
    only = _evaluate(checks={"a": none, "b": True}, core=["a"])
    assert only.verdict == UNMEASURED and "no core check is informative" in only.why
    back = verdicts.Claim(**json.loads(json.dumps(asdict(c))))  # the scorecard's round trip
    assert back == c


# --- the registry ----------------------------------------------------------------------------


def test_every_registered_claim_names_a_notebook_of_the_book_that_evaluates_it():
    toc = (ROOT / "_toc.yml").read_text()
    for id, entry in verdicts.CLAIMS.items():
        assert (ROOT / "notebooks" / f"{entry.page}.py").is_file(), entry.page
        assert f"book/notebooks/{entry.page}\n" in toc, entry.page
        assert f'"{id}"' in (ROOT / "notebooks" / f"{entry.page}.py").read_text(), id
        assert entry.kind in verdicts.KINDS and entry.cite in (
            "Zhou et al. 2018",
            "Zhao et al. 2023",
            "Beyond the two papers",
        )
        assert isinstance(entry.core, tuple), id


def test_a_registered_claim_takes_its_statement_figures_kind_and_core_from_the_registry():
    checks = {"smallest gap < 0.15": True, "largest gap > 0.45": False, "other": True}
    c = verdicts.evaluate("R3", ours="o", checks=checks)
    entry = verdicts.CLAIMS["R3"]
    assert (c.statement, c.paper, c.kind) == (entry.statement, entry.paper, "setup")
    assert [x["core"] for x in c.checks] == [True, True, False] and c.verdict == FAILS
    # what a page gives must be what the registry holds: the claim has one home
    same = verdicts.evaluate("R3", entry.statement, paper=entry.paper, ours="o", checks=checks,
                             core=list(entry.core), kind="setup")  # fmt: skip
    assert same == c
    with pytest.raises(ValueError, match=r"R3: its statement is in verdicts.CLAIMS"):
        verdicts.evaluate("R3", "another statement", ours="o", checks=checks)
    with pytest.raises(ValueError, match=r"R3: its kind is in verdicts.CLAIMS \('setup'\)"):
        verdicts.evaluate("R3", ours="o", checks=checks, kind="evidence")
    with pytest.raises(ValueError, match=r"R3: its core is in verdicts.CLAIMS"):
        verdicts.evaluate("R3", ours="o", checks=checks, core=["other"])
    # a claim whose core checks the page computes names them itself
    gap = "gap, on 3 of 3 seeds"
    z4 = verdicts.evaluate("Z4", ours="o", checks={gap: True}, core=[gap])
    assert z4.statement == verdicts.CLAIMS["Z4"].statement and z4.verdict == HOLDS
    with pytest.raises(ValueError, match="Z4: evidence names its core check"):
        verdicts.evaluate("Z4", ours="o", checks={"gap": True})
    with pytest.raises(ValueError, match="T1 is not in verdicts.CLAIMS: give its statement"):
        verdicts.evaluate("T1", ours="o", checks={"a": True}, core=["a"])


# --- the words a page writes about its seeds -------------------------------------------------


def test_failed_core_lists_the_core_checks_that_did_not_pass_with_their_outcome():
    checks = {
        "units above random, on 2 of 5 seeds": None,
        "overall < 1 pt, on 0 of 5 seeds": False,
        "detail": False,
        "share over 10 pts": verdicts.NOT_INFORMATIVE,
        "central, on 5 of 5 seeds": True,
    }
    core = [
        "central, on 5 of 5 seeds",
        "units above random, on 2 of 5 seeds",
        "overall < 1 pt, on 0 of 5 seeds",
        "share over 10 pts",
    ]
    failed = verdicts.failed_core(checks, core)
    assert failed == [
        "units above random, on 2 of 5 seeds (undecided)",
        "overall < 1 pt, on 0 of 5 seeds (failed)",
        "share over 10 pts (not informative)",
    ]
    # the pages glue them so (Zhou Fig 5, 8, 9: z5/z9/z10_failed_core)
    assert "; ".join(failed) == (
        "units above random, on 2 of 5 seeds (undecided); overall < 1 pt, on 0 of 5 seeds "
        "(failed); share over 10 pts (not informative)"
    )
    assert verdicts.failed_core(checks, core[:1]) == []
    assert ("; ".join(verdicts.failed_core(checks, core[:1])) or "none") == "none"


def test_over_seeds_writes_the_mean_and_range_or_the_range():
    assert verdicts.over_seeds([12.34, 10.06, 14.64]) == "12.3 (10.1–14.6)"
    assert verdicts.over_seeds([12.34, 10.06, 14.64], mean=False) == "10.1–14.6"
    assert verdicts.over_seeds(np.array([0.031, -0.0049]), ".2f") == "0.01 (-0.00–0.03)"
    assert verdicts.over_seeds(pd.Series([3.0, 57.5]), ".0f", mean=False) == "3–58"
    assert verdicts.over_seeds(np.array([7]), ".0f", mean=False) == "7–7"
    assert verdicts.over_seeds(np.array([7]), ".0f", mean=False, alone=True) == "7"
    assert verdicts.over_seeds(np.array([7, 12]), ".0f", mean=False, alone=True) == "7–12"
    assert verdicts.over_seeds(pd.Series([1.0, np.nan, 3.0]), mean=True) == "2.0 (1.0–3.0)"
    with pytest.raises(ValueError, match="at least one"):
        verdicts.over_seeds([])


# The six formatters the Zhou pages defined before over_seeds, verbatim: over_seeds must give
# each one's output on what each page passed it.
def _fig4_over_seeds(values) -> str:
    values = np.asarray(values, float)
    return f"{values.mean():.1f} ({values.min():.1f}–{values.max():.1f})"


def _fig4_span(column, digits):  # of a column of per_seed
    return f"{column.min():.{digits}f}–{column.max():.{digits}f}"


def _fig7_mean_and_range(values, fmt=".2f"):
    return f"{values.mean():{fmt}} ({values.min():{fmt}}–{values.max():{fmt}})"


def _fig7_seed_range(values, fmt=".1f"):
    return f"{values.min():{fmt}}–{values.max():{fmt}}"


def _fig8_value_range(values, fmt=".1f"):  # of frame.loc[recipe, layer]
    return f"{values.min():{fmt}}–{values.max():{fmt}}"


def _fig9_seed_range(values):
    return f"{min(values):.0f}–{max(values):.0f}" if len(values) > 1 else f"{values[0]:.0f}"


def test_over_seeds_gives_each_zhou_pages_old_formatter_output():
    rng = np.random.default_rng(0)
    samples = [rng.normal(0, 30, n) for n in (1, 2, 3, 5)] + [
        np.array([0.05, 0.15, 0.25, -0.05]),  # halves: the rounding of each format decides
        np.array([1.25, 2.35, -0.45]),
        np.array([0.0, -0.0]),
    ]
    for x in samples:
        series, listed = pd.Series(x, index=range(10, 10 + len(x))), [float(v) for v in x]
        assert verdicts.over_seeds(listed) == _fig4_over_seeds(listed)
        assert verdicts.over_seeds(list(x)) == _fig4_over_seeds(list(x))  # numpy floats
        for digits in (0, 1):
            assert verdicts.over_seeds(series, f".{digits}f", mean=False) == _fig4_span(
                series, digits
            )
        for fmt in (".1f", ".2f"):
            assert verdicts.over_seeds(series, fmt) == _fig7_mean_and_range(series, fmt)
        for fmt in (".0f", ".1f", ".2f"):
            assert verdicts.over_seeds(series, fmt, mean=False) == _fig7_seed_range(series, fmt)
            assert verdicts.over_seeds(series, fmt, mean=False) == _fig8_value_range(series, fmt)
        counts = np.round(np.abs(x) * 7).astype(int)  # Fig 9 passes counts of units
        assert verdicts.over_seeds(counts, ".0f", mean=False, alone=True) == _fig9_seed_range(
            counts
        )
        frame = pd.DataFrame({"a": counts.astype(float)})  # Fig 9's distinct concepts: floats
        assert verdicts.over_seeds(
            frame["a"].to_numpy(), ".0f", mean=False, alone=True
        ) == _fig9_seed_range(frame["a"].to_numpy())


def test_pretty_writes_a_class_name_for_readers():
    assert tables.pretty("youth_hostel") == "youth hostel"
    assert tables.pretty(np.str_("bed_room_a")) == "bed room a"
    assert tables.pretty("waterfall") == "waterfall"
    assert tables.pretty("—") == "—"
    assert pd.Series(["a_b", "c"]).map(tables.pretty).tolist() == ["a b", "c"]


def test_seed_outcomes_count_an_undecided_seed_against_the_check_either_way():
    assert verdicts.seed_outcomes([True, True, True]) is True
    assert verdicts.seed_outcomes([False, False, False]) is False
    assert verdicts.seed_outcomes([True, True, None]) is None  # the third could fail
    assert verdicts.seed_outcomes([False, None, False]) is None  # the second could pass
    assert verdicts.seed_outcomes([True, True, True, True, None]) is True  # 4 of 5 pass anyway
    for bools in ([True, False, True], [False, False, True], [True] * 5, [False, True] * 2):
        assert verdicts.seed_outcomes(bools) == verdicts.seed_vote(bools)
    assert verdicts.seed_outcomes([np.bool_(True)] * 3) is True  # a comparison of numpy values
    assert verdicts.seed_outcomes([np.bool_(False)] * 3) is False
    with pytest.raises(ValueError, match="no seeds"):
        verdicts.seed_outcomes([])


def test_a_registered_core_may_carry_its_seed_count_but_not_another_name():
    core = list(verdicts.CLAIMS["R6"].core)
    named = [f"{core[0]}, on 3 of 3 seeds"]
    c = verdicts.evaluate("R6", ours="o", checks={named[0]: True, "detail": False}, core=named)
    assert c.checks[0] == {"name": named[0], "passed": True, "core": True}
    assert c.verdict == PARTLY
    with pytest.raises(ValueError, match="verdicts.CLAIMS"):
        verdicts.evaluate("R6", ours="o", checks={"other, on 3 of 3 seeds": True},
                          core=["other, on 3 of 3 seeds"])  # fmt: skip
