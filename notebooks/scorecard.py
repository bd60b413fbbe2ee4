# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Scorecard
#
# Every claim of the two papers that this book tests, the paper's figures beside ours, and the
# verdict. Nothing on this page is typed in: each row is read back from the executed notebook of
# its page, where `unitroles.report.claim` evaluated the claim's checks on that page's own run
# (the checks are listed under "Rule" on each page). *Holds* means every check passed, *partly
# holds* some, *does not hold* none. A claim that our synthetic world does not bear out is a
# finding about the world and the mini models as much as about the paper; each page says which.
# The code that reads the notebooks back is folded away; "Show code cell source" opens it.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
executed = None  # folder of executed notebooks; None: ../build/executed/<profile>

# %% tags=["hide-input"]
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from unitroles import plots, report

plots.use_style()
folder = Path(executed or f"../build/executed/{profile}")
claims = report.claims_in(folder)
missing = report.missing_claims(claims)
table = pd.DataFrame(
    {
        "claim": c.id,
        "paper": report.CLAIMS[c.id][0],
        "where": report.CLAIMS[c.id][1],
        "page": report.CLAIMS[c.id][2],
        "statement": c.statement,
        "paper_figures": c.paper,
        "this_run": c.ours,
        "verdict": c.verdict,
        "profile": c.profile,
    }
    for c in claims
    if c.id in report.CLAIMS
)
profiles = sorted(set(table["profile"]))
print(f"{len(table)} claims read from {folder.resolve().name}/ ({', '.join(profiles)} profile)")

# %% [markdown]
# ## Verdicts at a glance

# %% tags=["hide-input"]
order = [report.HOLDS, report.PARTLY, report.FAILS]
counts = table.groupby(["paper", "verdict"]).size().unstack(fill_value=0)
counts = counts.reindex(columns=order, fill_value=0)
fig, ax = plots.figure(width=7.0, height=1.9)
colors = {report.HOLDS: "#009E73", report.PARTLY: "#E69F00", report.FAILS: "#D55E00"}
left = np.zeros(len(counts))
for verdict in order:
    ax.barh(counts.index, counts[verdict], left=left, color=colors[verdict], label=verdict)
    left += counts[verdict].to_numpy()
ax.set_xlabel("claims (count)")
ax.set_xlim(0, max(left.max(), 1))
ax.invert_yaxis()
ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
plots.show()

# %% tags=["hide-input"]
total = counts.sum()
report.glue(
    {
        "n_claims": len(table),
        "n_holds": int(total[report.HOLDS]),
        "n_partly": int(total[report.PARTLY]),
        "n_fails": int(total[report.FAILS]),
        "n_missing": len(missing),
        "scorecard_profile": ", ".join(profiles),
    }
)

# %% [markdown]
# Of {glue:text}`n_claims` claims run on the {glue:text}`scorecard_profile` profile,
# {glue:text}`n_holds` hold, {glue:text}`n_partly` partly hold and {glue:text}`n_fails` do not
# hold; {glue:text}`n_missing` of the papers' claims have no executed page in this build.

# %% [markdown]
# ## Every claim


# %% tags=["hide-input"]
def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


rows = [  # links to the built pages, which sit beside this one
    f"| [{r.claim}]({r.page}.html) | {r.paper.split(' et al.')[0]} {r.where} | "
    f"{cell(r.statement)} | {cell(r.paper_figures)} | {cell(r.this_run)} | "
    f"{report.MARKS[r.verdict]} {r.verdict} |"
    for r in table.itertuples()
]
rows += [f"| {id} | {report.CLAIMS[id][1]} | — | — | not run in this build | — |" for id in missing]
Markdown(
    "| claim | figure | the paper says | paper's figures | this run | verdict |\n"
    "|---|---|---|---|---|---|\n" + "\n".join(rows)
)

# %% [markdown]
# Each claim links to its page, where the rule lists every check with its outcome and the prose
# explains what the run shows. The smoke profile (used by the test suite) runs every page on a
# few images with one-epoch models, so its verdicts only show that the code paths run.
