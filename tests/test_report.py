"""Verdicts, the glue round trip the scorecard relies on, and the executor's run records."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from unitroles import execute, report

ROOT = Path(__file__).resolve().parents[1]


def test_verdict_counts_checks():
    assert report.verdict({"a": True, "b": True}) == report.HOLDS
    assert report.verdict({"a": True, "b": False}) == report.PARTLY
    assert report.verdict({"a": False}) == report.FAILS
    with pytest.raises(ValueError, match="at least one check"):
        report.verdict({})


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
    def claim(id, verdict):
        c = report.Claim(id, "s", "p", "o", "r", verdict)
        return _record(f"claim_{id}", json.dumps(c.__dict__))

    _notebook(tmp_path / "b.ipynb", [claim("R1", report.FAILS), _record("n", 3)])
    _notebook(tmp_path / "a.ipynb", [claim("Z2", report.HOLDS), claim("Z1", report.PARTLY)])
    claims = report.claims_in(tmp_path)
    assert [(c.id, c.verdict) for c in claims] == [
        ("Z1", report.PARTLY), ("Z2", report.HOLDS), ("R1", report.FAILS),
    ]  # fmt: skip
    assert report.glued(tmp_path / "b.ipynb")["n"] == 3
    missing = report.missing_claims(claims)
    assert "Z3" in missing and "Z1" not in missing and len(missing) == len(report.CLAIMS) - 3
    with pytest.raises(FileNotFoundError, match="make notebooks"):
        report.claims_in(tmp_path / "nowhere")


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
