"""What a page shows of its claims, and reading executed pages back.

This module owns the display: the claim card (:func:`card`), shown and glued (myst-nb ``glue``)
by :func:`claim` so the prose and, later, the scorecard read the same numbers; the *Takeaway*
(:func:`takeaway`); :func:`glue`; a claim judged by a page module and shown in one call
(:class:`Judged`); and reading executed notebooks back (:func:`glued`,
:func:`claims_in`, :func:`runs_in`) for the scorecard and the status page. The claims and the
rules that judge them (the registry, verdicts, seed votes, shares) are
:mod:`unitroles.verdicts`; tables are :mod:`unitroles.tables` (``report.table``).
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import claim_history, verdicts
from .tables import table  # noqa: F401  (pages call report.table)

# a check's outcome as the card shows it: passed, failed, undecided (None), not informative
CHECK_MARKS = {True: "✓", False: "✗", None: "?", verdicts.NOT_INFORMATIVE: "○ not informative"}


def card(claim: verdicts.Claim) -> str:
    """The claim card (Markdown): the claim, a table of figures and verdict, then a table of
    checks, core checks marked."""
    c = claim
    rows = [("Paper", c.paper), ("This run", c.ours)]
    if verdicts.KINDS[c.kind]:
        rows.append(("Kind", verdicts.KINDS[c.kind]))
    if c.verdict == verdicts.UNMEASURED:
        outcome = f"{verdicts.MARKS[c.verdict]} **{c.verdict}**: {c.why}"
    else:
        outcome = f"{verdicts.MARKS[c.verdict]} **{c.verdict}** · {c.count()}"
    rows.append(("Verdict", outcome))
    summary = "| | |\n|---|---|\n" + "".join(f"| {k} | {cell(v)} |\n" for k, v in rows)
    checks = "| check | core | passed |\n|---|:---:|:---:|\n" + "".join(
        f"| {cell(check['name'])} | {'**core**' if check['core'] else ''} | {_mark(c, check)} |\n"
        for check in c.checks
    )
    note = (
        "\n*Smoke profile: tiny data and one-epoch models; this verdict is not evidence.*"
        if c.profile == "smoke"
        else ""
    )
    return f"**Claim {c.id}.** {c.statement}\n\n{summary}\n{checks}{note}".rstrip()


def _mark(claim: verdicts.Claim, check: dict) -> str:
    """How the card shows one check's outcome; ``–`` for the checks of a claim whose test could
    not be made (not measured)."""
    if claim.verdict == verdicts.UNMEASURED and not claim.uninformative:  # the test was not made
        return "–"
    return CHECK_MARKS[check["passed"]]


def cell(text) -> str:
    """``text`` made safe for one cell of a GitHub-flavoured Markdown table.

    A ``|`` would end the cell and a line break the row: pipes are escaped (``\\|``, which the
    table parser turns back into ``|`` whatever follows) and line breaks become spaces.
    """
    return " ".join(str(text).replace("|", "\\|").splitlines())


def claim(
    id: str,
    statement: str | None = None,
    *,
    paper: str | None = None,
    ours: str,
    checks: dict[str, bool | str | None],
    core: Sequence[str] | None = None,
    kind: str | None = None,
    profile: str = "book",
    unmeasured: str | None = None,
) -> verdicts.Claim:
    """Evaluate ``checks`` (name -> passed) into a verdict, glue it, display its card on the
    page and return the :class:`~unitroles.verdicts.Claim` (which a notebook does not display a
    second time).

    A page passes its run's figures (``ours``), its checks and the names of its core checks;
    the statement, the paper's figures, the kind and any fixed core checks come from
    :data:`unitroles.verdicts.CLAIMS`. The rules and every argument:
    :func:`unitroles.verdicts.evaluate`.

    The card (:func:`card`) is displayed here, whatever else the cell does: a card returned as a
    cell's last value vanished from the page as soon as another call followed it in the cell.
    It lists every check with its outcome, core checks marked, and ``k/n checks passed``.
    """
    result = verdicts.evaluate(
        id, statement, paper=paper, ours=ours, checks=checks, core=core, kind=kind,
        profile=profile, unmeasured=unmeasured,
    )  # fmt: skip
    _glue(f"verdict_{id}", result.verdict)
    _glue(f"claim_{id}", json.dumps(asdict(result)))
    EVALUATED[id] = result
    from IPython.display import Markdown, display

    display(Markdown(card(result)))
    return _Shown(**asdict(result))


class _Shown(verdicts.Claim):
    """A claim whose card :func:`claim` displayed: as a cell's last value it shows nothing."""

    def _ipython_display_(self) -> None:
        pass


# The claims :func:`claim` evaluated in this process, by id: a page's takeaway reads its verdict.
EVALUATED: dict[str, verdicts.Claim] = {}


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


