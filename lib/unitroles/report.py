"""Claims and verdicts: how a notebook states a paper's claim and what its own run shows.

Every verdict is computed from the run that displays it: a notebook passes the evidence and the
rule, never a typed-in answer. Each claim names its *core* checks, the paper's central statement.
Every check passes: *holds*; every core check but not every other: *partly holds*; a core check
fails: *does not hold*. A check can also be *undecided*: its evidence does not settle it (the
seeds split, :func:`seed_vote`, or a measured share's interval straddles its threshold,
:func:`share_check`). A claim with an undecided core check and no failed one is *undecided*:
its verdict would turn on luck (one seed's model, which differs from CPU to CPU). A run
whose data cannot support a claim's test (e.g. models so weak that every unit hurts the same
class) says so: *not measured*, with the reason, and no check outcome. A single check that no
side could pass on this run (e.g. no unit and no random direction drops any class by more than
the line) is *not informative* (:data:`NOT_INFORMATIVE`, :func:`informative`): the card shows it
as such, and it counts neither as passed nor failed.
Identity, setup and illustration claims are shown apart and not counted as evidence.
:func:`claim` glues the verdict and its evidence (myst-nb ``glue``) so the prose and, later, the
scorecard read the same numbers, and displays the claim card on the page.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .tables import table  # noqa: F401  (pages call report.table)

HOLDS, PARTLY, FAILS = "holds", "partly holds", "does not hold"
UNDECIDED = "undecided"  # a core check is undecided (seeds split, interval on the line), none fails
UNMEASURED = "not measured"  # the run's data cannot support the claim's test; the card says why
# common text fonts have these; not all have emoji
MARKS = {HOLDS: "✓", PARTLY: "◐", UNDECIDED: "?", FAILS: "✗", UNMEASURED: "–"}
# A check's outcome when no side could pass it on this run: neither passed nor failed.
NOT_INFORMATIVE = "not informative"
# a check's outcome as the card shows it: passed, failed, undecided (None), not informative
CHECK_MARKS = {True: "✓", False: "✗", None: "?", NOT_INFORMATIVE: "○ not informative"}

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

# What a claim is; the text says so on its card. Only evidence counts in the totals.
KINDS = {
    "evidence": None,
    "identity": "identity — holds by definition; not counted as evidence",
    "setup": "setup — the recipe is built to satisfy it; not counted as evidence",
    "illustration": "illustration — shows examples of the effect; not counted as evidence",
}


@dataclass(frozen=True)
class Claim:
    """A paper's claim, its figures and ours, and the verdict our run gives it.

    ``checks`` lists every check as ``{"name", "passed", "core"}`` in the order the page gave
    them, ``passed`` being ``True``, ``False``, ``None`` (undecided) or :data:`NOT_INFORMATIVE`;
    ``passed`` of ``total`` informative checks passed and ``undecided`` were undecided;
    ``uninformative`` more were not informative (not in ``total``). ``kind`` is ``"evidence"`` (a
    statement our run can confirm or not), ``"identity"`` (holds by definition), ``"setup"`` (a
    recipe is built to satisfy it) or ``"illustration"`` (examples of an effect); only evidence
    counts in :func:`tally`.
    """

    id: str
    statement: str
    paper: str
    ours: str
    verdict: str
    checks: list[dict]
    passed: int
    total: int
    kind: str = "evidence"
    profile: str = "book"
    why: str = ""  # why the claim is not measured (verdict UNMEASURED); empty otherwise
    undecided: int = 0  # checks whose evidence did not settle them
    uninformative: int = 0  # checks no side could pass on this run; not in total

    def count(self) -> str:
        """``"3/5 checks passed"``, with ``", 1 undecided"`` and ``", 1 not informative"`` when
        some are."""
        return f"{self.passed}/{self.total} checks passed" + self._others()

    def score(self) -> str:
        """The scorecard's column: :meth:`count` without "checks passed": ``"3/5, 1 undecided"``."""
        return f"{self.passed}/{self.total}" + self._others()

    def _others(self) -> str:
        text = f", {self.undecided} undecided" if self.undecided else ""
        return text + (f", {self.uninformative} {NOT_INFORMATIVE}" if self.uninformative else "")

    def markdown(self) -> str:
        """The claim card: the claim, a table of figures and verdict, then a table of checks."""
        rows = [("Paper", self.paper), ("This run", self.ours)]
        if KINDS[self.kind]:
            rows.append(("Kind", KINDS[self.kind]))
        if self.verdict == UNMEASURED:
            outcome = f"{MARKS[self.verdict]} **{self.verdict}**: {self.why}"
        else:
            outcome = f"{MARKS[self.verdict]} **{self.verdict}** · {self.count()}"
        rows.append(("Verdict", outcome))
        summary = "| | |\n|---|---|\n" + "".join(f"| {k} | {cell(v)} |\n" for k, v in rows)
        checks = "| check | core | passed |\n|---|:---:|:---:|\n" + "".join(
            f"| {cell(c['name'])} | {'**core**' if c['core'] else ''} | {self.mark(c)} |\n"
            for c in self.checks
        )
        note = (
            "\n*Smoke profile: tiny data and one-epoch models; this verdict is not evidence.*"
            if self.profile == "smoke"
            else ""
        )
        return f"**Claim {self.id}.** {self.statement}\n\n{summary}\n{checks}{note}".rstrip()

    def mark(self, check: dict) -> str:
        """How the card shows one check's outcome; ``–`` for the checks of a claim whose test
        could not be made (not measured)."""
        if self.verdict == UNMEASURED and not self.uninformative:  # the test was not made
            return "–"
        return CHECK_MARKS[check["passed"]]


