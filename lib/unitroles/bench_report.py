"""The performance page's tables, figure and glue, from the rows the benchmarks return.

:func:`unitroles.bench_engine.bench_conv5` and :func:`~unitroles.bench_engine.bench_layers`
return one dict per comparison (rates in images x ablations / s, times in s, the engine's
speed-up over the reference with its spread over the repeats, the dense FLOP bound);
:func:`unitroles.bench_gpu.bench_gpu` returns the GPU mode's. This module shows them; it times
nothing itself.
"""

from __future__ import annotations

import pandas as pd
import torch

from . import plots, report
from .bench_engine import against_target


def machine(info: dict) -> str:
    """The machine in one line, from :func:`unitroles.timing.machine`."""
    return (
        f"{info['cpu_count']} CPU cores ({info['cpu']}), torch {info['torch']} with "
        f"{info['torch_threads']} threads, Python {info['python']}"
    )


def conv5_runs(conv5: dict) -> pd.DataFrame:
    """The conv5 sweep of each path: throughput, median time, ablations timed and runs."""
    return pd.DataFrame(
        {
            "engine": [
                f"{conv5['engine_rate']:,.0f}",
                f"{conv5['engine_s']:.2f}",
                f"{conv5['units']}",
                f"{conv5['engine_runs']}",
            ],
            "reference": [
                f"{conv5['reference_rate']:,.0f}",
                f"{conv5['reference_s']:.2f}",
                f"{conv5['ref_units']} (+ clean pass)",
                f"{conv5['reference_runs']}",
            ],
        },
        index=["images × ablations / s", "seconds (median run)", "ablations timed", "runs"],
    )


def conv5_ratio(conv5: dict) -> pd.DataFrame:
    """The conv5 speed-up: median, spread over the repeats, target, FLOP bound and verdict."""
    verdict = against_target(conv5, conv5["target"])
    return pd.DataFrame(
        {
            "engine ÷ reference (median)": [f"{conv5['ratio']:.0f}×"],
            "spread over repeats": [f"{conv5['ratio_low']:.0f}× – {conv5['ratio_high']:.0f}×"],
            "target": [f"≥ {conv5['target']:.0f}×"],
            "dense FLOP bound": [f"{conv5['flop_ratio']:.0f}×"],
            "verdict": [f"the speed-up {verdict} the target"],
        },
        index=["conv5"],
    )


def pass_time(row) -> str:
    """The reference's time for one full forward pass (s), median and range over the repeats."""
    passes = row["ref_units"] + 1
    times = [t / passes for t in row["reference_times"]]
    return f"{row['reference_pass_s']:.2f} ({min(times):.2f}–{max(times):.2f})"