def executed_notebooks(folder: str | os.PathLike) -> list[Path]:
    """The executed notebooks of ``folder``, in name order; hidden files (a run's
    ``.<page>.<id>.partial.ipynb``, still being written) are not results."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("."))


def read_executed(path: str | os.PathLike):
    """An executed notebook read with ``nbformat``; one that does not read (truncated by a full
    disk or a killed copy, not JSON, not a notebook) is a ``ValueError`` naming it and saying how
    to execute it again."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        reason = (str(err).splitlines() or [type(err).__name__])[0][:200]
        raise ValueError(
            f"executed notebook {path} does not read ({reason}); it is truncated or damaged: "
            "delete it and execute its page again (`make notebooks`, or python -m "
            "unitroles.execute with the page's source)"
        ) from err


def glued(notebook) -> dict:
    """The values a notebook glued (``name -> value``), read from its saved outputs.

    ``notebook`` is a path or an ``nbformat`` notebook. Values glued as strings come back as
    strings; others as the Python literal of their ``text/plain`` form where it parses.
    """
    if isinstance(notebook, (str, os.PathLike)):
        notebook = read_executed(notebook)
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


def claims_in(folder: str | os.PathLike) -> list[verdicts.Claim]:
    """Every claim the executed notebooks in ``folder`` evaluated, in the order of
    :data:`unitroles.verdicts.CLAIMS`.

    A claim no notebook in ``folder`` evaluated is absent; see :func:`missing_claims`.

    A claim glued before claims named their core checks (no ``kind`` or ``checks``) raises
    ``ValueError`` rather than being read with guessed fields: its verdict followed the old rule
    ("partly holds" when any check passed), which the card and the counts would then show as if
    it were today's. Its notebook has to run again, which ``make`` does since ``lib`` changed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no executed notebooks in {folder}; run `make notebooks` (or `make book`) first"
        )
    found = {}
    for path in executed_notebooks(folder):
        for name, value in glued(path).items():
            if name.startswith("claim_"):
                record = json.loads(value)
                if not {"kind", "checks"} <= record.keys():
                    raise ValueError(
                        f"{path}: claim {record.get('id')} was recorded before verdicts named "
                        "their core checks, so its verdict follows the old rule; execute its "
                        "notebook again (`make notebooks` or `make book`)"
                    )
                found[name.removeprefix("claim_")] = verdicts.Claim(**record)
    rank = {id: k for k, id in enumerate(verdicts.CLAIMS)}
    return sorted(found.values(), key=lambda c: rank.get(c.id, len(rank)))


def missing_claims(claims: list[verdicts.Claim]) -> list[str]:
    """The ids of :data:`unitroles.verdicts.CLAIMS` that ``claims`` does not cover."""
    have = {c.id for c in claims}
    return [id for id in verdicts.CLAIMS if id not in have]


def runs_in(folder: str | os.PathLike) -> list[dict]:
    """What :mod:`unitroles.execute` recorded of each executed notebook in ``folder``."""
    runs = []
    for path in executed_notebooks(folder):
        record = read_executed(path).metadata.get("unitroles")
        if record:
            runs.append({"notebook": path.stem, **record})
    return runs


# --- Reading aids: takeaways (tables: unitroles.tables, re-exported here as report.table) ---


class _Quiet(str):
    """A string that a notebook does not display when it is a cell's last value: the takeaway
    shows once, at the top of the page, where its glue is placed."""

    def _ipython_display_(self) -> None:
        pass


def takeaway(
    ours: str,
    *,
    paper: str | None = None,
    agree: bool | None = None,
    name: str = "takeaway",
    note: str | None = None,
    claim: str | verdicts.Claim | None = None,
) -> str:
    """Glue a *Takeaway* admonition (MyST Markdown) for the top of the page; returns its text.

    ``paper``: what the paper says; ``ours``: what this run shows, written from the run's own
    numbers (f-strings of computed values, so it cannot drift); ``agree``: whether the run bears
    the paper out (``False`` says so plainly, ``None`` for a page that tests no claim); ``note``:
    one more sentence (a caveat). Show it with a Markdown cell at the top of the page:

        ```{glue:md} takeaway
        :format: myst
        ```

    (glue resolves names from anywhere in the notebook, so the cell can sit above the code that
    computes it).

    ``claim``: the id of a claim this page evaluated with :func:`claim` (or its ``Claim``):
    its computed verdict then says whether the run agrees (*holds*: agrees; *partly holds*: the
    central statement holds, not every detail; *undecided*: the run does not settle it;
    *does not hold*: disagrees), unless ``agree`` is
    given, and the takeaway names the verdict and its count of checks.
    """
    found = EVALUATED.get(claim) if isinstance(claim, str) else claim
    if isinstance(claim, str) and found is None:
        raise ValueError(
            f"takeaway: no claim {claim!r} was evaluated in this run; call report.claim first "
            f"(evaluated: {', '.join(EVALUATED) or 'none'})"
        )
    if found is not None and agree is None:
        agree = {verdicts.HOLDS: True, verdicts.FAILS: False}.get(found.verdict)
    lines = []
    if paper:
        lines.append(f"**The paper:** {paper}")
    lines.append(f"**This run:** {ours}")
    if found is not None and found.verdict == verdicts.UNMEASURED:
        lines.append(
            f"**Verdict on claim {found.id}:** {verdicts.MARKS[found.verdict]} {found.verdict}: "
            f"{found.why}"
        )
    elif found is not None:
        undecided = f", {found.undecided} undecided" if found.undecided else ""
        if found.uninformative:
            undecided += f", {found.uninformative} {verdicts.NOT_INFORMATIVE}"
        lines.append(
            f"**Verdict on claim {found.id}:** {verdicts.MARKS[found.verdict]} {found.verdict} "
            f"({found.passed} of {found.total} checks passed{undecided}; the claim card below "
            "lists them)."
        )
    if agree is False:
        lines.append("**Our run disagrees with the paper here**; the page says why it may.")
    elif agree is True and paper:
        lines.append("**Our run agrees with the paper.**")
    elif found is not None and found.verdict == verdicts.PARTLY:
        lines.append(
            "**Our run bears out the paper's central statement, not every detail of it**; the "
            "checks that failed are on the card."
        )
    elif found is not None and found.verdict == verdicts.UNDECIDED:
        lines.append(
            "**Our run does not settle the paper's central statement**: a core check is "
            "undecided (its seeds split, or its measurement lies within its uncertainty of the "
            "threshold), so luck that another CPU's rounding can change would decide it."
        )
    if found is not None and found.profile == "smoke":
        lines.append("*Smoke profile: tiny data and one-epoch models; these numbers mean nothing.*")
    if note:
        lines.append(note)
    unmeasured = found is not None and found.verdict == verdicts.UNMEASURED
    undecided = found is not None and found.verdict == verdicts.UNDECIDED and agree is None
    kind = "warning" if agree is False or unmeasured else "note" if undecided else "tip"
    text = _Quiet(
        f":::{{admonition}} Takeaway\n:class: {kind}\n\n" + "\n\n".join(lines) + "\n:::\n"
    )
    try:
        from IPython.display import Markdown
        from myst_nb import glue as nb_glue
    except ImportError:
        return text
    nb_glue(name, Markdown(text), display=False)
    return text


@dataclass
class Judged:
    """A claim judged seed by seed by a page's module: what the page's claim cell shows.

    ``checks`` and ``core`` as :func:`claim` takes them (:func:`unitroles.study.seed_checks`),
    ``ours`` the card's *This run*, ``takeaway`` the takeaway's *This run*, ``glue`` the numbers
    the page's prose cites, and ``changes`` every check's vote over the seeds, old and new, for
    :func:`check_changes` (empty on a page whose checks were not rewritten), ``unmeasured`` why
    the run could not test the claim at all (:func:`claim`), ``note`` the takeaway's caveat.
    :meth:`show` puts it on the page.
    """

    checks: dict[str, bool | None]
    core: list[str]
    ours: str
    takeaway: str
    glue: dict
    changes: dict[str, bool | None] = field(default_factory=dict)
    unmeasured: str | None = None
    note: str | None = None

    def show(self, id: str, *, paper: str, profile: str) -> verdicts.Claim:
        """Glue the numbers, show the claim card of claim ``id`` and, if its checks were
        rewritten, the old checks beside the new (:func:`check_changes`); glue the takeaway with
        ``paper``'s statement. Returns the evaluated claim."""
        glue(self.glue)
        result = claim(
            id, ours=self.ours, checks=self.checks, core=self.core, profile=profile,
            unmeasured=self.unmeasured,
        )  # fmt: skip
        if self.changes:
            check_changes(id, self.changes)
        takeaway(self.takeaway, paper=paper, claim=id, note=self.note)
        return result


