"""The student and instructor editions of the book's notebooks (``make student``).

    python tests/scripts/student_edition.py notebooks build/student build/instructor

The instructor edition is each jupytext source as a notebook, exactly as the book runs it. The
student edition is the same notebook with every exercise's solution taken out: a code cell
tagged ``solution`` (the cell that computes an exercise's answer) becomes a stub that raises
``NotImplementedError``, and each ``Solution`` admonition (the answer in words) is removed from
the Markdown. Exercise prompts stay. :func:`restore` puts the solutions back into a student
notebook; the test suite checks that this gives the instructor edition again, and that the smoke
build ran every solution cell without error.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

SOLUTION_TAG = "solution"
STUB_TAG = "exercise-stub"
# A fenced Solution admonition in MyST: ```{admonition} Solution ... ``` (any fence length >= 3,
# backticks or colons), up to the closing fence of the same length.
_SOLUTION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{admonition\}\s+Solution\b.*?^(?P=fence)[ \t]*$\n?",
    re.MULTILINE | re.DOTALL,
)


def stub(number: int) -> str:
    """The source of a student's exercise cell."""
    return (
        f"# Exercise {number}: your solution here. The cells above hold what it needs.\n"
        f'raise NotImplementedError("Exercise {number}: write your solution in this cell")\n'
    )


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def solutions_in_markdown(text: str) -> int:
    """How many Solution admonitions ``text`` holds."""
    return len(_SOLUTION.findall(text))


def student(notebook):
    """A copy of ``notebook`` with solutions replaced by stubs and Solution admonitions removed."""
    out = copy.deepcopy(notebook)
    number = 0
    for cell in out.cells:
        if is_solution(cell):
            number += 1
            tags = cell.metadata.get("tags", [])
            tags = [t for t in tags if t not in (SOLUTION_TAG, "hide-input")]
            cell.metadata["tags"] = [*tags, STUB_TAG]
            cell.source = stub(number)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = re.sub(r"\n{3,}", "\n\n", _SOLUTION.sub("", cell.source)).strip("\n")
    return out


def restore(student_notebook, instructor_notebook):
    """``student_notebook`` with its solutions put back: each stub replaced by the instructor's
    solution cell, in order, and each Markdown cell that held Solution boxes given them back
    (:func:`student` keeps every cell, so the two notebooks' cells align)."""
    answers = [c for c in instructor_notebook.cells if is_solution(c)]
    stubs = [c for c in student_notebook.cells if STUB_TAG in c.metadata.get("tags", [])]
    if len(answers) != len(stubs):
        raise ValueError(f"{len(stubs)} stubs but {len(answers)} solutions")
    if len(student_notebook.cells) != len(instructor_notebook.cells):
        raise ValueError("the student and instructor notebooks have different cells")
    out = copy.deepcopy(student_notebook)
    k = 0
    for i, cell in enumerate(out.cells):
        if STUB_TAG in cell.metadata.get("tags", []):
            out.cells[i] = copy.deepcopy(answers[k])
            k += 1
        elif cell.cell_type == "markdown":
            teacher = instructor_notebook.cells[i]
            if solutions_in_markdown(teacher.source):
                out.cells[i] = copy.deepcopy(teacher)
    return out


def read_source(path: str | Path):
    """A jupytext ``py:percent`` source (or an ``.ipynb``) as a notebook."""
    import jupytext

    notebook = jupytext.read(path)
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }  # fmt: skip
    return notebook


def main(sources: str, student_dir: str, instructor_dir: str) -> None:
    import nbformat

    for folder in (student_dir, instructor_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(sources).glob("*.py")):
        notebook = read_source(path)
        nbformat.write(notebook, Path(instructor_dir) / f"{path.stem}.ipynb")
        nbformat.write(student(notebook), Path(student_dir) / f"{path.stem}.ipynb")
        n = sum(is_solution(c) for c in notebook.cells)
        if n:
            print(f"{path.stem}: {n} exercise{'s' * (n != 1)} left as stubs")
    print(f"student edition: {student_dir}/   instructor edition: {instructor_dir}/")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
