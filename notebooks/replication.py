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
# # Replication: the published models and yours
#
# ```{glue:md} takeaway
# :format: myst
# ```
#
# This book is built from published models, as paper authors publish their checkpoints: the
# weights of every model the book profile uses are in the repository (`models/`, one
# `safetensors` file each, with `models/manifest.json`), and each file's SHA-256 is checked
# before it is loaded. Nobody has to train anything to get the book as published. Retraining is
# a replication: `make retrain` trains every model from scratch on your machine, executes the
# pages on those models and on the published ones, and writes a record of what differs to
# `models/replications/`. This page shows the published set and every record committed so far.
# Floating-point kernels round differently on different CPUs, and after thirty epochs that is,
# in effect, another draw of each seed's model: a replication on another CPU tells how much of
# the book rests on one draw.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper
data_scale = 1.0
epoch_scale = 1.0
world_seed = 0
image_size = 48

# %% tags=["hide-cell"]
# Every parameter checked against what it accepts (type, range, paths from where you ran the
# command); a wrong one stops here with a message naming it.
from unitroles import params, profiles

run = profiles.check(globals(), params.COMMON)

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import display

from unitroles import build_record, plots, published, replication, report

plots.use_style()
data = published.manifest()
if data is None:
    raise FileNotFoundError(f"no published models: {published.describe()}")
models = pd.DataFrame(data["models"])
size_mib = sum((published.folder() / f).stat().st_size for f in models["file"]) / 2**20
records = replication.records()

# %% [markdown]
# ## The published set
#
# {glue:text}`n_published` models, {glue:text}`size_mib` MiB of weights, trained on one thread
# each on a {glue:text}`published_cpu` with torch {glue:text}`published_torch`
# ({glue:text}`published_date`). Accuracies are fractions of clean (un-augmented) images; the
# weights digest identifies the exact bits of a model (equal digests: bit-identical weights).

# %% tags=["hide-input"]
display(build_record.published_table(models))
build_record.glue_published(data, size_mib, records)

# %% [markdown]
# ## Replications
#
# One row per record: the machine that retrained the models, how many of them came out
# bit-identical to the published ones, the largest change of a validation accuracy, and how many
# claims kept their verdict and every check's outcome when the pages ran on the retrained
# models. Add yours with `make retrain` and a pull request.

# %% tags=["hide-input"]
rows = build_record.replications(records)
if len(rows):
    display(report.table(rows, decimals={"largest val. acc. change (pts)": 1}, index=False))
else:
    print("No replication record yet: run `make retrain` to make the first.")

# %% tags=["hide-input"]
build_record.replication_figure(models, records)
plots.show()