def informative(passed: bool | None, possible: bool) -> bool | str | None:
    """A check's outcome, or :data:`NOT_INFORMATIVE` when no side could pass it on this run
    (``possible`` false: e.g. neither the units nor any random direction drops a class by more
    than the line, so "units above random" says nothing either way)."""
    return passed if possible else NOT_INFORMATIVE


def cell(text) -> str:
    """``text`` made safe for one cell of a GitHub-flavoured Markdown table.

    A ``|`` would end the cell and a line break the row: pipes are escaped (``\\|``, which the
    table parser turns back into ``|`` whatever follows) and line breaks become spaces.
    """
    return " ".join(str(text).replace("|", "\\|").splitlines())


def verdict(checks: dict[str, bool | str | None], core: Collection[str]) -> str:
    """Every check passes: holds; every core check, not every other: partly holds; a core check
    fails: does not hold; otherwise (a core check undecided, none failed): undecided.

    ``checks`` maps names to ``True`` (passed), ``False`` (failed), ``None`` (undecided: the
    evidence does not settle it) or :data:`NOT_INFORMATIVE` (no side could pass it: left out);
    ``core`` names the checks that state the paper's central claim (see :func:`claim`). A failed
    core check outweighs an undecided one: the claim fails. When no core check is informative
    the claim is *not measured*.
    """
    if not checks:
        raise ValueError("a verdict needs at least one check")
    if not core:
        raise ValueError("a verdict needs at least one core check")
    checks = {name: ok for name, ok in checks.items() if not _uninformative(ok)}
    core = [name for name in core if name in checks]
    if not core:
        return UNMEASURED
    if all(ok is True for ok in checks.values()):
        return HOLDS
    if any(checks[name] is False for name in core):
        return FAILS
    return PARTLY if all(checks[name] is True for name in core) else UNDECIDED


def _uninformative(passed) -> bool:
    return isinstance(passed, str) and passed == NOT_INFORMATIVE


