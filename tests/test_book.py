"""Every notebook executes under the smoke profile, and the book builds from those outputs with no
Sphinx warnings (the build runs with --warningiserror)."""

import re
import sys
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


# What a page shows only as a cell's last value: a later statement in the cell hides it.
SHOWN_AS_LAST_VALUE = (
    "report.table", "Markdown", "HTML", "IPython.display.HTML", "IPython.display.Markdown"
)  # fmt: skip


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_table_a_page_shows_is_displayed_explicitly(source):
    """A table (or Markdown, HTML) left as a cell's last value is displayed only while nothing
    follows it in the cell: the seven Zhao claim cards and two Zhou tables vanished that way.
    A page displays each one with ``display(...)``; ``report.claim`` displays its own card."""
    import ast

    bare = [
        f"{source.name}:{node.lineno}: {ast.unparse(node.value)[:60]}"
        for node in ast.walk(ast.parse(source.read_text()))  # in an if or a loop: never shown
        if isinstance(node, ast.Expr)
        and (
            isinstance(node.value, ast.Name)
            or isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) in SHOWN_AS_LAST_VALUE
        )
    ]
    assert not bare, "display these explicitly:\n" + "\n".join(bare)


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_under_smoke(smoke_build, source):
    out, _ = smoke_build
    nb = nbformat.read(out / "executed" / f"{source.stem}.ipynb", as_version=4)
    assert nb.metadata["unitroles"]["parameters"]["profile"] == "smoke"
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    reprs = [o["data"]["text/plain"] for o in outputs if "text/plain" in o.get("data", {})]
    assert not [r for r in reprs if r.startswith("<matplotlib.") or r.startswith("[<matplotlib")]
    # a value left as a cell's last expression shows as its repr (a dict of glued numbers did);
    # a page displays what it shows explicitly
    shown_last = [o["data"].get("text/plain", "")[:80] for o in outputs
                  if o.get("output_type") == "execute_result"]  # fmt: skip
    assert not shown_last, f"cell values shown as their repr: {shown_last}"
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


def test_figures_fit_the_column_so_their_smallest_text_reads_at_9_pt(smoke_build):
    """The column is 660 px at 1280 px: a figure saved wider than 7.25 in is shrunk to fit, and
    its smallest text (plots.SMALL, 9.5 pt) then shows below 9 pt (a 7.5 in figure: 8.6 pt)."""
    import base64
    import io

    from PIL import Image

    from unitroles import plots

    out, _ = smoke_build
    wide = []
    for source in NOTEBOOKS:
        nb = nbformat.read(out / "executed" / f"{source.stem}.ipynb", as_version=4)
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                if "image/png" not in o.get("data", {}):
                    continue
                image = Image.open(io.BytesIO(base64.b64decode(o["data"]["image/png"])))
                dpi = image.info.get("dpi", (plots.STYLE["figure.dpi"],))[0]
                inches = image.width / dpi
                shown = plots.SMALL * min(dpi, 660 / inches) / 96  # CSS pt, 96 px an inch
                if shown < 9:
                    wide.append(f"{source.stem}: {inches:.2f} in, 9.5 pt shows at {shown:.1f} pt")
    assert not wide, "\n".join(wide)