def check_changes(id: str, outcomes: dict, *, caption: str | None = None) -> None:
    """Display the table a page shows for its rewritten checks (:mod:`unitroles.claim_history`):
    each old check beside the new one, with the outcome each has on this run and why the check
    changed, so that a reader sees that the rule was written from the paper, not fitted to the
    result. ``outcomes`` maps check names (as :class:`~unitroles.claim_history.CheckChange`
    names them) to ``True`` / ``False`` / ``None`` (undecided) / ``"not informative"``; a name
    the run did not evaluate shows as "not evaluated"."""
    import pandas as pd

    def shown(name: str, core: bool) -> tuple[str, str]:
        result = verdicts.outcome(outcomes[name]) if name in outcomes else "not evaluated"
        return name + (" (core)" if core else ""), result

    rows = []
    for change in claim_history.CHECK_CHANGES[id]:
        old, old_result = shown(change.old, change.old_core)
        new, new_result = shown(change.new, change.new_core)
        rows.append({"old check": old, "old: outcome": old_result, "new check": new,
                     "new: outcome": new_result, "why it changed": change.why})  # fmt: skip
    from IPython.display import display

    wrap = ["old check", "new check", "why it changed"]
    display(table(pd.DataFrame(rows), index=False, caption=caption, wrap=wrap))
