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

from unitroles import plots, report

plots.use_style()
folder = Path(executed or f"../build/executed/{profile}")
runs = pd.DataFrame(report.runs_in(folder))
if runs.empty:
    raise FileNotFoundError(f"no executed notebooks in {folder}; run `make notebooks` first")
env = pd.DataFrame(list(runs.pop("environment").dropna()) if "environment" in runs else [])
runs["profile"] = [p.get("profile", "?") for p in runs["parameters"]]
runs = runs.set_index("notebook")[["seconds", "profile"]]
print(f"{len(runs)} executed notebooks in {folder.resolve().name}/")

# %% [markdown]
# ## Software and machine

# %% tags=["hide-input"]
fields = {
    "commit": "commit",
    "Python": "python",
    "torch": "torch",
    "unitroles": "unitroles",
    "platform": "platform",
    "CPU": "cpu",
    "CPU cores": "cpu_count",
    "torch threads": "torch_threads",
    "GPU": "gpu",
    "executed": "date",
}


def values(key: str) -> str:
    if key not in env:
        return "not recorded"
    seen = [str(v) for v in pd.unique(env[key].astype(str))]
    if key == "date":
        return f"{min(seen)} to {max(seen)}" if len(seen) > 1 else seen[0]
    return " / ".join(seen)  # more than one value: the pages were built at different times


build = {"profile": ", ".join(sorted(set(runs["profile"])))}
build |= {name: values(key) for name, key in fields.items()}
display(report.table(pd.DataFrame({"this build": build})))

# %% [markdown]
# ## Run time of each page

# %% tags=["hide-input"]
fig, ax = plots.figure(width=7.0, height=0.22 * len(runs) + 0.8)
ordered = runs["seconds"].sort_values()
ax.barh(ordered.index, ordered.to_numpy(), color=plots.PALETTE[0])
ax.set_xlabel("wall time of the papermill run (s)")
ax.tick_params(axis="y", labelsize=9)
ax.margins(y=0.01)
ax.set_title("Wall time of each page's papermill run")
plots.caption(
    fig,
    "Wall time of each notebook's papermill run in this build (seconds; "
    "training any model missing from the cache included). The slowest page is at the top.",
    alt=f"Horizontal bar chart of the run time in seconds of {len(ordered)} notebooks; the "
    f"slowest is {ordered.index[-1]} at {ordered.iloc[-1]:.0f} s, the fastest "
    f"{ordered.index[0]} at {ordered.iloc[0]:.0f} s.",
)
plots.show()

# %% tags=["hide-input"]
total = float(runs["seconds"].sum())
report.glue(
    {
        "total_minutes": f"{total / 60:.1f}",
        "n_notebooks": len(runs),
        "slowest": str(ordered.index[-1]),
        "slowest_seconds": f"{ordered.iloc[-1]:.0f}",
    }
)
report.takeaway(
    f"This build executed {len(runs)} notebooks ({build['profile']} profile) in "
    f"{total / 60:.1f} minutes of wall time; the slowest page was {ordered.index[-1]} "
    f"({ordered.iloc[-1]:.0f} s). Commit {build['commit']}, torch {build['torch']}, "
    f"{build['CPU cores']} CPU cores, GPU: {build['GPU']}.",
    note="This page is for maintainers: it records how the book was built.",
)
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
import IPython.display  # noqa: E402

if not run.synthetic:
    models = pd.DataFrame()
    print("the paper profile trains no models: it reads your checkpoints")
else:
    trained = run.book_models()
    models = pd.DataFrame(
        [
            {
                "recipe": name,
                "seed": seed,
                "weights digest": t.meta.get("weights_digest", "not recorded"),
                "training threads": t.meta["versions"].get("threads", "not recorded"),
                "trained on": t.meta["versions"].get("cpu", "not recorded"),
                "training time (s)": t.train_seconds,
            }
            for (name, seed), t in trained.items()
        ]
    ).set_index(["recipe", "seed"])
    IPython.display.display(report.table(models, decimals={"training time (s)": 1}))
