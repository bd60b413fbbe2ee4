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
# # Zhao et al. 2023: what the roles tell about generalization
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# The pages before this one test Zhao et al.'s claims one by one. This page puts them side by
# side: what the paper concludes about how the roles of a layer's units change as a network
# generalizes worse, what our ladder of five vgg16-mini models (three seeds a rung, each stopped
# at the paper's training accuracy) shows, and each claim's verdict with the
# number of its checks that passed. Nothing here is computed anew: every number and verdict is
# read back from the executed pages of this build.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48
executed = None  # folder of executed notebooks; None: ../build/executed/<profile>

# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(globals(), {**params.COMMON, "executed": params.Path("dir")})

# %% tags=["hide-input"]
from pathlib import Path

import pandas as pd
from IPython.display import display

from unitroles import report, verdicts

folder = Path(executed or f"../build/executed/{profile}")
claims = {c.id: c for c in report.claims_in(folder) if c.id.startswith("R")}
pages = {
    "table1": "zhao2023_table1_generalization",
    "fig3": "zhao2023_fig3_models",
    "fig4": "zhao2023_fig4_role_space",
    "table2": "zhao2023_table2_role_proportions",
}
found = {k: folder / f"{p}.ipynb" for k, p in pages.items()}
absent = [p.name for p in found.values() if not p.exists()]
if absent:
    raise FileNotFoundError(
        f"{folder.resolve()} lacks {', '.join(absent)}: run the Zhao pages first "
        "(make book runs them before this one)"
    )
glued = {k: report.glued(p) for k, p in found.items()}
t1, f3, f4, t2 = (glued[k] for k in ("table1", "fig3", "fig4", "table2"))
print(f"read {len(claims)} claims and the glued numbers of {len(found)} pages from {folder}")

# %% [markdown]
# ## Side by side


# %% tags=["hide-input"]
def verdict(claim_id: str) -> str:
    c = claims.get(claim_id)
    if c is None:
        return "not run in this build"
    return f"{verdicts.MARKS[c.verdict]} {c.verdict} ({c.count()}; {c.kind})"


rows = [
    (
        "R3",
        "the five models",
        "gaps 0.075 → 0.604; test accuracy 0.657 → 0.374 (A → E)",
        f"gaps {t1.get('gap_A')} → {t1.get('gap_E')}; test accuracy {t1.get('test_ladder')} "
        f"(means of {t1.get('seeds_n')} seeds)",
    ),
    (
        "R4",
        "train vs test ROF curves",
        "similar for well-generalized models, diverge for poorly generalized ones",
        f"over {f3.get('seeds_n')} seeds: ρ of the shape divergence with the gap "
        f"{f3.get('shape_seeds')}; partial ρ with the ladder, loss gap held fixed, "
        f"{f3.get('partial_seeds')}; seed {f4.get('seed0')}: mean divergence {f3.get('div_A')} "
        f"(A) → {f3.get('div_E')} nats (E)",
    ),
    (
        "R5",
        "overfitted and confusing units",
        "overfitted 3.1% → 61.4%, confusing 79.1% → 20.9% (A → E); generalizing ≤ 1.8%",
        f"overfitted {t2.get('over_A')} → {t2.get('over_E')}, confusing {t2.get('conf_A')} → "
        f"{t2.get('conf_E')}; generalizing ≤ {t2.get('gen_max')}",
    ),
    (
        "R6",
        "the models in role space",
        "per-class proportions separate the models (by eye); A and B quite similar",
        f"nearest-centroid leave-one-out, A+B vs D+E {f4.get('loo_2_seeds')}; five models "
        f"{f4.get('loo_5_seeds')} (chance {f4.get('chance')}), over {f3.get('seeds_n')} seeds",
    ),
]
side = pd.DataFrame(
    [(c, what, paper, ours, verdict(c)) for c, what, paper, ours in rows],
    columns=["claim", "what", "the paper", "this run", "verdict"],
).set_index("claim")
display(report.table(side))

# %% tags=["hide-input"]
import numpy as np

from unitroles import plots

