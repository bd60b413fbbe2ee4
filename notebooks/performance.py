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
# # Performance: the engine against the reference
#
# Every ablation figure in this book comes from the ablation engine (`unitroles.engine`). Its
# numbers are checked against a **reference** written the way published ablation code is: a
# forward hook zeroes one unit of the layer and the *whole* model runs once per ablation, so a
# single-unit sweep of a layer with $U$ units costs $U + 1$ full forward passes over the images
# (one clean). The **engine** uses the fact that ablating a unit changes nothing upstream of its
# layer: it splits the model at the layer, runs the **prefix** (input to layer) once per image,
# and runs the **suffix** (layer to logits) on many ablations stacked along the batch dimension.
# When the suffix starts with per-channel operations followed by a linear map (a `Linear` or
# `Conv2d`), the first pre-activation of an ablated unit is the clean one minus that unit's
# contribution, so that linear map runs once per image, not once per ablation (the
# *linear-head subtraction*). This page times both on the same sweep, checks they return the same
# counts, and compares the ratio with what the two paths' arithmetic allows.
#
# Throughput is counted in **images × ablations per second**. The reference is timed on a few
# units (plus its clean pass) and its time is scaled to the $U + 1$ passes of a full sweep; the
# engine is timed on the full sweep. The **FLOP bound** is the ratio the engine would reach if both
# paths ran at the same FLOP rate: it counts the multiply-accumulates of every `Linear` and
# `Conv2d` each path runs, as if every ablation changed every image. It is a *dense* bound: the
# engine also skips, exactly, the (ablation, image) pairs where the ablated unit is zero all over
# the image (post-ReLU maps are sparse), so a measured ratio can exceed it. All runs of one
# comparison are interleaved in one process and the median is shown, because the machine may be
# shared.

# %% tags=["parameters"]
profile = "book"  # smoke | book | paper (the paper profile runs the book's CPU comparison too)
data_scale = 1.0  # fraction of the book profile's validation images (100 per class)
epoch_scale = 1.0  # scales the baseline's training epochs
world_seed = 0
image_size = 48

# %%
import pandas as pd
import torch

from unitroles import bench, plots, report
from unitroles.scenes import SceneWorld

plots.use_style()
world = SceneWorld(size=48 if profile == "paper" else image_size, seed=world_seed)
per_class = max(2, round(100 * data_scale))
repeats = {"engine": 5, "reference": 3, "layers": 3}
if profile == "smoke":  # seconds, not evidence: one timed run of each
    repeats = dict.fromkeys(repeats, 1)
workload = bench.scene_workload(
    per_class, weights="train", world=world, data_scale=data_scale, epoch_scale=epoch_scale
)
info = bench.machine()
machine = (
    f"{info['cpu_count']} CPU cores ({info['cpu']}), torch {info['torch']} with "
    f"{info['torch_threads']} threads, Python {info['python']}"
)
print(machine)
print(f"alexnet-mini, {workload.weights}; {len(workload.labels)} validation images")

# %% [markdown]
# ## conv5: a full single-unit sweep
#
# alexnet-mini's last conv layer has {glue:text}`conv5_units` units. The engine ablates each of
# them on every validation image; the reference ablates {glue:text}`conv5_ref_units` of them, and
# their per-class counts must be identical to the engine's rows (the function raises otherwise).

# %%
conv5 = bench.bench_conv5(
    workload,
    engine_repeats=repeats["engine"],
    ref_repeats=repeats["reference"],
    ref_units=8,
    verbose=False,
)[0]
pd.DataFrame(
    {
        "images × ablations / s": [conv5["engine_rate"], conv5["reference_rate"]],
        "seconds (median)": [conv5["engine_s"], conv5["reference_s"]],
        "ablations timed": [conv5["units"], conv5["ref_units"]],
        "runs": [conv5["engine_runs"], conv5["reference_runs"]],
    },
    index=["engine", "reference"],
).style.format({"images × ablations / s": "{:,.0f}", "seconds (median)": "{:.2f}"})

# %% [markdown]
# ## Every conv layer
#
# The same comparison for conv1 … conv4 on a quarter of the images (the reference on 4 units of
# each), with the conv5 row from above; the last columns say how many units the reference ran and
# how many runs the medians are of. Lower layers leave most of the network in the suffix, so the
# engine saves less there; the FLOP bound says how much it could save at best.