def evaluate(
    id: str,
    statement: str,
    *,
    paper: str,
    ours: str,
    checks: dict[str, bool | str | None],
    core: Sequence[str] | None,
    kind: str = "evidence",
    profile: str = "book",
    unmeasured: str | None = None,
) -> Claim:
    """The :class:`Claim` that ``checks`` give; :func:`claim` without glue or display.

    ``core`` names (keys of ``checks``) the core checks: those stating the paper's central
    claim. Evidence must name at least one. An identity or setup claim may leave it ``None``:
    then every check is core, so it holds or it does not.

    ``unmeasured``: why this run's data cannot support the test (``None``: it can). The verdict
    is then *not measured*, whatever ``checks`` hold: their outcomes are not shown and none
    counts as passed. A check whose outcome is :data:`NOT_INFORMATIVE` counts neither way; when
    every core check is, the claim is not measured and says so.
    """
    if kind not in KINDS:
        raise ValueError(f"claim {id}: kind {kind!r} is none of {', '.join(KINDS)}")
    if isinstance(core, str):
        raise ValueError(f"claim {id}: core is a list of check names; write core=[{core!r}]")
    if core is None and kind == "evidence":
        raise ValueError(
            f"claim {id}: evidence names its core check(s), the paper's central statement: "
            "core=[...] with names from checks"
        )
    core = list(checks) if core is None else list(core)
    unknown = [name for name in core if name not in checks]
    if unknown:
        raise ValueError(
            f"claim {id}: core names checks it does not have: {unknown}; its checks are "
            f"{list(checks)}"
        )
    if not core:
        raise ValueError(f"claim {id}: core names no check; name at least one of {list(checks)}")
    if unmeasured is not None:
        if not str(unmeasured).strip():
            raise ValueError(
                f"claim {id}: unmeasured says why the test cannot be made; it is empty"
            )
        listed = [{"name": n, "passed": None, "core": n in core} for n in checks]
        return Claim(
            id, statement, paper, ours, verdict=UNMEASURED, checks=listed, passed=0,
            total=len(checks), kind=kind, profile=profile, why=str(unmeasured),
        )  # fmt: skip
    # numpy bools are not JSON; None (undecided) and NOT_INFORMATIVE stay as they are
    checks = {
        name: NOT_INFORMATIVE if _uninformative(ok) else None if ok is None else bool(ok)
        for name, ok in checks.items()
    }
    listed = [{"name": n, "passed": ok, "core": n in core} for n, ok in checks.items()]
    outcomes = [ok for ok in checks.values() if ok != NOT_INFORMATIVE]
    result = verdict(checks, core)
    why = ""
    if result == UNMEASURED:
        why = "no core check is informative on this run (no side could pass it): " + "; ".join(core)
    return Claim(
        id, statement, paper, ours, verdict=result, checks=listed,
        passed=outcomes.count(True), total=len(outcomes), kind=kind, profile=profile, why=why,
        undecided=outcomes.count(None), uninformative=len(checks) - len(outcomes),
    )  # fmt: skip


def claim(
    id: str,
    statement: str,
    *,
    paper: str,
    ours: str,
    checks: dict[str, bool | str | None],
    core: Sequence[str] | None,
    kind: str = "evidence",
    profile: str = "book",
    unmeasured: str | None = None,
) -> Claim:
    """Evaluate ``checks`` (name -> passed) into a verdict, glue it, display its card on the
    page and return the :class:`Claim` (which a notebook does not display a second time).

    The card is displayed here, whatever else the cell does: a card returned as a cell's last
    value vanished from the page as soon as another call followed it in the cell.

    Verdict: every check passes: *holds*; every ``core`` check passes, some other does not:
    *partly holds*; a core check fails: *does not hold*; a core check is undecided (``None``: the
    seeds split, :func:`seed_vote`, or an interval straddles the line, :func:`share_check`) and
    none fails: *undecided*. ``kind`` is ``"evidence"``,
    ``"identity"`` (holds by definition), ``"setup"`` (a recipe is built to satisfy it) or
    ``"illustration"`` (examples of an effect, not a test of it); see :func:`evaluate` for
    ``core``. A check's outcome may be :data:`NOT_INFORMATIVE` (:func:`informative`). The card
    lists every check with its outcome, core checks marked, and ``k/n checks passed``.
    ``unmeasured`` (why the run cannot make the test) makes the verdict *not measured*; see
    :func:`evaluate`.
    """
    result = evaluate(
        id, statement, paper=paper, ours=ours, checks=checks, core=core, kind=kind,
        profile=profile, unmeasured=unmeasured,
    )  # fmt: skip
    _glue(f"verdict_{id}", result.verdict)
    _glue(f"claim_{id}", json.dumps(asdict(result)))
    EVALUATED[id] = result
    from IPython.display import Markdown, display

    display(Markdown(result.markdown()))
    return _Shown(**asdict(result))


