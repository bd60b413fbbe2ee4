"""The performance page's tables, figure and glue from benchmark rows."""

import matplotlib.pyplot as plt
import pandas as pd

from unitroles import bench_report


def row(layer: str, ratio: float, **kw) -> dict:
    """A benchmark row as bench_engine returns it (rates in images x ablations / s)."""
    return {
        "layer": layer, "units": 64, "images": 1000, "engine_rate": 1000.0 * ratio,
        "reference_rate": 1000.0, "ratio": ratio, "ratio_low": 0.9 * ratio,
        "ratio_high": 1.1 * ratio, "flop_ratio": 2 * ratio, "identical": True, "ref_units": 3,
        "reference_times": [4.0, 8.0], "reference_pass_s": 1.5, "target": 10.0,
        "engine_s": 0.5, "reference_s": 6.0, "engine_runs": 5, "reference_runs": 3,
        "macs_prefix": 1.0, "macs_suffix": 3.0,
    } | kw  # fmt: skip


LAYERS = pd.DataFrame(
    [row("conv1", 1.5, reference_pass_s=1.0), row("conv5", 20.0, reference_pass_s=2.0)]
).set_index("layer")


def test_glue_reads_the_verdict_the_prefix_share_and_the_spread_of_pass_times():
    glued = bench_report.glue_values(row("conv5", 20.0), LAYERS)
    assert glued["conv5_ratio"] == "20×"
    assert glued["conv5_target_met"] == "meets"  # even 18× reaches 10×
    assert glued["conv5_prefix_share"] == "25%"
    assert glued["conv5_passes"] == 65
    assert glued["conv1_ratio"] == "1.5×"
    assert (glued["pass_fastest"], glued["pass_slowest"], glued["pass_spread"]) == (
        "1.00", "2.00", "2.0",
    )  # fmt: skip


def test_glue_page_says_whether_the_gpu_ran_and_quotes_the_ratio(monkeypatch):
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    assert bench_report.glue_page(row("conv5", 20.0), LAYERS, "a machine", weights="train") is None
    values = glued
    assert values["machine"] == "a machine" and values["weights"] == "train"
    assert values["gpu_ran"] in ("ran", "did not run")
    assert "sweeps conv5 20× faster than the hook-based reference (18–22×" in glued["takeaway"].data


def test_a_ratio_within_its_spread_of_the_target_is_not_decided():
    table = bench_report.conv5_ratio(row("conv5", 10.5))
    assert (
        table.loc["conv5", "verdict"]
        == "the speed-up is within the run-to-run spread of the target"
    )


def test_layers_table_gives_each_pass_time_with_its_range_and_says_counts_agree():
    table, caption = bench_report.layers_table(LAYERS)
    assert list(table.index) == ["conv1 (64)", "conv5 (64)"]
    assert table.iloc[0]["reference s / pass (range)"] == "1.00 (1.00–2.00)"  # 4 s and 8 s / 4
    assert caption.endswith("Counts identical on every layer: yes")
    assert "1000 for conv1, conv5" in caption


def test_layers_figure_labels_the_ratio_of_each_layer():
    fig = bench_report.layers_figure(LAYERS)
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.5×", "20×"]
    plt.close(fig)