# %%
quarter = workload.first(max(2, per_class // 4))  # classes stay balanced
rows = bench.bench_layers(
    quarter, layers=bench.CONV_LAYERS[:-1], repeats=repeats["layers"], ref_units=4, verbose=False
)
layers = pd.DataFrame(rows + [conv5]).set_index("layer")
table = pd.DataFrame(
    {
        "units": layers["units"],
        "images": layers["images"],
        "engine (images × ablations / s)": layers["engine_rate"],
        "reference (images × ablations / s)": layers["reference_rate"],
        "ratio": layers["ratio"],
        "dense FLOP bound": layers["flop_ratio"],
        "reference units timed": layers["ref_units"],
        "runs (engine / reference)": [
            f"{e} / {r}" for e, r in zip(layers["engine_runs"], layers["reference_runs"])
        ],
        "counts identical": layers["identical"],
    }
)
table.style.format(
    {
        "engine (images × ablations / s)": "{:,.0f}",
        "reference (images × ablations / s)": "{:,.0f}",
        "ratio": "{:.1f}×",
        "dense FLOP bound": "{:.1f}×",
    }
)

# %%
fig, ax = plots.figure(width=6.5, height=3.2)
x = range(len(layers))
ax.plot(x, layers["engine_rate"], "o-", label="engine")
ax.plot(x, layers["reference_rate"], "s-", label="reference (hook, full pass per ablation)")
top = layers[["engine_rate", "reference_rate"]].max(axis=1)
for i, (rate, ratio) in enumerate(zip(top, layers["ratio"])):
    ax.annotate(f"{ratio:.2g}×", (i, rate), textcoords="offset points", xytext=(0, 6), ha="center")
ax.set_yscale("log")
ax.set_xticks(list(x), list(layers.index))
ax.set_xlabel("ablated layer of alexnet-mini")
ax.set_ylabel("throughput (images × ablations / s)")
ax.set_title("single-unit sweeps on CPU (labels: engine ÷ reference)")
ax.legend(fontsize=8, loc="upper left")
plots.show()

# %%
met = conv5["ratio"] >= conv5["target"]
share = conv5["macs_prefix"] / (conv5["macs_prefix"] + conv5["macs_suffix"])
report.glue(
    {
        "machine": machine,
        "weights": workload.weights,
        "n_images": f"{conv5['images']:,}",
        "conv5_ratio": f"{conv5['ratio']:.0f}×",
        "conv5_engine_rate": f"{conv5['engine_rate']:,.0f}",
        "conv5_reference_rate": f"{conv5['reference_rate']:,.0f}",
        "conv5_flop_bound": f"{conv5['flop_ratio']:.0f}×",
        "conv5_target": f"{conv5['target']:.0f}×",
        "conv5_target_met": "meets" if met else "falls short of",
        "conv5_units": conv5["units"],
        "conv5_passes": conv5["units"] + 1,
        "conv5_prefix_share": f"{share:.0%}",
        "conv5_ref_units": conv5["ref_units"],
        "conv5_identical": "identical" if conv5["identical"] else "not identical",
        "conv1_ratio": f"{layers.loc['conv1', 'ratio']:.1f}×",
    }
)

# %% [markdown]
# On this machine ({glue:text}`machine`), a single-unit sweep of conv5 over
# {glue:text}`n_images` images runs at {glue:text}`conv5_engine_rate` images × ablations per
# second in the engine and {glue:text}`conv5_reference_rate` in the reference: the engine is
# {glue:text}`conv5_ratio` faster, which {glue:text}`conv5_target_met` the target of
# {glue:text}`conv5_target`. The counts of the {glue:text}`conv5_ref_units` units the reference
# ran are {glue:text}`conv5_identical` to the engine's. The dense FLOP bound for conv5 is
# {glue:text}`conv5_flop_bound`: the prefix, which the engine must still run once per image, holds
# {glue:text}`conv5_prefix_share` of a full pass's multiply-accumulates, so even a free suffix
# could not make a sweep more than about $U + 1 =$ {glue:text}`conv5_passes` times faster. At
# conv1, where the suffix is nearly the whole network, the engine's throughput is
# {glue:text}`conv1_ratio` the reference's. Below conv5 the suffix's first linear map is a
# convolution, and what the engine does per ablation is mostly moving feature maps (gathering a
# unit's contribution map, subtracting it, pooling), which the FLOP bound does not count; the
# measured ratios there can sit well below their bounds. Model: alexnet-mini,
# {glue:text}`weights`.
#
# ## On a GPU
#
# `python -m unitroles.bench --gpu` runs the papers' setting: torchvision AlexNet at 224 px
# (random weights and images), a sweep of conv5's 256 units over 10,000 images, and compares the
# engine's time with the floor set by the suffix's FLOPs at the GPU's measured matmul rate. This
# page runs it when the machine that builds it has a CUDA device.

# %%
if torch.cuda.is_available():
    gpu = bench.bench_gpu(images=max(256, round(10_000 * data_scale)), verbose=False)[0]
    gpu_table = pd.Series(
        {
            "device": gpu["device_name"],
            "images × units": f"{gpu['images']:,} × {gpu['units']}",
            "engine (images × ablations / s)": f"{gpu['engine_rate']:,.0f}",
            "reference (images × ablations / s)": f"{gpu['reference_rate']:,.0f}",
            "ratio": f"{gpu['ratio']:.1f}× (target ≥ {gpu['ratio_target']:.0f}×)",
            "matmul rate (TFLOP/s)": f"{gpu['matmul_flops'] / 1e12:.1f}",
            "floor from suffix FLOPs (s)": f"{gpu['floor_s']:.3g}",
            "engine time / floor": f"{gpu['time_over_floor']:.2f}× (target ≤ 3×)",
        }
    ).to_frame("AlexNet conv5, 224 px")
else:
    gpu_table = pd.Series({"device": "none: no CUDA device on this machine"}).to_frame("GPU mode")
gpu_table
