"""What a page shows: the claim card, the takeaway, the glue round trip the scorecard relies on,
and the executor's run records. The rules behind a verdict: tests/test_verdicts.py."""

import json
import shlex
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import nbformat
import pytest

from unitroles import execute, report, verdicts
from unitroles.verdicts import FAILS, HOLDS, MARKS, PARTLY, UNDECIDED, UNMEASURED

ROOT = Path(__file__).resolve().parents[1]


def _evaluate(**kwargs):
    """A claim of an id the registry does not hold, so every field is the test's own."""
    args = dict(paper="p", ours="o", checks={"a": True, "b": False}, core=["a"])
    return verdicts.evaluate("T1", "s", **(args | kwargs))


@pytest.mark.parametrize(
    "checks, core",
    [({"a": True, "b": True}, ["a"]), ({"a": True, "b": False}, ["a"]), ({"a": None}, ["a"]),
     ({"a": False, "b": True}, ["a"])],
)  # fmt: skip
def test_the_card_gives_the_verdict_and_its_count(checks, core):
    c = _evaluate(checks=checks, core=core)
    assert f"{MARKS[c.verdict]} **{c.verdict}** · {c.count()}" in report.card(c)
    assert f"{c.passed}/{c.total} checks passed" in report.card(c)
    assert report.card(c).startswith("**Claim T1.** s\n\n| | |\n|---|---|\n| Paper | p |")


def test_identity_and_setup_are_said_on_the_card():
    identity = _evaluate(kind="identity", core=None)
    assert "identity — holds by definition; not counted as evidence" in report.card(identity)
    assert "| Kind | setup — " in report.card(_evaluate(kind="setup"))
    assert "| Kind |" not in report.card(_evaluate())


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
    rows = _table_rows(report.card(c))
    assert [len(r) for r in rows] == [2, 2, 2, 2, 3, 3, 3]  # header and rows of both tables
    assert rows[1] == ["Paper", "a | b"] and rows[2] == ["This run", "line one line | two"]
    assert rows[5] == [name, "**core**", "✓"] and rows[6] == ["x", "", "✗"]
    assert rows[3] == ["Verdict", "◐ **partly holds** · 1/2 checks passed"]
    backslashed = report.cell("x\\|y")  # a backslash before the pipe does not undo the escape
    assert _table_rows(f"| a | b |\n|---|---|\n| {backslashed} | z |")[1] == ["x\\|y", "z"]


def test_undecided_claims_say_so_on_the_card_and_the_takeaway():
    c = _evaluate(checks={"a": None, "b": True, "c": False}, core=["a"])
    assert (c.verdict, c.passed, c.undecided) == (UNDECIDED, 1, 1)
    rows = _table_rows(report.card(c))
    assert rows[3] == ["Verdict", "? **undecided** · 1/3 checks passed, 1 undecided"]
    assert rows[5] == ["a", "**core**", "?"] and rows[6] == ["b", "", "✓"]
    report.EVALUATED[c.id] = c
    text = report.takeaway("ours", paper="paper", claim=c.id)
    assert "does not settle" in text and ":class: note" in text and "agrees" not in text


def test_a_claim_the_run_cannot_test_shows_why_and_no_outcome():
    c = _evaluate(checks={"a": True, "b": False}, core=["a"], unmeasured="nothing to predict")
    card = report.card(c)
    assert "**not measured**: nothing to predict" in card and "✓" not in card and "✗" not in card
    assert "checks passed" not in card
    report.EVALUATED[c.id] = c
    text = report.takeaway("no units", claim=c.id)
    assert "not measured: nothing to predict" in text and ":class: warning" in text
    assert "agrees" not in text and "disagrees" not in text


def test_a_smoke_claim_says_it_is_not_evidence():
    card = report.card(_evaluate(profile="smoke"))
    assert card.endswith(
        "*Smoke profile: tiny data and one-epoch models; this verdict is not evidence.*"
    )


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
    (equal,) = verdicts.CLAIMS["R7"].core

    def claim(id, checks, core=("a",)):
        c = verdicts.evaluate(id, ours="o | x", checks=checks, core=core and list(core))
        return _record(f"claim_{id}", json.dumps(asdict(c)))

    _notebook(tmp_path / "b.ipynb", [claim("R5", {"a": False}), _record("n", 3)])
    _notebook(
        tmp_path / "a.ipynb",
        [claim("Z2", {"a": True}), claim("R7", {equal: True, "b": False}, core=None)],
    )
    claims = report.claims_in(tmp_path)
    assert [(c.id, c.verdict, c.kind, c.passed, c.total) for c in claims] == [
        ("Z2", HOLDS, "evidence", 1, 1),
        ("R5", FAILS, "evidence", 0, 1),
        ("R7", PARTLY, "identity", 1, 2),
    ]
    assert claims[2].checks[0] == {"name": equal, "passed": True, "core": True}
    assert claims[2].statement == verdicts.CLAIMS["R7"].statement
    assert report.card(claims[2]) == report.card(
        verdicts.evaluate("R7", ours="o | x", checks={equal: True, "b": False})
    )
    assert verdicts.tally(claims) == {
        HOLDS: 1, PARTLY: 0, UNDECIDED: 0, FAILS: 1, UNMEASURED: 0,
    }  # fmt: skip
    assert report.glued(tmp_path / "b.ipynb")["n"] == 3
    missing = report.missing_claims(claims)
    assert "Z3" in missing and "Z2" not in missing and len(missing) == len(verdicts.CLAIMS) - 3
    with pytest.raises(FileNotFoundError, match="make notebooks"):
        report.claims_in(tmp_path / "nowhere")


