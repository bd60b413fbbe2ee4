"""What built the book: its pages' runs, the machine, the trained models and the replications.

The status page reads back what ``python -m unitroles.execute`` recorded in each executed
notebook (:func:`unitroles.report.runs_in`); the replication page shows the published models'
manifest (:func:`unitroles.published.manifest`) and the replication records
(:func:`unitroles.replication.records`). This module turns those records into the two pages'
tables and figures; it reads no file itself.
"""

from __future__ import annotations

import os

import pandas as pd

from unitroles import plots, report

# the status page's software and machine table: row title -> key of the recorded environment
ENVIRONMENT = {
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


def runs(folder: str | os.PathLike, *, leave_out=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The executed notebooks of ``folder``: ``(runs, environment)``, ``runs`` indexed by
    notebook with its wall time (``seconds``) and ``profile``, ``environment`` one row per
    notebook that recorded one. Notebooks named in ``leave_out`` are not read (the status page
    leaves out its own earlier run). Raises ``FileNotFoundError`` when there is none."""
    frame = pd.DataFrame([r for r in report.runs_in(folder) if r["notebook"] not in leave_out])
    if frame.empty:
        raise FileNotFoundError(f"no executed notebooks in {folder}; run `make notebooks` first")
    env = pd.DataFrame(list(frame.pop("environment").dropna()) if "environment" in frame else [])
    frame["profile"] = [p.get("profile", "?") for p in frame["parameters"]]
    return frame.set_index("notebook")[["seconds", "profile"]], env


def _values(env: pd.DataFrame, key: str) -> str:
    """One environment field over the pages: its value, the values joined by `` / `` when the
    pages were built at different times, dates as a range; ``not recorded`` when absent."""
    if key not in env:
        return "not recorded"
    seen = [str(v) for v in pd.unique(env[key].astype(str))]
    if key == "date":
        return f"{min(seen)} to {max(seen)}" if len(seen) > 1 else seen[0]
    return " / ".join(seen)


def build(runs: pd.DataFrame, env: pd.DataFrame) -> dict[str, str]:
    """The build in one column: its profiles, then each :data:`ENVIRONMENT` field."""
    out = {"profile": ", ".join(sorted(set(runs["profile"])))}
    return out | {name: _values(env, key) for name, key in ENVIRONMENT.items()}


def run_time_figure(seconds: pd.Series):
    """Each page's wall time (``seconds``, by notebook) as horizontal bars, the slowest at the
    top; captioned, with alt text."""
    ordered = seconds.sort_values()
    fig, ax = plots.figure(width=7.0, height=0.22 * len(ordered) + 0.8)
    ax.barh(ordered.index, ordered.to_numpy(), color=plots.PALETTE[0])
    ax.set_xlabel("wall time of the papermill run (s)")
    ax.tick_params(axis="y", labelsize=9)
    ax.margins(y=0.01)
    ax.set_title("Wall time of each page's papermill run")
    return plots.caption(
        fig,
        "Wall time of each notebook's papermill run in this build (seconds; "
        "training any model missing from the cache included). The slowest page is at the top.",
        alt=f"Horizontal bar chart of the run time in seconds of {len(ordered)} notebooks; the "
        f"slowest is {ordered.index[-1]} at {ordered.iloc[-1]:.0f} s, the fastest "
        f"{ordered.index[0]} at {ordered.iloc[0]:.0f} s.",
    )


def glue_runs(runs: pd.DataFrame, build: dict[str, str]) -> None:
    """Glue the status page's numbers (``total_minutes``, ``n_notebooks``, ``slowest``,
    ``slowest_seconds``) and its takeaway, from :func:`runs` and :func:`build` (returns nothing,
    so that a cell ending with it shows nothing)."""
    total, ordered = float(runs["seconds"].sum()), runs["seconds"].sort_values()
    values = {
        "total_minutes": f"{total / 60:.1f}",
        "n_notebooks": len(runs),
        "slowest": str(ordered.index[-1]),
        "slowest_seconds": f"{ordered.iloc[-1]:.0f}",
    }
    report.glue(values)
    report.takeaway(
        f"This build executed {len(runs)} notebooks ({build['profile']} profile) in "
        f"{total / 60:.1f} minutes of wall time; the slowest page was {ordered.index[-1]} "
        f"({ordered.iloc[-1]:.0f} s). Commit {build['commit']}, torch {build['torch']}, "
        f"{build['CPU cores']} CPU cores, GPU: {build['GPU']}.",
        note="This page is for maintainers: it records how the book was built.",
    )


def trained_models(trained: dict) -> pd.DataFrame:
    """One row per trained model (``(recipe, seed)`` -> its training record, as
    ``run.book_models()`` gives them): its weights digest, training threads and CPU, and
    training time (s)."""
    return pd.DataFrame(
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


def glue_published(manifest: dict, size_mib: float, records: list[dict]) -> None:
    """Glue the replication page's numbers (``n_published``, ``size_mib``, ``published_cpu``,
    ``published_torch``, ``published_date``) and its takeaway, from the published manifest
    (:func:`unitroles.published.manifest`), the weights' size and the replication records
    (returns nothing, so that a cell ending with it shows nothing)."""
    n = len(manifest["models"])
    values = {
        "n_published": n,
        "size_mib": f"{size_mib:.1f}",
        "published_cpu": manifest["cpu"],
        "published_torch": manifest["torch"],
        "published_date": manifest["published"],
    }
    report.glue(values)
    identical = [r for r in records if r["models_identical"] == len(r["models"])]
    report.takeaway(
        f"The book's {n} models are published ({size_mib:.0f} MiB, trained on a "
        f"{manifest['cpu']}); {len(records)} replication record(s) so far, "
        f"{len(identical)} of them with every model bit-identical to the published one.",
    )


def published_table(models: pd.DataFrame):
    """The published models (the manifest's ``models``) as the replication page shows them."""
    table = models.assign(model=models["name"])[
        ["model", "seed", "train_acc", "val_acc", "test_acc", "train_seconds", "weights_digest"]
    ]
    return report.table(
        table,
        headers={
            "train_acc": "train acc.",
            "val_acc": "val. acc.",
            "test_acc": "test acc.",
            "train_seconds": "training time (s)",
            "weights_digest": "weights digest",
        },
        decimals={"train_acc": 3, "val_acc": 3, "test_acc": 3, "train_seconds": 0},
        index=False,
    )


def moved(record: dict) -> str:
    """The claims whose verdict or checks changed in a replication ``record``:
    ``"Z3 holds → partly holds"``, ``none``, or ``pages not run``."""
    changes = [
        f"{v['claim']} {v['published'][0]} → {v['retrained'][0] if v['retrained'] else 'absent'}"
        for v in record["verdicts"]
        if not v["same"]
    ]
    return "; ".join(changes) if changes else ("none" if record["verdicts"] else "pages not run")


def replications(records: list[dict]) -> pd.DataFrame:
    """One row per replication record: the machine, models identical, the largest change of a
    validation accuracy (pts), claims with the same verdict and checks, and those that moved."""
    return pd.DataFrame(
        {
            "retrained on": f"{r['cpu']} (torch {r['torch']}, {r['date']})",
            "models identical": f"{r['models_identical']} of {len(r['models'])}",
            "largest val. acc. change (pts)": max(
                abs(m["val_acc"][1] - m["val_acc"][0]) * 100 for m in r["models"]
            ),
            "same verdict and checks": f"{r['verdicts_same']} of {len(r['verdicts'])}",
            "claims that moved": moved(r),
        }
        for r in records
    )


def replication_figure(models: pd.DataFrame, records: list[dict]):
    """Validation accuracy (%) of each published model (grey) and of the same recipe and seed
    in each replication record (markers); captioned."""
    fig, ax = plots.figure(width=7.0, height=2.8)
    labels = [f"{n} {k}" for n, k in zip(models["name"], models["seed"])]
    ax.scatter(range(len(models)), 100 * models["val_acc"], s=60, color="0.6", label="published")
    for r, marker in zip(records, "xo+^v"):
        ours = {(m["model"], m["seed"]): 100 * m["val_acc"][1] for m in r["models"]}
        ax.scatter(
            range(len(models)),
            [ours.get((n, k)) for n, k in zip(models["name"], models["seed"])],
            marker=marker,
            s=30,
            label=f"retrained on {r['cpu']} ({r['date']})",
        )
    ax.set_xticks(range(len(models)), labels, rotation=90)
    ax.set_ylabel("validation accuracy (%)")
    ax.legend(loc="lower left")
    return plots.caption(
        fig,
        "Validation accuracy (%) of each published model (grey) and of the same recipe and seed "
        "retrained in each replication record (markers): a marker on its grey dot is the same "
        "accuracy; equal weights digests (the table above) mean bit-identical models.",
    )


__all__ = [
    "ENVIRONMENT",
    "build",
    "glue_published",
    "glue_runs",
    "moved",
    "published_table",
    "replication_figure",
    "replications",
    "run_time_figure",
    "runs",
    "trained_models",
]