def layers_table(layers: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Every layer's comparison (``layers``: the benchmark rows indexed by layer) as a table and
    its caption: throughputs, ratio with spread, FLOP bound, the reference's time per pass."""
    table = pd.DataFrame(
        {
            "engine (img × abl / s)": layers["engine_rate"].round(),
            "reference (img × abl / s)": layers["reference_rate"].round(),
            "ratio (spread)": [
                f"{r:.1f}× ({lo:.1f}–{hi:.1f})"
                for r, lo, hi in zip(layers["ratio"], layers["ratio_low"], layers["ratio_high"])
            ],
            "FLOP bound": [f"{r:.1f}×" for r in layers["flop_ratio"]],
            "reference s / pass (range)": [pass_time(r) for _, r in layers.iterrows()],
        },
    ).set_axis(
        pd.Index(
            [f"{n} ({u})" for n, u in zip(layers.index, layers["units"])], name="layer (units)"
        )
    )
    images = "; ".join(
        f"{n} for {', '.join(group.index)}" for n, group in layers.groupby("images", sort=False)
    )
    caption = (
        "Runs: engine and reference interleaved; medians, with the lowest and highest of the "
        f"repeats. Images: {images}. Counts identical on every layer: "
        + ("yes" if layers["identical"].all() else "NO")
    )
    return table, caption


def layers_figure(layers: pd.DataFrame):
    """Throughput of the engine and the reference at each layer (log scale), each point labelled
    with their ratio; captioned, with alt text."""
    fig, ax = plots.figure(width=6.5, height=3.4)
    x = range(len(layers))
    ax.plot(x, layers["engine_rate"], "o-", label="engine")
    ax.plot(x, layers["reference_rate"], "s-", label="reference (hook, full pass per ablation)")
    top = layers[["engine_rate", "reference_rate"]].max(axis=1)
    for i, (rate, ratio) in enumerate(zip(top, layers["ratio"])):
        ax.annotate(
            f"{ratio:.2g}×", (i, rate), textcoords="offset points", xytext=(0, 6), ha="center"
        )
    ax.set_yscale("log")
    ax.set_xticks(list(x), list(layers.index))
    ax.set_xlabel("ablated layer of alexnet-mini")
    ax.set_ylabel("images × ablations / s (log)")
    ax.set_title("Single-unit sweeps on CPU, engine against reference")
    ax.legend(loc="upper left")
    return plots.caption(
        fig,
        "Throughput of a single-unit sweep at each conv layer of alexnet-mini, on this machine's "
        "CPU (log scale; medians of the interleaved runs). Labels: the engine's throughput "
        "divided by the reference's. The engine gains more the higher the layer, because less "
        "of the network lies after it.",
        alt="Line chart, log scale: throughput in images times ablations per second of the "
        "engine and of the hook-based reference at conv1 to conv5 of alexnet-mini. The engine's "
        "line rises with the layer while the reference's stays roughly flat; the ratio labels "
        f"grow from about {layers['ratio'].iloc[0]:.1f} at conv1 to "
        f"{layers['ratio'].iloc[-1]:.0f} at conv5.",
    )


def glue_values(conv5: dict, layers: pd.DataFrame) -> dict:
    """The numbers the page's prose reads (``report.glue``) from the conv5 row and every
    layer's: rates, ratios and their spread, the target and verdict, the prefix's share of a
    full pass's multiply-accumulates, and the reference's time per pass over the layers."""
    share = conv5["macs_prefix"] / (conv5["macs_prefix"] + conv5["macs_suffix"])
    pass_s = {layer: r["reference_pass_s"] for layer, r in layers.iterrows()}
    return {
        "n_images": f"{conv5['images']:,}",
        "conv5_ratio": f"{conv5['ratio']:.0f}×",
        "conv5_ratio_low": f"{conv5['ratio_low']:.0f}×",
        "conv5_ratio_high": f"{conv5['ratio_high']:.0f}×",
        "conv5_engine_rate": f"{conv5['engine_rate']:,.0f}",
        "conv5_reference_rate": f"{conv5['reference_rate']:,.0f}",
        "conv5_flop_bound": f"{conv5['flop_ratio']:.0f}×",
        "conv5_target": f"{conv5['target']:.0f}×",
        "conv5_target_met": against_target(conv5, conv5["target"]),
        "conv5_units": conv5["units"],
        "conv5_passes": conv5["units"] + 1,
        "conv5_prefix_share": f"{share:.0%}",
        "conv5_ref_units": conv5["ref_units"],
        "conv5_identical": "identical" if conv5["identical"] else "not identical",
        "conv1_ratio": f"{layers.loc['conv1', 'ratio']:.1f}×",
        "pass_fastest": f"{min(pass_s.values()):.2f}",
        "pass_slowest": f"{max(pass_s.values()):.2f}",
        "pass_spread": f"{max(pass_s.values()) / min(pass_s.values()):.1f}",
    }


def glue_page(conv5: dict, layers: pd.DataFrame, machine: str, weights: str) -> None:
    """Glue the performance page's numbers (:func:`glue_values`, the machine, the weights, whether
    the GPU comparison ran) and its takeaway (returns nothing, so that a cell ending with it
    shows nothing)."""
    glued = glue_values(conv5, layers)
    values = {
        "machine": machine,
        "weights": weights,
        **glued,
        "gpu_ran": "ran" if torch.cuda.is_available() else "did not run",
    }
    report.glue(values)
    report.takeaway(
        f"On this machine the engine sweeps conv5 {glued['conv5_ratio']} faster than the "
        f"hook-based reference ({conv5['ratio_low']:.0f}–{conv5['ratio_high']:.0f}× over the "
        f"repeats), which {glued['conv5_target_met']} the target of {glued['conv5_target']}; the "
        f"dense FLOP bound is {glued['conv5_flop_bound']}. Both give identical counts. Lower "
        f"layers gain less ({glued['conv1_ratio']} at conv1), since most of the network lies "
        "after them.",
        note="This page is for maintainers: it times the code, it tests no claim of the papers.",
    )


def gpu_table(gpu: dict) -> pd.DataFrame:
    """The GPU mode's row (:func:`unitroles.bench_gpu.bench_gpu`) as one column."""
    return pd.Series(
        {
            "device": gpu["device_name"],
            "images × units": f"{gpu['images']:,} × {gpu['units']}",
            "engine (images × ablations / s)": f"{gpu['engine_rate']:,.0f}",
            "reference (images × ablations / s)": f"{gpu['reference_rate']:,.0f}",
            "ratio": f"{gpu['ratio']:.1f}× ({gpu['ratio_low']:.1f}–{gpu['ratio_high']:.1f}×)",
            "target": f"≥ {gpu['ratio_target']:.0f}×: " + against_target(gpu, gpu["ratio_target"]),
            "matmul rate (TFLOP/s)": f"{gpu['matmul_flops'] / 1e12:.1f}",
            "floor from suffix FLOPs (s)": f"{gpu['floor_s']:.3g}",
            "engine time / floor": f"{gpu['time_over_floor']:.2f}× (target ≤ 3×)",
        }
    ).to_frame("AlexNet conv5, 224 px")


__all__ = [
    "conv5_ratio",
    "conv5_runs",
    "glue_values",
    "glue_page",
    "gpu_table",
    "layers_figure",
    "layers_table",
    "machine",
    "pass_time",
]
