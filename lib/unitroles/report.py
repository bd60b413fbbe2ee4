"""Claims and verdicts: how a notebook states a paper's claim and what its own run shows.

Every verdict is computed from the run that displays it: a notebook passes the evidence and the
rule, never a typed-in answer. :func:`claim` glues the verdict and its evidence (myst-nb
``glue``) so the prose and, later, the scorecard read the same numbers.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

HOLDS, PARTLY, FAILS = "holds", "partly holds", "does not hold"
MARKS = {HOLDS: "✓", PARTLY: "◐", FAILS: "✗"}  # common text fonts have these; not all have emoji

# Every claim of the two papers (CLAIMS.md), in paper order: id -> (paper, where, notebook).
CLAIMS = {
    "Z1": ("Zhou et al. 2018", "Fig. 1", "zhou2018_fig1_concept_unit"),
    "Z2": ("Zhou et al. 2018", "Fig. 2", "zhou2018_fig2_unit_gallery"),
    "Z3": ("Zhou et al. 2018", "Fig. 3", "zhou2018_fig3_layer_curves"),
    "Z4": ("Zhou et al. 2018", "Fig. 4", "zhou2018_fig4_greedy"),
    "Z5": ("Zhou et al. 2018", "Fig. 5", "zhou2018_fig5_attribute_correlations"),
    "Z6": ("Zhou et al. 2018", "Table 1", "zhou2018_table1_predict_class"),
    "Z7": ("Zhou et al. 2018", "Fig. 6", "zhou2018_fig6_prediction_examples"),
    "Z8": ("Zhou et al. 2018", "Fig. 7", "zhou2018_fig7_random_directions"),
    "Z9": ("Zhou et al. 2018", "Fig. 8", "zhou2018_fig8_regularizers"),
    "Z10": ("Zhou et al. 2018", "Fig. 9", "zhou2018_fig9_dissection_dropout"),
    "R1": ("Zhao et al. 2023", "Fig. 1", "zhao2023_fig1_rof_curve"),
    "R2": ("Zhao et al. 2023", "Fig. 2", "zhao2023_fig2_taxonomy"),
    "R3": ("Zhao et al. 2023", "Table 1", "zhao2023_table1_generalization"),
    "R4": ("Zhao et al. 2023", "Fig. 3", "zhao2023_fig3_models"),
    "R5": ("Zhao et al. 2023", "Table 2", "zhao2023_table2_role_proportions"),
    "R6": ("Zhao et al. 2023", "Fig. 4", "zhao2023_fig4_role_space"),
    "R7": ("Zhao et al. 2023", "Table 3", "zhao2023_table3_role_shares"),
}


@dataclass(frozen=True)
class Claim:
    """A paper's claim, its figures and ours, and the verdict our run gives it."""

    id: str
    statement: str
    paper: str
    ours: str
    rule: str
    verdict: str
    profile: str = "book"

    def markdown(self) -> str:
        mark = MARKS[self.verdict]
        note = (
            "\n\n*Smoke profile: tiny data and one-epoch models; this verdict is not evidence.*"
            if self.profile == "smoke"
            else ""
        )
        return (
            f"**Claim {self.id}.** {self.statement}\n\n"
            f"| | |\n|---|---|\n| Paper | {self.paper} |\n| This run | {self.ours} |\n"
            f"| Rule | {self.rule} |\n| Verdict | {mark} **{self.verdict}** |{note}"
        )


def verdict(checks: dict[str, bool]) -> str:
    """All checks pass: holds; some: partly holds; none: does not hold."""
    if not checks:
        raise ValueError("a verdict needs at least one check")
    passed = sum(bool(v) for v in checks.values())
    return HOLDS if passed == len(checks) else PARTLY if passed else FAILS


def claim(
    id: str,
    statement: str,
    *,
    paper: str,
    ours: str,
    checks: dict[str, bool],
    profile: str = "book",
):
    """Evaluate ``checks`` (name -> passed) into a verdict, glue it, and return it for display.

    The rule shown on the page lists every check with its outcome.
    """
    rule = "; ".join(f"{name} {'✓' if ok else '✗'}" for name, ok in checks.items())
    result = Claim(id, statement, paper, ours, rule, verdict(checks), profile)
    _glue(f"verdict_{id}", result.verdict)
    _glue(f"claim_{id}", json.dumps(asdict(result)))
    from IPython.display import Markdown

    return Markdown(result.markdown())


def glue(values: dict) -> None:
    """Glue several named values for use in the page's prose (``{glue:text}`name```)."""
    for name, value in values.items():
        _glue(name, value)


def _glue(name: str, value) -> None:
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # show 6, not np.int64(6)
    try:
        from myst_nb import glue as nb_glue
    except ImportError:  # outside a book build environment: nothing to glue into
        return
    nb_glue(name, value, display=False)


# --- reading executed notebooks back: the scorecard and the status page ---------------------


def glued(notebook) -> dict:
    """The values a notebook glued (``name -> value``), read from its saved outputs.

    ``notebook`` is a path or an ``nbformat`` notebook. Values glued as strings come back as
    strings; others as the Python literal of their ``text/plain`` form where it parses.
    """
    import nbformat

    if isinstance(notebook, (str, os.PathLike)):
        notebook = nbformat.read(notebook, as_version=4)
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if not record:
                continue
            text = output.get("data", {}).get(record["mime_prefix"] + "text/plain")
            if text is None:
                continue
            try:
                values[record["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[record["name"]] = text
    return values


def claims_in(folder: str | os.PathLike) -> list[Claim]:
    """Every claim the executed notebooks in ``folder`` evaluated, in CLAIMS order.

    A claim no notebook in ``folder`` evaluated is absent; see :func:`missing_claims`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no executed notebooks in {folder}; run `make notebooks` (or `make book`) first"
        )
    found = {}
    for path in sorted(folder.glob("*.ipynb")):
        for name, value in glued(path).items():
            if name.startswith("claim_"):
                found[name.removeprefix("claim_")] = Claim(**json.loads(value))
    rank = {id: k for k, id in enumerate(CLAIMS)}
    return sorted(found.values(), key=lambda c: rank.get(c.id, len(rank)))


def missing_claims(claims: list[Claim]) -> list[str]:
    """The ids of :data:`CLAIMS` that ``claims`` does not cover."""
    have = {c.id for c in claims}
    return [id for id in CLAIMS if id not in have]


def runs_in(folder: str | os.PathLike) -> list[dict]:
    """What :mod:`unitroles.execute` recorded of each executed notebook in ``folder``."""
    import nbformat

    runs = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        record = nbformat.read(path, as_version=4).metadata.get("unitroles")
        if record:
            runs.append({"notebook": path.stem, **record})
    return runs