def test_a_claim_recorded_before_core_checks_asks_for_a_rerun(tmp_path):
    old = {"id": "Z1", "statement": "s", "paper": "p", "ours": "o", "rule": "a ✓; b ✗",
           "verdict": PARTLY, "profile": "book"}  # fmt: skip
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


def test_a_check_no_side_can_pass_is_shown_as_not_informative():
    none = verdicts.informative(False, possible=False)
    c = _evaluate(checks={"a": True, "b": none, "c": False}, core=["a"])
    rows = _table_rows(report.card(c))
    assert rows[3] == ["Verdict", "◐ **partly holds** · 1/2 checks passed, 1 not informative"]
    assert rows[6] == ["b", "", "○ not informative"]
    only = _evaluate(checks={"a": none, "b": True}, core=["a"])  # not measured, saying why
    assert _table_rows(report.card(only))[5] == ["a", "**core**", "○ not informative"]
    # the card of a claim read back from JSON (the scorecard's) is the same card
    back = verdicts.Claim(**json.loads(json.dumps(asdict(c))))
    assert report.card(back) == report.card(c)
    report.EVALUATED[c.id] = c
    assert "(1 of 2 checks passed, 1 not informative;" in report.takeaway("ours", claim=c.id)


def test_an_illustration_is_said_on_the_card():
    c = _evaluate(checks={"a": True}, core=None, kind="illustration")
    assert c.verdict == HOLDS and "| Kind | illustration — " in report.card(c)


def test_claim_displays_its_card_whatever_follows_it_in_the_cell(monkeypatch):
    """A card returned as a cell's last value vanished when report.takeaway followed it; the
    card is displayed by the call itself, and its return value displays nothing more."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    c = report.claim("T8", "s", paper="p", ours="o", checks={"c": True}, core=["c"])
    assert len(shown) == 1 and shown[0].data.startswith("**Claim T8.** s")
    assert c.verdict == HOLDS and c._ipython_display_() is None


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


def test_check_changes_shows_each_old_check_beside_the_new_with_both_outcomes(monkeypatch):
    import IPython.display

    from unitroles import claim_history

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    first = claim_history.CHECK_CHANGES["Z1"][0]
    report.check_changes("Z1", {first.old: True, first.new: False})
    (styler,) = shown
    frame = styler.data
    assert list(frame.columns) == [
        "old check", "old: outcome", "new check", "new: outcome", "why it changed"
    ]  # fmt: skip
    assert frame.loc[0, "old check"] == first.old + " (core)"
    assert (frame.loc[0, "old: outcome"], frame.loc[0, "new: outcome"]) == ("passed", "failed")
    assert frame.loc[1, "old: outcome"] == "not evaluated"  # the page gave no outcome for it


def test_a_judged_claim_shows_its_card_its_changes_and_its_takeaway(monkeypatch):
    import IPython.display

    from unitroles import claim_history

    glued, shown = {}, []
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    monkeypatch.setattr(IPython.display, "display", shown.append)
    first = claim_history.CHECK_CHANGES["Z1"][0]
    judged = report.Judged(
        checks={"a": True, "b": False}, core=["a"], ours="ours", takeaway="it moved",
        glue={"n": 3}, changes={first.old: True, first.new: False},
    )  # fmt: skip
    result = judged.show("Z1", paper="the paper says so", profile="smoke")
    assert result.verdict == verdicts.PARTLY and glued["n"] == 3
    assert glued["verdict_Z1"] == verdicts.PARTLY
    assert len(shown) == 2  # the card, then the old checks beside the new
    assert "it moved" in glued["takeaway"].data and "the paper says so" in glued["takeaway"].data
    shown.clear()
    report.Judged({"a": True}, ["a"], "ours", "t", {}).show("Z1", paper="p", profile="smoke")
    assert len(shown) == 1  # no rewritten checks: the card alone
    unmeasured = report.Judged(
        {"a": None}, ["a"], "—", "t", {}, unmeasured="none hurt", note="a caveat"
    )
    assert unmeasured.show("Z1", paper="p", profile="smoke").verdict == verdicts.UNMEASURED
    assert "a caveat" in glued["takeaway"].data
