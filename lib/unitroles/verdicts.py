"""The claims and the rules that judge them: what each paper claims and what a run's checks make
of it. Pure rules, no display: :mod:`unitroles.report` shows the card, the takeaway and the glue.

This module owns the registry of claims (:data:`CLAIMS`: paper, figure, page, statement, the
paper's figures, kind, and the core checks where their names are fixed), the :class:`Claim` a
run makes of one, and the rules. Every verdict is computed from the run that displays it: a
page passes the evidence and the rule, never a typed-in answer. Each claim names its *core*
checks, the paper's central statement. Every check passes: *holds*; every core check but not
every other: *partly holds*; a core check fails: *does not hold*. A check can also be
*undecided*: its evidence does not settle it (the seeds split, :func:`seed_vote`, or a measured
share's interval straddles its threshold, :func:`share_check`). A claim with an undecided core
check and no failed one is *undecided*: its verdict would turn on luck (one seed's model, which
differs from CPU to CPU). A run whose data cannot support a claim's test (e.g. models so weak
that every unit hurts the same class) says so: *not measured*, with the reason, and no check
outcome. A single check that no side could pass on this run (e.g. no unit and no random
direction drops any class by more than the line) is *not informative* (:data:`NOT_INFORMATIVE`,
:func:`informative`): it counts neither as passed nor failed. Identity, setup and illustration
claims are shown apart and not counted as evidence (:func:`tally`).

The words a page writes about its seeds live here too: :func:`on_seeds` (on how many a check
passed), :func:`over_seeds` (a value's mean and range over them) and :func:`failed_core`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

HOLDS, PARTLY, FAILS = "holds", "partly holds", "does not hold"
UNDECIDED = "undecided"  # a core check is undecided (seeds split, interval on the line), none fails
UNMEASURED = "not measured"  # the run's data cannot support the claim's test; the card says why
# Every verdict, in the order counts list them, and its mark (common text fonts have these; not
# all have emoji)
MARKS = {HOLDS: "✓", PARTLY: "◐", UNDECIDED: "?", FAILS: "✗", UNMEASURED: "–"}
# A check's outcome when no side could pass it on this run: neither passed nor failed.
NOT_INFORMATIVE = "not informative"

# What a claim is; the card says so. Only evidence counts in the totals.
KINDS = {
    "evidence": None,
    "identity": "identity — holds by definition; not counted as evidence",
    "setup": "setup — the recipe is built to satisfy it; not counted as evidence",
    "illustration": "illustration — shows examples of the effect; not counted as evidence",
}


@dataclass(frozen=True)
class PaperClaim:
    """A claim as the paper makes it, and the page of the book that tests it.

    ``cite``: the paper (``"Zhou et al. 2018"``); ``where``: its figure or table; ``page``: the
    notebook's name; ``statement``: the claim in one sentence; ``paper``: the paper's figures (the
    card's *Paper* row); ``kind``: see :data:`KINDS`; ``core``: the names of the core checks where
    they are fixed text (the page reads them from here), empty where the page computes them from
    its run (a seed count, a layer, an interval).
    """

    cite: str
    where: str
    page: str
    statement: str
    paper: str
    kind: str = "evidence"
    core: tuple[str, ...] = ()


_ZHOU, _ZHAO = "Zhou et al. 2018", "Zhao et al. 2023"
_BEYOND = "Beyond the two papers"  # questions the book asks of them, stated before its runs

# Every claim of the two papers, in paper order. A page's report.claim takes its statement,
# figures, kind and fixed core checks from here.
CLAIMS = {
    "Z1": PaperClaim(
        _ZHOU, "Fig. 1", "zhou2018_fig1_concept_unit",
        "Ablating one concept-selective unit barely moves overall accuracy but drops a few related "
        "classes a lot.",
        "bed unit: overall 50.6% → 50.4%; youth hostel drop 23 pts, bedroom drop 15 pts",
    ),
    "Z2": PaperClaim(
        _ZHOU, "Fig. 2", "zhou2018_fig2_unit_gallery",
        "The most damaged classes match what the unit detects; a few classes gain slightly.",
        "waterfall unit: waterfall drop 50 pts; gains small and unrelated",
    ),
    "Z3": PaperClaim(
        _ZHOU, "Fig. 3", "zhou2018_fig3_layer_curves",
        "Per layer, a unit's overall drop is tiny while its max class drop is large; the min class "
        "drop is slightly negative.",
        "conv5: overall < 1 pt; max class drop up to 50 pts; over half the units > 10 pts",
    ),
    "Z4": PaperClaim(
        _ZHOU, "Fig. 4", "zhou2018_fig4_greedy",
        "Greedy ablation of a class's most informative units destroys it fast; random units do "
        "not.",
        "top 5 units ≈ 28 pts, top 10 > 40 pts; random ≈ 0; class near 0% after 10–15 units",
    ),
    "Z5": PaperClaim(
        _ZHOU, "Fig. 5", "zhou2018_fig5_attribute_correlations",
        "For overall drop, selectivity / correlation / concept IoU correlate negatively with "
        "importance and L1 positively; for max class drop, all attributes correlate with "
        "importance.",
        "Spearman r with p-values, random-value baseline near 0 (signs as in the table)",
    ),
    "Z6": PaperClaim(
        _ZHOU, "Table 1", "zhou2018_table1_predict_class",
        "A logistic regression on attribute vectors predicts the class a unit matters most for, "
        "across network instances (train on 3, test on 2).",
        "concept 38.67%, correlation 38.28%, selectivity 38.08%, ensemble 39.06% "
        "(365 classes; chance 0.27%)",
        core=("every attribute's Cohen's κ is at least 0.25",),
    ),
    "Z7": PaperClaim(
        _ZHOU, "Fig. 6", "zhou2018_fig6_prediction_examples",
        "Examples of the predictions: ground truth and top 3.",
        "qualitative",
        kind="illustration",  # the paper's examples show the effect; Table 1 tests it
        core=("the true class is in the top 3 at least twice as often as chance",),
    ),
    "Z8": PaperClaim(
        _ZHOU, "Fig. 7", "zhou2018_fig7_random_directions",
        "Units carry more class-specific information than random directions (random rotation); "
        "the overall-drop gap is small.",
        "unit curves above random-direction curves at AlexNet conv5 and ResNet18 layer4; the "
        "overall-drop gap is visible only on a 1000× magnified scale",
    ),
    "Z9": PaperClaim(
        _ZHOU, "Fig. 8", "zhou2018_fig8_regularizers",
        "Batch norm and channel dropout lower the max class drop curve; dropout at conv5 raises it "
        "at conv4.",
        "batch norm lowers the curves of conv3–conv5; conv5 dropout lowers conv5 a lot and raises "
        "conv4; the dropout model is 2 pts less accurate than the baseline",
    ),
    "Z10": PaperClaim(
        _ZHOU, "Fig. 9", "zhou2018_fig9_dissection_dropout",
        "Channel dropout reduces the number of interpretable units (network dissection).",
        "histogram per concept; dropout greatly reduces the number of interpretable units",
    ),
    "R1": PaperClaim(
        _ZHAO, "Fig. 1", "zhao2023_fig1_rof_curve",
        "The ROF loss curve falls fast as the first units come on, reaches a minimum after a small "
        "part of the units (the turning point), then rises.",
        "cross-entropy curve of VGG16's last conv layer (Fig. 1B): fast fall, minimum after a "
        "small part of the units, then a steady rise; Table 2, model A: core + overfitted (the "
        "units before the train turning point) 19.2% of the layer, core + generalizing (before "
        "the test turning point) 17.8%",
        core=(
            "train: turning point after a small part (median n0 ≤ 30% of units)",
            "test: turning point after a small part (median n0 ≤ 30% of units)",
            "train: rises after it (n0 < N in ≥ 75% of classes)",
            "test: rises after it (n0 < N in ≥ 75% of classes)",
        ),
    ),
    "R2": PaperClaim(
        _ZHAO, "Fig. 2", "zhao2023_fig2_taxonomy",
        "The four roles partition the layer: core = active on both the training and the test "
        "curve, overfitted = training only, generalizing = test only, confusing = neither.",
        "definitions (3)–(7), drawn as a sketch (Fig. 2)",
        kind="identity",  # the roles are defined so that they partition the layer
        core=("eqs. (3)–(6) partition the layer (7) for every class of every model",),
    ),
    "R3": PaperClaim(
        _ZHAO, "Table 1", "zhao2023_table1_generalization",
        "Five models of one architecture span small to large generalization gaps.",
        "gaps 0.075, 0.130, 0.275, 0.384, 0.604 and test accuracy 0.657 → 0.374 (A → E)",
        kind="setup",
        # the span; the order A → E is how the models are named
        core=("smallest gap < 0.15", "largest gap > 0.45"),
    ),
    "R4": PaperClaim(
        _ZHAO, "Fig. 3", "zhao2023_fig3_models",
        "Well-generalized models have similar train and test ROF curves; poorly generalized ones "
        "diverge.",
        "similar curves for the well-generalized models, large differences for the poorly "
        "generalized ones; model A's core units a small part of the layer (Table 2: 16.1% ± 9%)",
        core=(
            "the shape divergence (each curve minus its end point E(N)) rises with the gap "
            "(Spearman ρ ≥ 0.7 over the five models)",
            "with each class's loss gap held fixed, the divergence still rises from A to E "
            "(partial Spearman ρ ≥ 0.3 over the (model, class) points)",
        ),
    ),
    "R5": PaperClaim(
        _ZHAO, "Table 2", "zhao2023_table2_role_proportions",
        "From model A to model E the overfitted proportion rises and the confusing proportion "
        "falls; generalizing units stay rare; the core proportion stays in a band.",
        "overfitted 3.1 → 3.4 → 11.5 → 33.9 → 61.4%; confusing 79.1 → 68.9 → 59.4 → 40.5 → "
        "20.9%; generalizing ≤ 1.8%; core 16.1–28.6%",
    ),
    "R6": PaperClaim(
        _ZHAO, "Fig. 4", "zhao2023_fig4_role_space",
        "Per-class role proportions (core, overfitted, confusing) separate the models in a 3-D "
        "plot.",
        "the five models separate well; A and B are close, C, D and E move towards more "
        "overfitted and fewer confusing units (scatter, Fig. 4)",
        core=(
            "well (A, B) vs poorly (D, E) generalized: leave-one-out nearest-centroid accuracy ≥ "
            "90%, its 95% interval clear of the line",
        ),
    ),
    "R7": PaperClaim(
        _ZHAO, "Table 3", "zhao2023_table3_role_shares",
        "The mean role share per unit equals the mean role proportion per class.",
        "Table 3's means equal Table 2's (e.g. model A: 16.1 / 3.1 / 1.7 / 79.1%); the standard "
        "deviations differ (e.g. confusing, model A: 12% over units vs 10% over classes)",
        kind="identity",  # a double sum read in two orders
        core=("means over units equal means over classes (every model and role, within 1e-12)",),
    ),
    "W1": PaperClaim(
        _BEYOND, "units per class", "zhou2018_units_per_class",
        "Class-specific importance of single units grows as units per class fall (the book's "
        "question, stated before its run).",
        "AlexNet conv5 at 0.7 units a class: over half the units drop a class by > 10 pts, the "
        "largest drop is 50 pts",
    ),
    "W2": PaperClaim(
        _BEYOND, "Bau et al. 2020", "bau2020_concept_units",
        "Units chosen by their concept, without any ablation, destroy their class almost as fast "
        "as the units greedy ablation finds (Zhou Fig. 4), and spare the other classes (the "
        "book's question, stated before its run).",
        "removing the few conv5 units most important to a class (ski resort: snow, mountain, "
        "house and tree units) destroys that class while the other classes barely move "
        "(qualitative; VGG-16 on Places365)",
    ),
    "W3": PaperClaim(
        _BEYOND, "Bau et al. 2017", "dissection_sensitivity",
        "Units are more interpretable than random rotations of their layer at network "
        "dissection's line and across the lines the book varies (IoU 0.02–0.10, activation "
        "quantile 0.25–2.5%); Zhou's Fig. 9 comparison keeps its outcome across them (the "
        "book's question, stated before its run).",
        "top 0.5% activation quantile, IoU > 0.04; a random rotation of conv5 has far fewer "
        "interpretable directions than the units (AlexNet conv5)",
    ),
    "W4": PaperClaim(
        _BEYOND, "Morcos et al. 2018", "morcos2018_cumulative_ablation",
        "Models that generalize better rely less on single units: as a layer's units are removed "
        "one after another, their accuracy falls more slowly, and removing the most "
        "class-selective units first is no more damaging than removing them at random (Morcos "
        "et al. 2018, read on Zhao's ladder; the book's question, stated before its run).",
        "Morcos et al. 2018 (ICLR): a network's reliance on single directions (the area under "
        "its cumulative ablation curve) predicts its generalization; batch norm discourages that "
        "reliance, dropout regularizes it only up to a point; class selectivity is a poor "
        "predictor of a unit's importance",
        core=(
            "the area under the training-accuracy curve, units removed at random, falls as the "
            "generalization gap grows over the ladder (Spearman ρ < 0, p < 0.05)",
            "removing the most selective units first is no more damaging than random for gen-A, "
            "the best-generalizing rung (its area at least the lowest random order's, by a "
            "majority of seeds)",
        ),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Claim:
    """A paper's claim, its figures and ours, and the verdict our run gives it.

    ``checks`` lists every check as ``{"name", "passed", "core"}`` in the order the page gave
    them, ``passed`` being ``True``, ``False``, ``None`` (undecided) or :data:`NOT_INFORMATIVE`;
    ``passed`` of ``total`` informative checks passed and ``undecided`` were undecided;
    ``uninformative`` more were not informative (not in ``total``). ``kind`` is ``"evidence"`` (a
    statement our run can confirm or not), ``"identity"`` (holds by definition), ``"setup"`` (a
    recipe is built to satisfy it) or ``"illustration"`` (examples of an effect); only evidence
    counts in :func:`tally`. Its card is :func:`unitroles.report.card`.
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


def informative(passed: bool | None, possible: bool) -> bool | str | None:
    """A check's outcome, or :data:`NOT_INFORMATIVE` when no side could pass it on this run
    (``possible`` false: e.g. neither the units nor any random direction drops a class by more
    than the line, so "units above random" says nothing either way)."""
    return passed if possible else NOT_INFORMATIVE


def verdict(checks: dict[str, bool | str | None], core: Collection[str]) -> str:
    """Every check passes: holds; every core check, not every other: partly holds; a core check
    fails: does not hold; otherwise (a core check undecided, none failed): undecided.

    ``checks`` maps names to ``True`` (passed), ``False`` (failed), ``None`` (undecided: the
    evidence does not settle it) or :data:`NOT_INFORMATIVE` (no side could pass it: left out);
    ``core`` names the checks that state the paper's central claim. A failed core check
    outweighs an undecided one: the claim fails. When no core check is informative the claim is
    *not measured*.
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
    statement: str | None = None,
    *,
    paper: str | None = None,
    ours: str,
    checks: dict[str, bool | str | None],
    core: Sequence[str] | None = None,
    kind: str | None = None,
    profile: str = "book",
    unmeasured: str | None = None,
) -> Claim:
    """The :class:`Claim` that ``checks`` give (:func:`unitroles.report.claim` glues and shows it).

    A claim of :data:`CLAIMS` takes its ``statement``, ``paper`` figures, ``kind`` and fixed core
    checks from there: a page leaves them out, and one it gives must be the registry's. Another
    id gives ``statement`` and ``paper`` (``kind`` defaults to evidence).

    ``core`` names (keys of ``checks``) the core checks: those stating the paper's central
    claim. Evidence must name at least one. An identity or setup claim may leave it ``None``:
    then every check is core, so it holds or it does not.

    ``unmeasured``: why this run's data cannot support the test (``None``: it can). The verdict
    is then *not measured*, whatever ``checks`` hold: their outcomes are not shown and none
    counts as passed. A check whose outcome is :data:`NOT_INFORMATIVE` counts neither way; when
    every core check is, the claim is not measured and says so.
    """
    statement, paper, kind, core = _registered(id, statement, paper, kind, core)
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


def _registered(id, statement, paper, kind, core):
    """``statement``, ``paper``, ``kind`` and ``core`` completed from :data:`CLAIMS`; one a page
    gives that differs from the registry's is an error (the claim has one home). A core check a
    page evaluated on seeds may carry their count (``"<registered name>, on 3 of 3 seeds"``,
    :func:`unitroles.study.seed_checks`); the page's names are then kept."""
    entry = CLAIMS.get(id)
    if entry is None:
        if statement is None or paper is None:
            raise ValueError(
                f"claim {id} is not in verdicts.CLAIMS: give its statement and paper figures"
            )
        return statement, paper, kind or "evidence", core
    fixed = list(entry.core) or None
    if fixed is not None and core is not None and len(core) == len(fixed):
        if all(c == f or c.startswith(f + ", on ") for c, f in zip(core, fixed)):
            fixed = list(core)  # the registry's checks, named with their seed counts
    given = {"statement": statement, "paper": paper, "kind": kind,
             "core": None if core is None else list(core)}  # fmt: skip
    for field, value in given.items():
        registered = fixed if field == "core" else getattr(entry, field)
        if value is not None and registered is not None and value != registered:
            raise ValueError(
                f"claim {id}: its {field} is in verdicts.CLAIMS ({registered!r}); leave it out "
                f"or change it there, not {value!r}"
            )
    return entry.statement, entry.paper, entry.kind, core if fixed is None else fixed


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


def outcome(passed: bool | str | None) -> str:
    """A check's outcome in words: ``"passed"``, ``"failed"``, ``"undecided"`` or ``"not
    informative"``."""
    if _uninformative(passed):
        return NOT_INFORMATIVE
    return {True: "passed", False: "failed", None: "undecided"}[passed]


def failed_core(checks: dict[str, bool | str | None], core: Iterable[str]) -> list[str]:
    """The core checks that did not pass, each with its outcome: ``["units above random, on 2
    of 5 seeds (undecided)"]``; empty when every core check passed. A page glues them as
    ``"; ".join(...) or "none"``."""
    return [f"{name} ({outcome(checks[name])})" for name in core if checks[name] is not True]


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


def seed_outcomes(outcomes: Sequence[bool | None]) -> bool | None:
    """:func:`seed_vote` for checks whose outcome on one seed may itself be undecided (``None``,
    e.g. :func:`share_check`): passed when the vote passes with every undecided seed counted as
    failed, failed when it fails with every undecided seed counted as passed, undecided
    otherwise. Of 3 seeds, passed only when all 3 pass and failed only when all 3 fail."""
    if len(outcomes) == 0:
        raise ValueError("a vote of no seeds: evaluate the check on at least one seed")
    if seed_vote([o is not None and bool(o) for o in outcomes]) is True:
        return True
    if seed_vote([o is None or bool(o) for o in outcomes]) is False:
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


def over_seeds(values, fmt: str = ".1f", *, mean: bool = True, alone: bool = False) -> str:
    """A value over seeds for the prose and tables: its mean and, in brackets, its range,
    ``"12.3 (10.1–14.2)"``; ``mean=False``: the range only, ``"10.1–14.2"``.

    ``fmt`` is the format spec of each number (``".0f"``, ``"+.2f"``). ``alone``: one seed's
    value is written alone (``"12.3"``), not as a range of one. ``values``: a pandas Series or a
    numpy array (their own ``mean``, ``min``, ``max``; a Series skips NaN) or a sequence of
    numbers (read as a float array).
    """
    if not all(hasattr(values, f) for f in ("mean", "min", "max")):
        import numpy as np

        values = np.asarray(values, dtype=float)
    if len(values) == 0:
        raise ValueError("a value over no seeds: give at least one")
    if alone and len(values) == 1:
        return f"{values.min():{fmt}}"
    span = f"{values.min():{fmt}}–{values.max():{fmt}}"
    return f"{values.mean():{fmt}} ({span})" if mean else span


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
