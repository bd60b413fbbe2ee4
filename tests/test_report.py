"""Verdicts, the glue round trip the scorecard relies on, and the executor's run records."""

import json
import shlex
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import nbformat
import pytest

from unitroles import execute, report

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "checks, core, expected",
    [
        ({"a": True, "b": True, "c": True}, ["a"], report.HOLDS),  # every check
        ({"a": True, "b": False, "c": False}, ["a"], report.PARTLY),  # only the core
        ({"a": True, "b": True, "c": False}, ["a", "c"], report.FAILS),  # a core check fails
        ({"a": False, "b": True, "c": True}, ["a"], report.FAILS),  # the old rule: partly
        ({"a": True}, ["a"], report.HOLDS),  # a single check is its own core
        ({"a": False}, ["a"], report.FAILS),
        ({"a": None, "b": True}, ["a"], report.UNDECIDED),  # a core check undecided
        ({"a": None, "b": False}, ["a", "b"], report.FAILS),  # a failure outweighs it
        ({"a": True, "b": None}, ["a"], report.PARTLY),  # a detail undecided: not every check
        ({"a": None}, ["a"], report.UNDECIDED),
    ],
)
def test_verdict_follows_the_core_checks(checks, core, expected):
    assert report.verdict(checks, core) == expected
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
    assert f"{c.passed}/{c.total} checks passed" in c.markdown()


def test_verdict_needs_a_check_and_a_core_check():
    with pytest.raises(ValueError, match="at least one check"):
        report.verdict({}, ["a"])
    with pytest.raises(ValueError, match="at least one core check"):
        report.verdict({"a": True}, [])


