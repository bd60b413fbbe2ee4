"""Claims and verdicts: how a notebook states a paper's claim and what its own run shows.

Every verdict is computed from the run that displays it: a notebook passes the evidence and the
rule, never a typed-in answer. :func:`claim` glues the verdict and its evidence (myst-nb
``glue``) so the prose and, later, the scorecard read the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

HOLDS, PARTLY, FAILS = "holds", "partly holds", "does not hold"


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
        mark = {HOLDS: "✅", PARTLY: "🟡", FAILS: "❌"}[self.verdict]
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
    try:
        from myst_nb import glue as nb_glue
    except ImportError:  # outside a book build environment: nothing to glue into
        return
    nb_glue(name, value, display=False)
