"""The scorecard: every claim read back from the executed pages, counted and tabled.

Each page evaluates its claim with :func:`unitroles.report.claim`; :func:`unitroles.report.
claims_in` reads the claims back from a folder of executed notebooks. This module turns them into
the scorecard page's frame, its verdict counts per paper, its figure and its Markdown tables.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import numpy as np
import pandas as pd

from unitroles import plots, report, verdicts

# the order verdicts are counted and stacked in, best first
ORDER = [verdicts.HOLDS, verdicts.PARTLY, verdicts.UNDECIDED, verdicts.FAILS, verdicts.UNMEASURED]
COLORS = {
    verdicts.HOLDS: "#009E73",
    verdicts.PARTLY: "#E69F00",
    verdicts.UNDECIDED: "#56B4E9",
    verdicts.FAILS: "#D55E00",
    verdicts.UNMEASURED: "#999999",
}


def frame(claims: Iterable[verdicts.Claim]) -> pd.DataFrame:
    """One row per claim: its id, the paper, figure and page it belongs to, the statement, the
    paper's figures and this run's, its kind, checks passed, verdict and profile."""
    return pd.DataFrame(
        {
            "claim": c.id,
            "paper": verdicts.CLAIMS[c.id].cite,
            "where": verdicts.CLAIMS[c.id].where,
            "page": verdicts.CLAIMS[c.id].page,
            "statement": c.statement,
            "paper_figures": c.paper,
            "this_run": c.ours,
            "kind": c.kind,
            "checks": c.score(),
            "verdict": c.verdict,
            "profile": c.profile,
        }
        for c in claims
    )


def papers() -> list[str]:
    """The papers whose claims the book tests, in the order :data:`verdicts.CLAIMS` lists them."""
    return list(dict.fromkeys(c.cite for c in verdicts.CLAIMS.values()))


def counts_per_paper(claims: list[verdicts.Claim]) -> pd.DataFrame:
    """Evidence claims per verdict (:func:`unitroles.verdicts.tally`): rows the papers,
    columns the verdicts in :data:`ORDER`."""
    return pd.DataFrame(
        {
            paper: verdicts.tally(c for c in claims if verdicts.CLAIMS[c.id].cite == paper)
            for paper in papers()
        }
    ).T[ORDER]


def verdicts_figure(counts: pd.DataFrame):
    """The verdicts of each paper's evidence claims as stacked horizontal bars (``counts`` from
    :func:`counts_per_paper`), captioned, with alt text."""
    fig, ax = plots.figure(width=7.0, height=2.1)
    left = np.zeros(len(counts))
    # a long group name on two lines, so that the figure keeps the column's width
    names = [textwrap.fill(name, 16) for name in counts.index]
    for verdict in ORDER:
        ax.barh(names, counts[verdict], left=left, color=COLORS[verdict], label=verdict)
        left += counts[verdict].to_numpy()
    ax.set_xlabel("evidence claims (count)")
    ax.set_xlim(0, max(left.max(), 1))
    ax.invert_yaxis()
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    per_paper = "; ".join(
        f"{paper}: {counts.loc[paper, verdicts.HOLDS]} hold, {counts.loc[paper, verdicts.PARTLY]} "
        f"partly hold, {counts.loc[paper, verdicts.UNDECIDED]} undecided, "
        f"{counts.loc[paper, verdicts.FAILS]} do not hold, "
        f"{counts.loc[paper, verdicts.UNMEASURED]} not measured"
        for paper in counts.index
    )
    return plots.caption(
        fig,
        "Verdicts of the evidence claims of each paper in this build: green, holds; orange, "
        "partly holds; blue, undecided (a core check not settled: its seeds split, or its "
        "interval straddles the line); red, does not hold; grey, not measured (the run's data "
        "could not support the test). Identity, setup and illustration claims are not counted.",
        alt=f"Stacked horizontal bar chart of verdict counts per paper. {per_paper}.",
    )


def in_words(counts: dict) -> str:
    """Verdict counts as a sentence, for the intro and the chapter pages (glued)."""
    n = sum(counts.values())
    return f"of {n} evidence claim{'' if n == 1 else 's'}, {verdicts.in_words(counts)}"


def claim_rows(table: pd.DataFrame, *columns: str) -> list[str]:
    """One Markdown table row per claim of ``table`` (:func:`frame`), linked to its built page
    (which sits beside the scorecard), its verdict and count of checks beside the id (a phone
    shows the first columns), then the figure and ``columns``."""
    return [
        f"| [{r.claim}]({r.page}.html) | {verdicts.MARKS[r.verdict]} {r.verdict} | {r.checks} | "
        f"{r.paper.split(' et al.')[0]} {r.where} | "
        + "".join(f"{report.cell(getattr(r, c))} | " for c in columns)
        for r in table.itertuples()
    ]


def markdown(headers: list[str], rows: list[str]) -> str:
    """A Markdown table of ``rows`` (already ``| a | b |`` lines) under ``headers``."""
    return "| " + " | ".join(headers) + " |\n" + "|---" * len(headers) + "|\n" + "\n".join(rows)


def every_claim(evidence: pd.DataFrame, missing: list[str]) -> str:
    """The scorecard's table of evidence claims (:func:`frame` rows), each claim of the papers
    that no executed page holds (``missing``, from :func:`unitroles.report.missing_claims`) listed
    as not run."""
    not_run = [
        f"| {id} | — | — | {verdicts.CLAIMS[id].where} | not run in this build |" for id in missing
    ]
    headers = ["claim", "verdict", "checks", "figure", "the paper says"]
    return markdown(headers, claim_rows(evidence, "statement") + not_run)


def apart_claims(apart: pd.DataFrame) -> str:
    """The table of identity, setup and illustration claims (not counted), or a line saying
    there is none."""
    if not len(apart):
        return "*No identity, setup or illustration claim was run in this build.*"
    headers = ["claim", "verdict", "checks", "figure", "the paper says", "kind"]
    return markdown(headers, claim_rows(apart, "statement", "kind"))


def numbers(evidence: pd.DataFrame) -> str:
    """The paper's figures beside this run's, one Markdown row per evidence claim."""
    return markdown(["claim", "paper's figures", "this run"], numbers_rows(evidence))


def glue_summary(claims: list[verdicts.Claim], n_apart: int, n_missing: int) -> None:
    """Glue the scorecard's counts (``n_claims``, ``n_holds`` …, ``summary_all`` and one
    ``summary_<first word of the paper>`` a paper) and its takeaway. Returns nothing, so that a
    cell ending with it shows nothing."""
    total, counts = verdicts.tally(claims), counts_per_paper(claims)
    profiles = ", ".join(sorted({c.profile for c in claims}))
    values = {
        "n_claims": sum(total.values()),
        "n_holds": total[verdicts.HOLDS],
        "n_partly": total[verdicts.PARTLY],
        "n_undecided": total[verdicts.UNDECIDED],
        "n_fails": total[verdicts.FAILS],
        "n_apart": n_apart,
        "n_missing": n_missing,
        "scorecard_profile": profiles,
    }
    report.glue(values)
    report.takeaway(
        f"On the {profiles} profile, {in_words(total)}. "
        + " ".join(f"{paper}: {in_words(counts.loc[paper].to_dict())}." for paper in counts.index),
        note="A claim our synthetic world does not bear out is a finding about the world and the "
        "mini models as much as about the paper; each claim's page says which."
        + (" *Smoke profile: these verdicts are not evidence.*" if "smoke" in profiles else ""),
    )
    summaries = {"summary_all": in_words(total)} | {
        f"summary_{paper.split()[0].lower()}": in_words(counts.loc[paper].to_dict())
        for paper in counts.index
    }
    report.glue(summaries)


def numbers_rows(table: pd.DataFrame) -> list[str]:
    """One Markdown row per claim: the paper's figures beside this run's."""
    return [
        f"| [{r.claim}]({r.page}.html) | {report.cell(r.paper_figures)} | "
        f"{report.cell(r.this_run)} |"
        for r in table.itertuples()
    ]


__all__ = [
    "COLORS",
    "ORDER",
    "apart_claims",
    "every_claim",
    "glue_summary",
    "numbers",
    "claim_rows",
    "counts_per_paper",
    "frame",
    "in_words",
    "markdown",
    "numbers_rows",
    "papers",
    "verdicts_figure",
]
