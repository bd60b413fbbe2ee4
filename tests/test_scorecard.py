"""The scorecard: claims read back from the executed pages, counted per paper and tabled."""

import matplotlib.pyplot as plt

from unitroles import scorecard, verdicts


def claim(id: str, verdict: str, kind: str = "evidence") -> verdicts.Claim:
    return verdicts.Claim(
        id=id, statement=f"{id} says so", paper="paper | figures", ours="ours", verdict=verdict,
        checks=[], passed=1, total=2, kind=kind,
    )  # fmt: skip


ZHOU, ZHAO, BEYOND = (
    next(id for id, c in verdicts.CLAIMS.items() if c.cite == p) for p in scorecard.papers()
)
CLAIMS = [
    claim(ZHOU, verdicts.HOLDS),
    claim(ZHAO, verdicts.FAILS),
    claim(ZHAO, verdicts.HOLDS, "identity"),
]


def test_counts_per_paper_count_evidence_only_in_verdict_order():
    counts = scorecard.counts_per_paper(CLAIMS)
    assert list(counts.columns) == scorecard.ORDER
    assert counts.sum().sum() == 2  # the identity claim is not evidence
    zhao = counts.loc[verdicts.CLAIMS[ZHAO].cite]
    assert zhao[verdicts.FAILS] == 1 and zhao[verdicts.HOLDS] == 0
    assert scorecard.in_words({verdicts.HOLDS: 1, verdicts.FAILS: 1}).startswith(
        "of 2 evidence claims, "
    )
    assert scorecard.in_words({verdicts.HOLDS: 1}).startswith("of 1 evidence claim, 1 holds")


def test_claim_rows_link_each_claim_to_its_page_with_its_verdict():
    table = scorecard.frame(CLAIMS)
    assert table.loc[0, "checks"] == "1/2"
    rows = scorecard.claim_rows(table.iloc[:1], "statement")
    page = verdicts.CLAIMS[ZHOU].page
    assert rows[0].startswith(f"| [{ZHOU}]({page}.html) | {verdicts.MARKS[verdicts.HOLDS]} holds")
    assert rows[0].endswith(f"| {ZHOU} says so | ")
    assert "paper \\| figures" in scorecard.numbers_rows(table.iloc[:1])[0]  # pipes escaped
    assert scorecard.markdown(["a", "b"], ["| 1 | 2 |"]) == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_verdicts_figure_stacks_one_bar_per_paper_with_alt_text():
    fig = scorecard.verdicts_figure(scorecard.counts_per_paper(CLAIMS))
    assert "0 hold, 0 partly hold, 0 undecided, 1 do not hold" in fig._unitroles_alt
    plt.close(fig)


def test_the_pages_tables_list_missing_claims_and_say_when_none_is_apart():
    table = scorecard.frame(CLAIMS)
    evidence, apart = table[table["kind"] == "evidence"], table[table["kind"] != "evidence"]
    every = scorecard.every_claim(evidence, [])
    assert every.count("\n") == 1 + len(evidence)  # header, rule, one row a claim
    assert f"| {ZHAO} | identity |" not in every  # the identity claim is apart
    missing = scorecard.every_claim(evidence.iloc[:0], [BEYOND])
    assert missing.endswith(
        f"| {BEYOND} | — | — | {verdicts.CLAIMS[BEYOND].where} | not run in this build |"
    )
    assert f"{ZHAO}" in scorecard.apart_claims(apart) and "identity" in scorecard.apart_claims(
        apart
    )
    assert scorecard.apart_claims(apart.iloc[:0]).startswith("*No identity")
    assert scorecard.numbers(evidence).startswith("| claim | paper's figures | this run |")


def test_glue_summary_counts_evidence_and_flags_the_smoke_profile(monkeypatch):
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    smoke = [verdicts.Claim(**{**c.__dict__, "profile": "smoke"}) for c in CLAIMS]
    assert scorecard.glue_summary(smoke, n_apart=1, n_missing=0) is None  # a cell shows nothing
    values = glued
    assert values["n_claims"] == 2 and values["n_holds"] == 1 and values["n_fails"] == 1
    assert values["scorecard_profile"] == "smoke"
    assert values["summary_all"].startswith("of 2 evidence claims")
    assert "not evidence" in glued["takeaway"].data
    assert glued["n_apart"] == 1
