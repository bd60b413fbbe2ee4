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