def _evaluate(**kwargs):
    args = dict(paper="p", ours="o", checks={"a": True, "b": False}, core=["a"])
    return report.evaluate("R1", "s", **(args | kwargs))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"core": None}, r"R1: evidence names its core check"),
        ({"core": []}, r"R1: core names no check"),
        ({"core": ["a", "x", "y"]}, r"R1: core names checks it does not have: \['x', 'y'\]"),
        ({"core": "a"}, r"core is a list of check names; write core=\['a'\]"),
        ({"kind": "definition"}, r"kind 'definition' is none of evidence, identity, setup"),
    ],
)
def test_bad_core_or_kind_is_refused_with_what_to_write(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _evaluate(**kwargs)


def test_identity_and_setup_are_said_on_the_card_and_may_leave_core_out():
    identity = _evaluate(kind="identity", core=None)  # every check is core: holds or does not
    assert identity.verdict == report.FAILS and all(c["core"] for c in identity.checks)
    assert "identity — holds by definition; not counted as evidence" in identity.markdown()
    setup = _evaluate(kind="setup")  # a core may still be named
    assert setup.verdict == report.PARTLY and "| Kind | setup — " in setup.markdown()
    assert "| Kind |" not in _evaluate().markdown()


def test_numpy_bools_are_stored_as_json_booleans():
    import numpy as np

    c = _evaluate(checks={"a": np.bool_(True), "b": np.float64(0.3) > 1}, core=["a"])
    assert json.loads(json.dumps(asdict(c)))["checks"][1] == {
        "name": "b",
        "passed": False,
        "core": False,
    }


def _table_rows(markdown):
    """Each table row of ``markdown`` as rendered by markdown-it (GFM tables, as myst-nb does)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows, row = [], None
    for t in tokens:
        if t.type == "tr_open":
            row = []
        elif t.type == "inline" and row is not None:
            row.append(t.content)
        elif t.type == "tr_close":
            rows.append(row)
            row = None
    return rows


def test_pipes_and_line_breaks_in_any_field_keep_the_tables_intact():
    name = "selectivity vs |r| of the class drop | p < 0.05"
    c = _evaluate(
        paper="a | b", ours="line one\nline | two", checks={name: True, "x": False}, core=[name]
    )
    rows = _table_rows(c.markdown())
    assert [len(r) for r in rows] == [2, 2, 2, 2, 3, 3, 3]  # header and rows of both tables
    assert rows[1] == ["Paper", "a | b"] and rows[2] == ["This run", "line one line | two"]
    assert rows[5] == [name, "**core**", "✓"] and rows[6] == ["x", "", "✗"]
    assert rows[3] == ["Verdict", "◐ **partly holds** · 1/2 checks passed"]
    backslashed = report.cell("x\\|y")  # a backslash before the pipe does not undo the escape
    assert _table_rows(f"| a | b |\n|---|---|\n| {backslashed} | z |")[1] == ["x\\|y", "z"]


@pytest.mark.parametrize(
    "n, passing, failing",  # how many passing seeds pass / fail the check; the rest: undecided
    [(1, {1}, {0}), (2, {2}, {0}), (3, {3}, {0}), (4, {4}, {0}), (5, {4, 5}, {0, 1}),
     (7, {5, 6, 7}, {0, 1, 2})],
)  # fmt: skip
def test_seed_vote_decides_only_by_a_majority_one_seed_cannot_overturn(n, passing, failing):
    for k in range(n + 1):
        votes = [True] * k + [False] * (n - k)
        expected = True if k in passing else False if k in failing else None
        assert report.seed_vote(votes) is expected, (k, n)
        if n >= 3 and expected is not None:  # the definition: one seed flipped keeps the majority
            flipped = k - 1 if expected else k + 1
            assert (2 * flipped > n) is expected
    import numpy as np

    assert report.seed_vote(np.array([True, True, True])) is True  # numpy bools count
    with pytest.raises(ValueError, match="at least one seed"):
        report.seed_vote([])


def test_share_check_is_undecided_while_the_interval_straddles_the_line():
    lo, hi = report.share_interval(41, 120)  # 34%: R6's leave-one-out accuracy in one build
    assert 0.25 < lo < 0.27 and 0.42 < hi < 0.44  # the Wilson 95% interval, by hand
    assert report.share_check(41, 120, 0.40) is None
    assert report.share_check(41, 120, 0.20) is True and report.share_check(41, 120, 0.5) is False
    assert report.share_interval(0, 10)[0] == 0 and report.share_interval(10, 10)[1] == 1
    assert report.share_check(95, 100, 0.9) is None  # 95% of 100 points is not clear of 90%
    assert report.share_check(190, 200, 0.9) is True  # of 200 points it is
    with pytest.raises(ValueError, match="need 0 <= hits <= n"):
        report.share_check(5, 4, 0.5)


def test_undecided_claims_say_so_on_the_card_the_takeaway_and_in_words():
    c = _evaluate(checks={"a": None, "b": True, "c": False}, core=["a"])
    assert (c.verdict, c.passed, c.undecided) == (report.UNDECIDED, 1, 1)
    rows = _table_rows(c.markdown())
    assert rows[3] == ["Verdict", "? **undecided** · 1/3 checks passed, 1 undecided"]
    assert rows[5] == ["a", "**core**", "?"] and rows[6] == ["b", "", "✓"]
    report.EVALUATED[c.id] = c
    text = report.takeaway("ours", paper="paper", claim=c.id)
    assert "does not settle" in text and ":class: note" in text and "agrees" not in text
    assert report.outcome(None) == "undecided" and report.outcome(False) == "failed"
    counts = report.tally([c, _evaluate(), _evaluate(checks={"a": False}, core=["a"])])
    assert report.in_words(counts) == "0 hold, 1 partly holds, 1 is undecided and 1 does not hold"
    assert report.in_words({report.HOLDS: 2, report.PARTLY: 0, report.FAILS: 1}) == (
        "2 hold, 0 partly hold and 1 does not hold"
    )


def test_on_seeds_counts_and_names_the_passing_seeds():
    assert report.on_seeds([True, False, True, True, False]) == "on 3 of 5 seeds"
    assert report.on_seeds([True]) == "on 1 of 1 seed"
    assert report.on_seeds([True, False, True], seeds=[0, 1, 2]) == "on 2 of 3 seeds (0, 2)"
    assert report.on_seeds([False, False], seeds=[3, 4]) == "on 0 of 2 seeds (none)"
    with pytest.raises(ValueError, match="2 outcomes but 3 seeds"):
        report.on_seeds([True, False], seeds=[0, 1, 2])
    with pytest.raises(ValueError, match="at least one seed"):
        report.on_seeds([])


def test_tally_counts_evidence_only():
    def c(verdict, kind="evidence"):
        checks = {"a": verdict != report.FAILS, "b": verdict == report.HOLDS}
        return _evaluate(checks=checks, core=["a"] if kind == "evidence" else None, kind=kind)

    claims = [c(report.HOLDS), c(report.PARTLY), c(report.PARTLY), c(report.FAILS)]
    assert [x.verdict for x in claims] == [report.HOLDS, report.PARTLY, report.PARTLY, report.FAILS]
    apart = [c(report.HOLDS, "identity"), c(report.FAILS, "setup"), c(report.HOLDS, "setup")]
    unmeasured = _evaluate(checks={"a": True}, core=["a"], unmeasured="too weak")
    undecided = _evaluate(checks={"a": None}, core=["a"])
    assert report.tally(claims + apart + [unmeasured, undecided]) == {
        report.HOLDS: 1, report.PARTLY: 2, report.UNDECIDED: 1, report.FAILS: 1,
        report.UNMEASURED: 1,
    }  # fmt: skip
    assert report.tally(apart) == dict.fromkeys(report.MARKS, 0)


def test_a_claim_the_run_cannot_test_is_not_measured_and_says_why():
    c = _evaluate(checks={"a": True, "b": False}, core=["a"], unmeasured="nothing to predict")
    assert (c.verdict, c.passed, c.total, c.why) == (report.UNMEASURED, 0, 2, "nothing to predict")
    assert [x["passed"] for x in c.checks] == [None, None]  # no outcome is shown
    card = c.markdown()
    assert "**not measured**: nothing to predict" in card and "✓" not in card and "✗" not in card
    assert "checks passed" not in card
    with pytest.raises(ValueError, match="it is empty"):
        _evaluate(checks={"a": True}, core=["a"], unmeasured=" ")
    report.EVALUATED[c.id] = c
    text = report.takeaway("no units", claim=c.id)
    assert "not measured: nothing to predict" in text and ":class: warning" in text
    assert "agrees" not in text and "disagrees" not in text


def test_every_claims_md_id_names_a_notebook_of_the_book():
    toc = (ROOT / "_toc.yml").read_text()
    for _, _, page in report.CLAIMS.values():
        assert (ROOT / "notebooks" / f"{page}.py").is_file(), page
        assert f"book/notebooks/{page}\n" in toc, page
    for page in {page for _, _, page in report.CLAIMS.values()}:
        source = (ROOT / "notebooks" / f"{page}.py").read_text()
        ids = [id for id, (_, _, p) in report.CLAIMS.items() if p == page]
        assert any(f'"{id}"' in source for id in ids), f"{page} evaluates none of {ids}"


def _record(name, value):
    """An output cell as myst-nb's glue writes it (display=False)."""
    return nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": repr(value)},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    )


def _notebook(path, outputs, record=None):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("pass")
    cell.outputs = outputs
    nb.cells = [cell]
    if record is not None:
        nb.metadata["unitroles"] = record
    nbformat.write(nb, path)


def test_claims_are_read_back_from_executed_notebooks_in_paper_order(tmp_path):
    def claim(id, checks, kind="evidence"):
        c = report.evaluate(id, "s", paper="p", ours="o | x", checks=checks, core=["a"], kind=kind)
        return _record(f"claim_{id}", json.dumps(asdict(c)))

    _notebook(tmp_path / "b.ipynb", [claim("R1", {"a": False}), _record("n", 3)])
    _notebook(
        tmp_path / "a.ipynb",
        [claim("Z2", {"a": True}), claim("R7", {"a": True, "b": False}, "identity")],
    )
    claims = report.claims_in(tmp_path)
    assert [(c.id, c.verdict, c.kind, c.passed, c.total) for c in claims] == [
        ("Z2", report.HOLDS, "evidence", 1, 1),
        ("R1", report.FAILS, "evidence", 0, 1),
        ("R7", report.PARTLY, "identity", 1, 2),
    ]
    assert claims[2].checks[0] == {"name": "a", "passed": True, "core": True}
    assert claims[2].markdown() == report.evaluate(
        "R7", "s", paper="p", ours="o | x", checks={"a": True, "b": False}, core=["a"],
        kind="identity",
    ).markdown()  # fmt: skip
    assert report.tally(claims) == {
        report.HOLDS: 1, report.PARTLY: 0, report.UNDECIDED: 0, report.FAILS: 1,
        report.UNMEASURED: 0,
    }  # fmt: skip
    assert report.glued(tmp_path / "b.ipynb")["n"] == 3
    missing = report.missing_claims(claims)
    assert "Z3" in missing and "Z2" not in missing and len(missing) == len(report.CLAIMS) - 3
    with pytest.raises(FileNotFoundError, match="make notebooks"):
        report.claims_in(tmp_path / "nowhere")


def test_a_claim_recorded_before_core_checks_asks_for_a_rerun(tmp_path):
    old = {"id": "Z1", "statement": "s", "paper": "p", "ours": "o", "rule": "a ✓; b ✗",
           "verdict": report.PARTLY, "profile": "book"}  # fmt: skip
    _notebook(tmp_path / "a.ipynb", [_record("claim_Z1", json.dumps(old))])
    with pytest.raises(ValueError, match=r"a.ipynb: claim Z1 was recorded before .*make book"):
        report.claims_in(tmp_path)


def test_runs_are_read_back_and_notebooks_without_a_record_skipped(tmp_path):
    _notebook(tmp_path / "a.ipynb", [], {"seconds": 1.5, "parameters": {"profile": "smoke"}})
    _notebook(tmp_path / "b.ipynb", [])
    assert report.runs_in(tmp_path) == [
        {"notebook": "a", "seconds": 1.5, "parameters": {"profile": "smoke"}}
    ]


def test_environment_names_versions_and_hardware():
    env = execute.environment()
    assert env["python"].count(".") == 2 and env["torch"] and env["cpu_count"] >= 1
    assert env["gpu"]  # a name, or "none"


def test_run_box_papermill_command_reproduces_every_parameter(tmp_path):
    params = {
        "profile": "book", "data_scale": 0.5, "seed": 3, "flag": True, "path": None,
        "layer": "conv5", "tricky": "1.5", "seeds": [0, 1],
    }  # fmt: skip
    profile = tmp_path / "p.yml"
    profile.write_text("profile: book\ndata_scale: 1.0\nseed: 3\n")
    box = execute.run_box("notebooks/x.py", params, profile)
    assert box.startswith(":::{admonition} Run this page") and box.endswith(":::")
    fence = box.split("```bash\n")[2].split("\n```")[0]
    command = shlex.split(fence.split("\n", 1)[1].replace("\\\n", " "))
    assert command[:2] == ["papermill", "x.ipynb"] and "--cwd" in command
    # papermill's own CLI parser turns the flags back into exactly these values
    from click.testing import CliRunner
    from papermill import cli

    seen = {}
    runner = CliRunner()
    original = cli.execute_notebook

    def capture(*args, **kwargs):
        seen.update(kwargs["parameters"])

    cli.execute_notebook = capture
    try:
        result = runner.invoke(cli.papermill, command[1:])
    finally:
        cli.execute_notebook = original
    assert result.exit_code == 0, result.output
    assert seen == params
    # ours: the profile plus only what differs from it, read back the way `main` reads it
    ours = shlex.split(box.split("```bash\n")[1].split("\n```")[0].replace("\\\n", " "))
    assert ours[:4] == ["python", "-m", "unitroles.execute", "notebooks/x.py"]
    flags = ours[ours.index("--profile") + 2 :]
    pairs = [tuple(flags[k + 1 : k + 3]) for k in range(0, len(flags), 3)]
    assert all(flags[k] == "-p" for k in range(0, len(flags), 3))
    assert "seed" not in dict(pairs)
    assert {**execute.load_profile(profile), **execute.parse_overrides(pairs)} == params


def test_execute_writes_record_and_box_and_nothing_on_failure(tmp_path):
    source = tmp_path / "page.py"
    source.write_text(
        "# %% [markdown]\n# # Title\n\n# %% tags=['parameters']\nx = 1\n\n# %%\nassert x == 1\n"
    )
    out = execute.execute_notebook(source, tmp_path / "out", parameters={"x": 1})
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata["unitroles"]["parameters"] == {"x": 1}
    assert nb.metadata["unitroles"]["environment"]["python"]
    assert nb.cells[1].cell_type == "markdown" and "Run this page" in nb.cells[1].source
    failing = subprocess.run(
        [sys.executable, "-m", "unitroles.execute", str(source), "--profile",
         str(_profile(tmp_path)), "--out", str(tmp_path / "bad"), "-p", "x", "2"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert failing.returncode != 0
    assert not list((tmp_path / "bad").glob("*.ipynb"))


def _profile(tmp_path):
    path = tmp_path / "profile.yml"
    path.write_text("x: 1\n")
    return path


def test_numpy_scalars_are_glued_as_plain_numbers(monkeypatch):
    import numpy as np

    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    report.glue({"n": np.int64(6), "r": np.float64(0.5), "s": "x"})
    assert glued == {"n": 6, "r": 0.5, "s": "x"}
    assert type(glued["n"]) is int and type(glued["r"]) is float


def test_takeaway_reads_the_verdict_the_page_computed():
    checks = {"central": True, "detail": False}
    report.claim("T1", "s", paper="p", ours="o", checks=checks, core=["central"])
    text = report.takeaway("ours", paper="paper", claim="T1")
    assert "partly holds" in text and "1 of 2 checks" in text and "disagrees" not in text
    report.claim("T2", "s", paper="p", ours="o", checks={"central": False}, core=["central"])
    text = report.takeaway("ours", paper="paper", claim="T2")
    assert (
        "does not hold" in text and "disagrees with the paper" in text and ":class: warning" in text
    )
    report.claim("T3", "s", paper="p", ours="o", checks={"central": True}, core=["central"])
    assert "agrees with the paper" in report.takeaway("ours", paper="paper", claim="T3")


def test_takeaway_refuses_a_claim_the_page_did_not_evaluate():
    import pytest

    with pytest.raises(ValueError, match="call report.claim first"):
        report.takeaway("ours", claim="never evaluated")


def test_a_takeaway_call_displays_nothing_in_the_notebook():
    """The takeaway shows once, where its glue is placed: the call's value, often a cell's last
    expression, must not print its Markdown source on the page as well."""
    report.claim("T9", "s", paper="p", ours="o", checks={"c": True}, core=["c"])
    text = report.takeaway("ours", paper="paper", claim="T9")
    assert isinstance(text, str) and "Takeaway" in text
    assert hasattr(text, "_ipython_display_") and text._ipython_display_() is None


def test_a_check_no_side_can_pass_is_not_informative_and_counts_neither_way():
    none = report.informative(False, possible=False)
    assert none == report.NOT_INFORMATIVE and report.informative(True, possible=True) is True
    c = _evaluate(checks={"a": True, "b": none, "c": False}, core=["a"])
    assert (c.verdict, c.passed, c.total, c.uninformative) == (report.PARTLY, 1, 2, 1)
    assert c.count() == "1/2 checks passed, 1 not informative"
    assert c.score() == "1/2, 1 not informative"
    rows = _table_rows(c.markdown())
    assert rows[3] == ["Verdict", "◐ **partly holds** · 1/2 checks passed, 1 not informative"]
    assert rows[6] == ["b", "", "○ not informative"]
    assert report.outcome(none) == "not informative"
    # without it the claim would hold: a check nobody could pass does not make it fail
    assert _evaluate(checks={"a": True, "b": none}, core=["a"]).verdict == report.HOLDS
    # a core check that is not informative leaves nothing to judge: not measured, saying why
    only = _evaluate(checks={"a": none, "b": True}, core=["a"])
    assert only.verdict == report.UNMEASURED and "no core check is informative" in only.why
    assert _table_rows(only.markdown())[5] == ["a", "**core**", "○ not informative"]
    # it survives the JSON round trip the scorecard reads
    back = report.Claim(**json.loads(json.dumps(asdict(c))))
    assert back == c and back.markdown() == c.markdown()


def test_an_illustration_is_shown_apart_and_not_counted():
    c = _evaluate(checks={"a": True}, core=None, kind="illustration")
    assert c.verdict == report.HOLDS and "| Kind | illustration — " in c.markdown()
    assert report.tally([c]) == dict.fromkeys(report.MARKS, 0)


def test_claim_displays_its_card_whatever_follows_it_in_the_cell(monkeypatch):
    """A card returned as a cell's last value vanished when report.takeaway followed it; the
    card is displayed by the call itself, and its return value displays nothing more."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    c = report.claim("T8", "s", paper="p", ours="o", checks={"c": True}, core=["c"])
    assert len(shown) == 1 and shown[0].data.startswith("**Claim T8.** s")
    assert c.verdict == report.HOLDS and c._ipython_display_() is None


def test_run_box_gives_paths_in_the_checkout_relative_never_the_build_machines(tmp_path):
    """The scorecard's box printed /tmp/.../build/executed/book (the Makefile passes an absolute
    path): a reader pastes the box in the repository root, papermill runs in notebooks/."""
    executed = ROOT / "build" / "executed" / "book"
    params = {"profile": "book", "executed": str(executed), "data": str(tmp_path)}
    profile = tmp_path / "p.yml"
    profile.write_text("profile: book\n")
    box = execute.run_box(ROOT / "notebooks" / "scorecard.py", params, profile)
    assert str(ROOT) not in box
    ours, plain = (b.split("\n```")[0] for b in box.split("```bash\n")[1:3])
    assert "-p executed build/executed/book" in ours and "notebooks/scorecard.py" in ours
    assert "--cwd notebooks" in plain and "-p executed ../build/executed/book" in plain
    assert f"-p data {tmp_path}" in plain  # a path outside the checkout stays as given
    assert "executed = 'build/executed/book'" in box
    assert "`models/`" in box and "`.cache/unitroles/` of the checkout" in box
