"""Every notebook executes under the smoke profile, and the book builds from those outputs with no
Sphinx warnings (the build runs with --warningiserror)."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


def test_there_are_notebooks_and_each_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        assert f"book/notebooks/{nb.stem}\n" in toc, f"{nb.stem} is not in _toc.yml"


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_under_smoke(smoke_build, source):
    out, _ = smoke_build
    nb = nbformat.read(out / "executed" / f"{source.stem}.ipynb", as_version=4)
    assert nb.metadata["unitroles"]["parameters"]["profile"] == "smoke"
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    reprs = [o["data"]["text/plain"] for o in outputs if "text/plain" in o.get("data", {})]
    assert not [r for r in reprs if r.startswith("<matplotlib.") or r.startswith("[<matplotlib")]
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_page_is_built(smoke_build, source):
    out, _ = smoke_build
    page = out / "_build" / "html" / "book" / "notebooks" / f"{source.stem}.html"
    html = page.read_text()
    assert "Traceback" not in html
    assert "<img" in html
    assert "Run this page" in html and f"{source.stem}-out.ipynb" in html  # papermill command
    assert f'href="../../_sources/book/notebooks/{source.stem}.ipynb"' in html  # download button


def test_book_builds_without_warnings(smoke_build):
    out, log = smoke_build
    assert (out / "_build" / "html" / "index.html").is_file()
    assert "build succeeded" in log
    assert "WARNING" not in log


def test_every_claim_has_a_computed_verdict(smoke_build):
    out, _ = smoke_build
    for source in NOTEBOOKS:
        text = source.read_text()
        if "report.claim(" not in text:
            continue
        nb = nbformat.read(out / "executed" / f"{source.stem}.ipynb", as_version=4)
        names = {
            o["metadata"]["scrapbook"]["name"]
            for c in nb.cells
            for o in c.get("outputs", [])
            if "scrapbook" in o.get("metadata", {})
        }
        assert any(n.startswith("verdict_") for n in names), source.stem