class _Shown(Claim):
    """A claim whose card :func:`claim` displayed: as a cell's last value it shows nothing."""

    def _ipython_display_(self) -> None:
        pass


# The claims :func:`claim` evaluated in this process, by id: a page's takeaway reads its verdict.
EVALUATED: dict[str, Claim] = {}


def tally(claims: Iterable[Claim]) -> dict[str, int]:
    """How many evidence claims hold, partly hold, are undecided, do not hold and were not
    measured (verdict -> count, every verdict of :data:`MARKS`).

    Identity, setup and illustration claims are not evidence: they are not counted.
    """
    counts = dict.fromkeys(MARKS, 0)
    for c in claims:
        if c.kind == "evidence":
            counts[c.verdict] += 1
    return counts


def in_words(counts: dict[str, int]) -> str:
    """Verdict counts (:func:`tally`) as words for prose: ``"2 hold, 3 partly hold, 1 is
    undecided and 4 do not hold"``; undecided and not measured only when there are any."""
    phrases = {
        HOLDS: ("holds", "hold"),
        PARTLY: ("partly holds", "partly hold"),
        UNDECIDED: ("is undecided", "are undecided"),
        FAILS: ("does not hold", "do not hold"),
        UNMEASURED: ("could not be measured", "could not be measured"),
    }
    parts = [
        f"{counts.get(v, 0)} {phrases[v][counts.get(v, 0) != 1]}"
        for v in phrases
        if counts.get(v, 0) or v in (HOLDS, PARTLY, FAILS)
    ]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# --- seeds: a check on a quantity of one trained model is evaluated on several seeds -------


def seed_vote(passes: Sequence[bool]) -> bool | None:
    """A check evaluated on several seeds: passed (``True``), failed (``False``) or undecided
    (``None``), by a majority that one seed cannot overturn.

    Training the same recipe on another CPU rounds differently and gives, in effect, another draw
    of each seed's model, so a verdict that one seed can flip would differ from machine to
    machine. With three seeds or more the check passes when it would still pass on a majority
    (strictly more than half) if any one passing seed had failed, fails when it would still fail
    if any one failing seed had passed, and is undecided otherwise: of 5 seeds, 4 or 5 pass,
    0 or 1 fail, 2 or 3 are undecided; of 3 seeds, only 3 of 3 pass and 0 of 3 fail. With one or
    two seeds (one checkpoint in the paper profile) the seeds must agree: one seed's outcome is
    the check's, and 1 of 2 is undecided.
    """
    n = len(passes)
    if n == 0:
        raise ValueError("a vote of no seeds: evaluate the check on at least one seed")
    k = sum(bool(p) for p in passes)
    if n < 3:
        return True if k == n else False if k == 0 else None
    if 2 * (k - 1) > n:
        return True
    if 2 * (k + 1) < n:
        return False
    return None


def outcome(passed: bool | str | None) -> str:
    """A check's outcome in words: ``"passed"``, ``"failed"``, ``"undecided"`` or ``"not
    informative"``."""
    if _uninformative(passed):
        return NOT_INFORMATIVE
    return {True: "passed", False: "failed", None: "undecided"}[passed]