plots.use_style()
PAPER = {  # Zhao et al. 2023, Tables 1 and 2 (VGG16, ImageNet), models A → E
    "gap": [0.075, 0.130, 0.275, 0.384, 0.604],
    "test": [0.657, 0.600, 0.543, 0.444, 0.374],
    "overfitted": [0.031, 0.034, 0.115, 0.339, 0.614],
    "confusing": [0.791, 0.689, 0.594, 0.405, 0.209],
    "core": [0.161, 0.259, 0.286, 0.254, 0.177],
}
ours = {
    "gap": t1.get("gap_series"),
    "test": t1.get("test_series"),
    **{r: t2.get(f"{r}_series") for r in ("overfitted", "confusing", "core")},
}
x = np.arange(5)
fig, axes = plots.figure(2, width=7.0, height=4.0)
styles = {"paper": {"ls": "--", "marker": "s", "alpha": 0.75}, "ours": {"ls": "-", "marker": "o"}}
for who, values in (("paper", PAPER), ("ours", ours)):
    for key, colour in (("gap", plots.PALETTE[0]), ("test", plots.PALETTE[1])):
        if values[key]:
            axes[0].plot(x, values[key], color=colour, label=f"{key} ({who})", **styles[who])
    for key, colour in (("overfitted", plots.ROLE_COLORS["overfitted"]),
                        ("confusing", plots.ROLE_COLORS["confusing"]),
                        ("core", plots.ROLE_COLORS["core"])):  # fmt: skip
        if values[key]:
            axes[1].plot(
                x, 100 * np.asarray(values[key]), color=colour, label=f"{key} ({who})",
                **styles[who],
            )  # fmt: skip
axes[0].set(xlabel="model", ylabel="accuracy or gap (fraction)", ylim=(0, 1))
axes[1].set(xlabel="model", ylabel="mean proportion (% of the layer)", ylim=(0, 100))
for ax in axes:
    ax.set_xticks(x, list("ABCDE"))
    ax.legend(fontsize=plots.SMALL, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
plots.caption(
    fig,
    "The paper (dashed, squares) and this run (solid, circles), models A to E. Left: "
    "generalization gap and test accuracy (fractions). Right: mean proportion of the last conv "
    "layer's units that are overfitted, confusing and core (% of the layer).",
    alt="Two line charts over models A to E. Ours: gaps "
    + ", ".join(f"{v:.2f}" for v in ours["gap"] or [])
    + "; overfitted "
    + ", ".join(f"{100 * v:.0f}%" for v in ours["overfitted"] or [])
    + "; confusing "
    + ", ".join(f"{100 * v:.0f}%" for v in ours["confusing"] or [])
    + ".",
)
plots.show()

# %% [markdown]
# The claims that hold by definition (R2: the four roles partition the layer; R7: mean share
# equals mean proportion) and the ROF curve's shape (R1) are on their own pages and in the
# [scorecard](scorecard.ipynb).

# %% tags=["hide-input"]
evidence = [claims[c] for c in ("R4", "R5", "R6") if c in claims]
tally = verdicts.tally(evidence)
n = sum(tally.values())
report.glue(
    {
        "zhao_n": n,
        "zhao_verdicts": verdicts.in_words(tally),
    }
)
report.takeaway(
    f"of the {n} claims that link roles to generalization (R4–R6), {verdicts.in_words(tally)} on "
    f"our ladder. As the gap grows from A to E, overfitted units go from {t2.get('over_A')} "
    f"to {t2.get('over_E')} of the layer and confusing units from {t2.get('conf_A')} to "
    f"{t2.get('conf_E')}.",
    paper="as a network generalizes worse, more of its last conv layer's units become "
    "overfitted (helpful only on training images) and fewer confusing; train and test ROF "
    "curves drift apart, and the role proportions tell the models apart.",
    agree=None if not n else tally[verdicts.FAILS] == 0,
    note="Smoke profile: these verdicts are not evidence." if run.smoke else None,
)

# %% [markdown]
# ## What the roles tell, here and in the paper
#
# In both the paper and our run, a network that generalizes worse shows it inside its last conv
# layer: for more of its units, switching them on keeps helping the training images after it has
# stopped helping unseen ones. That is what an *overfitted* unit is, and the count of such units
# is a per-class, per-unit reading of the generalization gap. Two cautions carry over from the
# pages before. First, the overfitted proportion and the curves' divergence are close relatives
# of the train–test loss gap itself ([Fig. 3](zhao2023_fig3_models.ipynb) measures how much of
# the divergence is the gap alone), so they describe where in the layer a gap shows up more
# than they predict it. Second, on models that fit their training images, the training curve's
# turning point sits on a nearly flat floor; [Table 2](zhao2023_table2_role_proportions.ipynb)
# reads the roles with a tolerance on the turning point and says whether the conclusion depends
# on it. Of the {glue:text}`zhao_n` claims of this kind, {glue:text}`zhao_verdicts` in this
# build.
#
# Zhao et al. close (§6.2) by reading Morcos et al. 2018: a network that generalizes better
# relies less on single units. The [cumulative-ablation page](morcos2018_cumulative_ablation.ipynb)
# runs that test on the same ladder, removing the last conv layer's units one after another.
