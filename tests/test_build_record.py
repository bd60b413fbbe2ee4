"""What built the book: runs read back, the build's environment, the replication records."""

import json
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from unitroles import build_record


def test_runs_raise_with_what_to_run_when_the_folder_holds_no_notebook(tmp_path):
    with pytest.raises(FileNotFoundError, match="make notebooks"):
        build_record.runs(tmp_path)


def test_runs_leave_out_the_named_notebooks(monkeypatch):
    records = [
        {"notebook": name, "seconds": 1.0, "parameters": {"profile": "book"}}
        for name in ("fig1", "status")
    ]
    monkeypatch.setattr(build_record.report, "runs_in", lambda folder: records)
    assert list(build_record.runs("x")[0].index) == ["fig1", "status"]
    assert list(build_record.runs("x", leave_out=["status"])[0].index) == ["fig1"]


def test_build_joins_differing_values_and_gives_dates_as_a_range():
    runs = pd.DataFrame({"seconds": [1.0, 2.0], "profile": ["book", "book"]})
    env = pd.DataFrame({"torch": ["2.1", "2.2"], "date": ["2024-01-02", "2024-01-01"]})
    build = build_record.build(runs, env)
    assert build["profile"] == "book"
    assert build["torch"] == "2.1 / 2.2"
    assert build["executed"] == "2024-01-01 to 2024-01-02"
    assert build["GPU"] == "not recorded"


def test_run_time_figure_names_the_slowest_and_fastest_page():
    fig = build_record.run_time_figure(pd.Series({"a": 3.0, "b": 10.0, "c": 1.0}))
    assert "the slowest is b at 10 s, the fastest c at 1 s" in fig._unitroles_alt
    plt.close(fig)


def test_glue_runs_names_the_slowest_page_and_the_total(monkeypatch):
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    runs = pd.DataFrame({"seconds": [30.0, 90.0], "profile": ["book"] * 2}, index=["a", "b"])
    env = pd.DataFrame({"commit": ["abc"], "torch": ["2.13"], "cpu_count": [2], "gpu": ["none"]})
    assert build_record.glue_runs(runs, build_record.build(runs, env)) is None
    expected = {"total_minutes": "2.0", "n_notebooks": 2, "slowest": "b", "slowest_seconds": "90"}
    assert {k: glued[k] for k in expected} == expected
    assert "2 notebooks (book profile) in 2.0 minutes" in glued["takeaway"].data
    assert "Commit abc, torch 2.13, 2 CPU cores, GPU: none." in glued["takeaway"].data


def test_glue_published_counts_the_records_with_every_model_identical(monkeypatch):
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    manifest = {"models": [{}, {}, {}], "cpu": "AMD EPYC", "torch": "2.13.0", "published": "d"}
    records = [
        {"models_identical": 3, "models": [1, 2, 3]},
        {"models_identical": 1, "models": [1, 2]},
    ]
    assert build_record.glue_published(manifest, 79.84, records) is None
    assert glued["n_published"] == 3 and glued["size_mib"] == "79.8"
    assert "3 models are published (80 MiB, trained on a AMD EPYC)" in glued["takeaway"].data
    assert "2 replication record(s) so far, 1 of them with every model" in glued["takeaway"].data


def test_trained_models_say_what_was_not_recorded():
    trained = {("baseline", 0): SimpleNamespace(meta={"versions": {}}, train_seconds=2.5)}
    row = build_record.trained_models(trained).loc[("baseline", 0)]
    assert row["weights digest"] == "not recorded"
    assert row["training time (s)"] == 2.5


RECORD = json.loads(
    """{"cpu": "EPYC", "torch": "2.2", "date": "2024-01-01", "models_identical": 1,
    "models": [{"model": "alexnet-mini", "seed": 0, "val_acc": [0.80, 0.83]},
               {"model": "alexnet-mini", "seed": 1, "val_acc": [0.80, 0.80]}],
    "verdicts_same": 1,
    "verdicts": [{"claim": "Z1", "same": true, "published": ["holds"], "retrained": ["holds"]},
                 {"claim": "Z2", "same": false, "published": ["holds"], "retrained": null}]}"""
)


def test_a_replication_row_names_the_claims_that_moved_and_the_largest_change():
    row = build_record.replications([RECORD]).iloc[0]
    assert row["models identical"] == "1 of 2"
    assert row["largest val. acc. change (pts)"] == pytest.approx(3.0)
    assert row["claims that moved"] == "Z2 holds → absent"
    assert build_record.moved(RECORD | {"verdicts": []}) == "pages not run"


def test_replication_figure_marks_each_record():
    models = pd.DataFrame({"name": ["alexnet-mini"] * 2, "seed": [0, 1], "val_acc": [0.8, 0.8]})
    fig = build_record.replication_figure(models, [RECORD])
    assert len(fig.axes[0].collections) == 2  # published, one record
    plt.close(fig)