def share_interval(hits: int, n: int, *, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a share measured as ``hits`` of ``n`` trials (95% for
    ``z = 1.96``), as fractions: the binomial uncertainty of, say, an accuracy over ``n`` points.
    """
    if n <= 0 or not 0 <= hits <= n:
        raise ValueError(f"a share of {hits} in {n} trials: need 0 <= hits <= n and n > 0")
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def share_check(hits: int, n: int, at_least: float, *, z: float = 1.96) -> bool | None:
    """Whether a share measured as ``hits`` of ``n`` trials reaches ``at_least``: ``True`` when
    its Wilson interval (:func:`share_interval`) lies at or above it, ``False`` when it lies
    wholly below, ``None`` (undecided) when it straddles it.

    For a measured share (an accuracy over a hundred points) that another CPU's models would
    move by a few points: within its binomial uncertainty of the threshold, the check is not
    decided either way.
    """
    lo, hi = share_interval(hits, n, z=z)
    if lo >= at_least:
        return True
    if hi < at_least:
        return False
    return None


def on_seeds(passes: Sequence[bool], seeds: Sequence | None = None) -> str:
    """On how many seeds a check passed, for its name: ``"on 3 of 5 seeds"``.

    With ``seeds`` (one label per entry of ``passes``) the passing ones are named too:
    ``"on 3 of 5 seeds (0, 1, 4)"``.
    """
    if len(passes) == 0:
        raise ValueError("a check on no seeds: evaluate it on at least one seed")
    k, n = sum(bool(p) for p in passes), len(passes)
    text = f"on {k} of {n} seed{'s' if n != 1 else ''}"
    if seeds is None:
        return text
    if len(seeds) != n:
        raise ValueError(f"{n} outcomes but {len(seeds)} seeds")
    return text + f" ({', '.join(str(s) for s, p in zip(seeds, passes) if p) or 'none'})"


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


def claims_in(folder: str | os.PathLike) -> list[Claim]:
    """Every claim the executed notebooks in ``folder`` evaluated, in CLAIMS order.

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
                found[name.removeprefix("claim_")] = Claim(**record)
    rank = {id: k for k, id in enumerate(CLAIMS)}
    return sorted(found.values(), key=lambda c: rank.get(c.id, len(rank)))


def missing_claims(claims: list[Claim]) -> list[str]:
    """The ids of :data:`CLAIMS` that ``claims`` does not cover."""
    have = {c.id for c in claims}
    return [id for id in CLAIMS if id not in have]


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
    claim: str | Claim | None = None,
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

    ``claim``: the id of a claim this page evaluated with :func:`claim` (or the :class:`Claim`):
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
        agree = {HOLDS: True, FAILS: False}.get(found.verdict)
    lines = []
    if paper:
        lines.append(f"**The paper:** {paper}")
    lines.append(f"**This run:** {ours}")
    if found is not None and found.verdict == UNMEASURED:
        lines.append(
            f"**Verdict on claim {found.id}:** {MARKS[found.verdict]} {found.verdict}: {found.why}"
        )
    elif found is not None:
        undecided = f", {found.undecided} undecided" if found.undecided else ""
        if found.uninformative:
            undecided += f", {found.uninformative} {NOT_INFORMATIVE}"
        lines.append(
            f"**Verdict on claim {found.id}:** {MARKS[found.verdict]} {found.verdict} "
            f"({found.passed} of {found.total} checks passed{undecided}; the claim card below "
            "lists them)."
        )
    if agree is False:
        lines.append("**Our run disagrees with the paper here**; the page says why it may.")
    elif agree is True and paper:
        lines.append("**Our run agrees with the paper.**")
    elif found is not None and found.verdict == PARTLY:
        lines.append(
            "**Our run bears out the paper's central statement, not every detail of it**; the "
            "checks that failed are on the card."
        )
    elif found is not None and found.verdict == UNDECIDED:
        lines.append(
            "**Our run does not settle the paper's central statement**: a core check is "
            "undecided (its seeds split, or its measurement lies within its uncertainty of the "
            "threshold), so luck that another CPU's rounding can change would decide it."
        )
    if found is not None and found.profile == "smoke":
        lines.append("*Smoke profile: tiny data and one-epoch models; these numbers mean nothing.*")
    if note:
        lines.append(note)
    unmeasured = found is not None and found.verdict == UNMEASURED
    undecided = found is not None and found.verdict == UNDECIDED and agree is None
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
