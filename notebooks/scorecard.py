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
# ```{glue:md} takeaway
# :format: myst
# ```
#
# Every claim of the two papers that this book tests, and the questions it asks beyond them (stated
# before their runs), the paper's figures beside ours, and the verdict. Nothing on this page is
# typed in: each row is read back from the executed notebook of its page, where
# `unitroles.report.claim` evaluated the claim's checks on that page's own run (each page lists its
# checks under the verdict). Each claim names its *core* checks, the paper's central statement.
# *Holds* means every check passed; *partly holds*, every core check passed but not every other;
# *does not hold*, a core check failed; *undecided*, a core check was not settled either way and
# none failed; *not measured*, the run's data could not support the test at all (e.g. models too
# weak for any unit to hurt more than one class), and the page says why. A check made on several
# seeds of a recipe passes or fails only by a majority that one seed cannot overturn (4 or 5 of 5, 3
# of 3), a comparison of two recipes only when the 95% interval of their paired difference over the
# seeds excludes zero, and a measured share only when its 95% interval is clear of the line: models
# trained on another CPU round differently, which amounts to a new draw of each seed, and a verdict
# should not turn on that draw. The column "checks" counts the checks passed of those that could be
# decided either way; a check that no side could pass on this run (say, no unit and no random
# direction drops any class by more than the line) is *not informative* and counted neither way.
# A claim that our synthetic world does not bear out is a finding about the world and the mini
# models as much as about the paper; each page says which. Claims that hold by definition
# (*identity*), that a recipe is built to satisfy (*setup*) and example images (*illustration*)
# are not evidence: they are listed apart and not counted. The code that reads the notebooks
# back is folded away; "Show code cell source" opens it.

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

from IPython.display import Markdown, display

from unitroles import plots, report, scorecard, verdicts

plots.use_style()
folder = Path(executed or f"../build/executed/{profile}")
claims = [c for c in report.claims_in(folder) if c.id in verdicts.CLAIMS]
missing = report.missing_claims(claims)
table = scorecard.frame(claims)
evidence, apart = table[table["kind"] == "evidence"], table[table["kind"] != "evidence"]
built = ", ".join(sorted(set(table["profile"])))  # the profiles the pages ran under
print(f"{len(table)} claims read from {folder.resolve().name}/ ({built} profile)")

# %% [markdown]
# ## Verdicts at a glance
#
# Evidence only: identity, setup and illustration claims are not counted.

# %% tags=["hide-input"]
scorecard.glue_summary(claims, n_apart=len(apart), n_missing=len(missing))

# %% tags=["hide-input"]
scorecard.verdicts_figure(scorecard.counts_per_paper(claims))
plots.show()

# %% [markdown]
# On the {glue:text}`scorecard_profile` profile, {glue:text}`summary_all`.
# {glue:text}`n_apart` identity, setup and illustration claims are listed apart below;
# {glue:text}`n_missing` of the papers' claims have no executed page in this build.
#
# ## Every claim

# %% tags=["hide-input"]
display(Markdown(scorecard.every_claim(evidence, missing)))

# %% [markdown]
# ## The numbers behind each verdict
#
# The paper's figures beside this run's, claim by claim (each claim's page has the checks).

# %% tags=["hide-input"]
display(Markdown(scorecard.numbers(evidence)))

# %% [markdown]
# ## Identities, setup and illustrations, not counted
#
# An *identity* holds by definition, so its check tests our code, not the paper; a *setup* claim
# states what the models were built to be, so it holds by construction when the recipe works; an
# *illustration* shows examples (Zhou et al.'s Fig. 6: units, the class each one's ablation
# hurts most and the classifier's top 3 guesses for it; Table 1 tests the same prediction).

# %% tags=["hide-input"]
display(Markdown(scorecard.apart_claims(apart)))

# %% [markdown]
# Each claim links to its page, where a table lists every check with its outcome, the core checks
# marked, and the prose explains what the run shows. The smoke profile (used by the test suite)
# runs every page on a few images with one-epoch models, so its verdicts only show that the code
# paths run.
