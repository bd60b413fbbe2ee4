"""The benchmark sections run (tiny sizes, CPU) and return their rows; timings are not tested."""

import math

import pytest
import torch

from unitroles import bench, bench_engine, bench_gpu, bench_rof, engine, timing, zoo


def test_gpu_mode_runs_on_cpu_with_tiny_sizes():
    (row,) = bench_gpu.bench_gpu(
        images=8,
        units=3,
        image_size=63,
        ref_units=1,
        repeats=1,
        ref_repeats=1,
        device="cpu",
        chunk_images=8,
        matmul_size=256,
        verbose=False,
    )
    assert row["device"] == "cpu" and row["units"] == 3 and row["images"] == 8
    assert row["ratio"] > 0 and math.isfinite(row["ratio"])
    assert row["floor_s"] > 0 and row["time_over_floor"] > 0
    assert row["matmul_flops"] > 0
    # the linear-head shortcut applies: the first Linear (9216 -> 4096) runs once per image
    assert row["shortcut"] and row["macs_head"] == 9216 * 4096
    assert row["suffix_macs_no_shortcut"] == 9216 * 4096 + 4096 * 4096 + 4096 * 1000
    assert row["suffix_macs_shortcut"] == 4096 * 4096 + 4096 * 1000
    assert row["floor_no_shortcut_s"] > row["floor_s"]
    assert row["identical"]


def test_cpu_sections_with_tiny_sizes(capsys):
    workload = bench_engine.scene_workload(2, weights="random")
    assert len(workload.labels) == 2 * workload.num_classes
    (conv5,) = bench_engine.bench_conv5(workload, engine_repeats=1, ref_repeats=1, ref_units=2)
    assert conv5["identical"] and conv5["ratio"] > 0 and conv5["units"] == 64
    assert "identical" in capsys.readouterr().out
    small = workload.first(1)
    assert small.labels.tolist() == list(range(workload.num_classes))
    rows = bench_engine.bench_layers(small, repeats=1, ref_units=1, verbose=False)
    assert [r["layer"] for r in rows] == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    assert [r["units"] for r in rows] == [32, 64, 96, 96, 64]  # the book's baseline: conv5 64 wide
    for r in rows:
        assert r["identical"], r["layer"]
        assert r["engine_rate"] > 0 and r["reference_rate"] > 0 and r["flop_ratio"] > 1


def test_work_counts_macs_of_alexnet_mini_conv5():
    model = zoo.build_model("alexnet-mini", 24).eval()
    w = timing.work(engine.Engine(model, "conv5", device="cpu"), torch.zeros(1, 3, 48, 48))
    assert (w.suffix, w.head) == (384 * 256 + 256 * 256 + 256 * 24, 384 * 256)
    convs = [(24 * 24, 3 * 25, 32), (11 * 11, 32 * 25, 64), (25, 64 * 9, 96), (25, 96 * 9, 96)]
    assert w.prefix == sum(a * b * c for a, b, c in convs) + 25 * 96 * 9 * 96
    assert w.flop_ratio(96) == pytest.approx(97 * (w.prefix + w.suffix) / w.engine(96))


def test_side_by_side_interleaves_and_keeps_the_last_result():
    calls = []
    out = timing.side_by_side(
        {"a": (lambda: calls.append("a") or len(calls), 3), "b": (lambda: calls.append("b"), 1)}
    )
    assert calls == ["a", "b", "a", "a"]
    assert len(out["a"][0]) == 3 and out["a"][1] == 4 and len(out["b"][0]) == 1


def test_rof_section_with_tiny_sizes(capsys):
    workload = bench_rof.rof_workload(2, weights="random")
    assert len(workload.labels) == 2 * workload.num_classes
    (row,) = bench_rof.bench_rof(workload, repeats=1, ref_classes=1)
    assert row["identical"] and row["prefix_sum"] and row["units"] == 128
    assert row["points"] == workload.num_classes * 129
    assert row["ratio"] > 0 and math.isfinite(row["ratio"])
    assert "ratio" in capsys.readouterr().out


def test_performance_verdict_uses_the_spread_over_repeats():
    row = {"ratio": 50.0, "ratio_low": 47.0, "ratio_high": 53.0}
    assert bench_engine.against_target(row, 50) == "is within the run-to-run spread of"
    assert bench_engine.against_target(row, 45) == "meets"
    assert bench_engine.against_target(row, 60) == "falls short of"
    assert bench_engine.against_target({"ratio": 51.0}, 50) == "meets"  # one run: no spread


def test_the_command_line_runs_the_gpu_mode_on_cpu_with_tiny_sizes(capsys):
    bench.main(
        ["--gpu", "--quick", "--device", "cpu", "--images", "4", "--units", "2",
         "--image-size", "63", "--ref-units", "1"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("# unitroles bench: torch ")
    assert "no CUDA device" in out and "## GPU mode: torchvision alexnet conv5, 63 px" in out
    assert "counts of the 1 reference units: identical" in out
