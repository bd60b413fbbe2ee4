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

from IPython.display import display

from unitroles import plots, report, verdicts, zhao2023

folder = Path(executed or f"../build/executed/{profile}")
claims, glued = zhao2023.read_pages(folder)  # the R claims; each Zhao page's glued values
print(f"read {len(claims)} claims and the glued numbers of {len(glued)} pages from {folder}")

# %% [markdown]
# ## Side by side

# %% tags=["hide-input"]
display(zhao2023.side_by_side(claims, glued))

# %% tags=["hide-input"]
plots.use_style()
zhao2023.closing_figure(glued)  # the paper's Tables 1 and 2 beside the Table 1 and 2 pages' glue
plots.show()

# %% [markdown]
# The claims that hold by definition (R2: the four roles partition the layer; R7: mean share
# equals mean proportion) and the ROF curve's shape (R1) are on their own pages and in the
# [scorecard](scorecard.ipynb).

# %% tags=["hide-input"]
tally = verdicts.tally(claims[c] for c in ("R4", "R5", "R6") if c in claims)
n = sum(tally.values())
report.glue({"zhao_n": n, "zhao_verdicts": verdicts.in_words(tally)})
report.takeaway(
    zhao2023.closing_takeaway(tally, glued),
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
