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
# # Status of this build
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# What produced the pages you are reading: the profile, the code version, the software and the
# machine, and how long each notebook took. `python -m unitroles.execute` records all of it in
# each executed notebook's metadata (under `unitroles`) as it runs the page; this page reads it
# back. Run times include training any model that was not yet in the cache
# (`.cache/unitroles/`), so a cold build — empty cache — takes far longer than a warm one, where
# every page loads its models and results.

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

from unitroles import build_record, plots, report

plots.use_style()
folder = Path(executed or f"../build/executed/{profile}")
runs, env = build_record.runs(folder, leave_out=["status"])  # this page not counted
print(f"{len(runs)} executed notebooks in {folder.resolve().name}/")

# %% [markdown]
# ## Software and machine

# %% tags=["hide-input"]
build = build_record.build(runs, env)
display(report.table(pd.DataFrame({"this build": build})))

# %% [markdown]
# ## Run time of each page

# %% tags=["hide-input"]
build_record.run_time_figure(runs["seconds"])
plots.show()

# %% tags=["hide-input"]
build_record.glue_runs(runs, build)
display(
    report.table(runs.sort_index(), headers={"seconds": "wall time (s)"}, decimals={"seconds": 1})
)

# %% [markdown]
# The {glue:text}`n_notebooks` notebooks above took {glue:text}`total_minutes` minutes of wall
# time in all (this page not counted); the slowest was {glue:text}`slowest`, at
# {glue:text}`slowest_seconds` s. The [Performance](performance.ipynb) page measures the engine
# itself.

# %% [markdown]
# ## The trained models
#
# Every model the book's pages use, with the digest of its trained weights (SHA-256 of every
# tensor's name, type, shape and bytes; first 16 hex digits). Each model trains on one torch
# thread, so the digest does not depend on the core count; a reader whose digests equal these
# has our models bit for bit. Floating-point kernels can still differ between CPU types, which
# is why the Zhou claims are judged over several seeds.

# %% tags=["hide-input"]
if run.synthetic:
    models = build_record.trained_models(run.book_models())
    display(report.table(models, decimals={"training time (s)": 1}))
else:
    print("the paper profile trains no models: it reads your checkpoints")