def test_a_cells_printed_lines_fold_into_one_log():
    """stdout split by a progress bar on stderr reads as one "Log (3 lines)", not three."""
    from unitroles import execute

    out = [
        nbformat.v4.new_output("stream", name="stdout", text="model 0\n"),
        nbformat.v4.new_output("stream", name="stderr", text="train: 100%\n"),
        nbformat.v4.new_output("stream", name="stdout", text="model 1\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "figure"}),
        nbformat.v4.new_output("stream", name="stdout", text="model 2\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=out)])
    execute.present(nb)
    logs = [
        o for o in nb.cells[0].outputs if "unitroles-log" in o.get("data", {}).get("text/html", "")
    ]
    assert len(logs) == 1 and "Log (3 lines)" in logs[0]["data"]["text/html"]
    assert logs[0]["data"]["text/plain"] == "model 0\nmodel 1\nmodel 2\n"
    assert nb.cells[0].outputs[0] is logs[0] and len(nb.cells[0].outputs) == 3


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


# --- The student edition (`make student`) --------------------------------------------------------

sys.path.insert(0, str(ROOT / "tests" / "scripts"))
import student_edition as editions  # noqa: E402

EXERCISE_PAGES = [nb for nb in NOTEBOOKS if "## Exercises" in nb.read_text()]


def test_the_exercise_pages_are_the_teaching_pages():
    stems = {nb.stem for nb in EXERCISE_PAGES}
    assert {
        "zhou2018_fig1_concept_unit", "zhou2018_fig3_layer_curves", "zhou2018_fig4_greedy",
        "zhao2023_fig1_rof_curve", "zhao2023_fig2_taxonomy",
    } <= stems  # fmt: skip


@pytest.mark.parametrize("source", EXERCISE_PAGES, ids=lambda p: p.stem)
def test_student_edition_has_a_stub_for_every_solution(source):
    teacher = editions.read_source(source)
    answers = [c for c in teacher.cells if editions.is_solution(c)]
    boxes = sum(editions.solutions_in_markdown(c.source) for c in teacher.cells)
    assert answers and len(answers) == boxes, (
        f"{source.stem}: {len(answers)} code cells tagged 'solution' but {boxes} Solution boxes; "
        "tag the code cell that computes each exercise's answer 'solution'"
    )
    pupil = editions.student(teacher)
    stubs = [c for c in pupil.cells if editions.STUB_TAG in c.metadata.get("tags", [])]
    assert len(stubs) == len(answers)
    assert not any(editions.solutions_in_markdown(c.source) for c in pupil.cells)
    assert not any(editions.is_solution(c) for c in pupil.cells)
    prompts = [c.source for c in teacher.cells if c.cell_type == "markdown" and "**1." in c.source]
    assert any("**1." in c.source for c in pupil.cells if c.cell_type == "markdown"), prompts
    for cell in stubs:
        with pytest.raises(NotImplementedError):
            exec(compile(cell.source, "stub", "exec"), {})


@pytest.mark.parametrize("source", EXERCISE_PAGES, ids=lambda p: p.stem)
def test_every_solution_put_back_runs(smoke_build, source):
    """The student notebook with its solutions put back is the book's notebook, and the smoke
    build ran each solution cell of it without error."""
    teacher = editions.read_source(source)
    restored = editions.restore(editions.student(teacher), teacher)
    assert [c.source for c in restored.cells] == [c.source for c in teacher.cells]
    out, _ = smoke_build
    executed = nbformat.read(out / "executed" / f"{source.stem}.ipynb", as_version=4)
    ran = {c.source: c for c in executed.cells if c.cell_type == "code"}
    for answer in (c for c in restored.cells if editions.is_solution(c)):
        cell = ran.get(answer.source)
        assert cell is not None, f"{source.stem}: a solution cell is missing from the run"
        assert cell.execution_count is not None, f"{source.stem}: a solution cell did not run"
        assert not [o for o in cell.outputs if o.get("output_type") == "error"]


def test_make_student_writes_both_editions(tmp_path):
    editions.main(str(ROOT / "notebooks"), str(tmp_path / "student"), str(tmp_path / "teacher"))
    for source in EXERCISE_PAGES:
        pupil = nbformat.read(tmp_path / "student" / f"{source.stem}.ipynb", as_version=4)
        teacher = nbformat.read(tmp_path / "teacher" / f"{source.stem}.ipynb", as_version=4)
        assert "NotImplementedError" in "".join(c.source for c in pupil.cells)
        assert "NotImplementedError" not in "".join(c.source for c in teacher.cells)


# --- Reading the book: offline maths, folded code, citations, navigation ----------------------


def test_maths_is_served_by_the_book(smoke_build):
    out, _ = smoke_build
    html = out / "_build" / "html"
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    page = (html / "book" / "methods.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page and "cdn.jsdelivr" not in page


def test_code_is_folded_and_parameters_live_in_the_run_box(smoke_build):
    out, _ = smoke_build
    for source in NOTEBOOKS:
        nb = nbformat.read(out / "executed" / f"{source.stem}.ipynb", as_version=4)
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            tags = set(cell.metadata.get("tags", []))
            assert tags & {"hide-input", "remove-input", "hide-cell", "remove-cell", "show-input"}
            if tags & {"parameters", "injected-parameters"}:
                assert "remove-cell" in tags
            logs = [o for o in cell.outputs if o.get("name") == "stdout"]
            assert not logs, f"{source.stem}: a log printed and not folded"
        box = next(c for c in nb.cells if "run-this-page" in c.metadata.get("tags", []))
        assert "Parameters of this run" in box.source and "profile = 'smoke'" in box.source


def test_citations_and_bibliography(smoke_build):
    out, _ = smoke_build
    html = out / "_build" / "html" / "book"
    bibliography = (html / "bibliography.html").read_text()
    bib = (ROOT / "book" / "references.bib").read_text()
    titles = re.findall(r"^\s*title\s*=\s*\{(.+?)\},?$", bib, re.M)
    assert len(titles) == 5
    listed = bibliography.lower()
    for title in titles:  # every work of references.bib is listed (the style lowers the case)
        assert title.replace("{", "").replace("}", "").lower() in listed, title
    for page in ("intro", "zhou2018", "zhao2023", "methods"):
        assert "bibliography.html#" in (html / f"{page}.html").read_text(), page


def test_intro_and_chapters_open_with_the_verdict_counts(smoke_build):
    out, _ = smoke_build
    html = out / "_build" / "html" / "book"
    for page in ("intro", "zhou2018", "zhao2023"):
        text = (html / f"{page}.html").read_text()
        assert "Results of this build" in text
        assert "evidence claims" in text, f"{page}: verdict counts not pasted"
    toc = (ROOT / "_toc.yml").read_text()
    assert toc.index("notebooks/scorecard") < toc.index("notebooks/scenes_world")
    assert toc.index("Engineering") < toc.index("book/methods") < toc.index("notebooks/status")


def unnumbered_figures(executed: Path) -> list[str]:
    """Cells of the executed notebooks in ``executed`` whose figure, captioned with
    ``plots.caption``, would not be numbered: the stage step numbers a figure only when it is the
    cell's one shown output (a glue record, a table or a printed log beside it counts)."""
    found = []
    for source in NOTEBOOKS:
        nb = nbformat.read(executed / f"{source.stem}.ipynb", as_version=4)
        for i, cell in enumerate(nb.cells):
            outputs = cell.get("outputs", [])
            captioned = [
                o for o in outputs
                if "caption" in o.get("metadata", {}).get("image/png", {})
                and "scrapbook" not in o.get("metadata", {})  # a glued figure: its directive
            ]  # fmt: skip
            shown = [
                o for o in outputs
                if o.get("output_type") in ("display_data", "execute_result")
                or o.get("output_type") == "stream" and o.get("name") == "stdout"
            ]  # fmt: skip
            if captioned and len(shown) != 1:
                found.append(f"{source.stem}, cell {i}: {len(shown)} outputs")
    return found


def test_every_captioned_figure_is_alone_in_its_cell_so_it_is_numbered(smoke_build):
    """A refactor put Zhou Fig. 5's two figures in cells with a table and a log, and they lost
    their numbers and captions while every glued value stayed the same."""
    out, _ = smoke_build
    assert unnumbered_figures(out / "executed") == []


def test_figures_on_a_paper_figure_page_carry_the_papers_number(smoke_build):
    """The Zhou Fig 3 page captioned its figure "Fig. 1": a paper's figure page numbers its
    first figure as the paper does ("Fig. 3"), the others "Fig. 3 (continued)", ...; other pages
    count 1, 2, ..."""
    out, _ = smoke_build
    pages = out / "_build" / "html" / "book" / "notebooks"
    for source in NOTEBOOKS:
        html = (pages / f"{source.stem}.html").read_text()
        numbers = re.findall(r'<span class="caption-number">Fig\. ([^<]+?) </span>', html)
        paper = re.search(r"_fig(\d+)_", source.stem)
        if paper and source.stem.startswith(("zhou2018_", "zhao2023_")):
            n = paper.group(1)
            expected = [n] + [f"{n} (continued{'' if k == 1 else f' {k}'})" for k in range(1, 9)]
            assert numbers and numbers == expected[: len(numbers)], (source.stem, numbers)
        else:
            assert numbers == [str(k) for k in range(1, len(numbers) + 1)], (source.stem, numbers)
