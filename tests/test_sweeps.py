import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from unitroles import engine, sweeps, zoo
from unitroles.store import Store


def setup(seed=0, classes=5):
    torch.manual_seed(seed)
    model = zoo.build_model("alexnet-mini", classes).double().eval()
    x = torch.randn(20, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, classes, (20,))
    return model, x, y


def run(model, x, y, store, **kw):
    kw = {"shard_size": 8, "device": "cpu", "progress": False, **kw}
    return sweeps.cached_sweep(model, "conv5", x, y, engine.single_units(96), 5, store=store, **kw)


def test_cached_sweep_equals_engine_and_loads_the_second_time(store, monkeypatch):
    model, x, y = setup()
    first = run(model, x, y, store)
    direct = engine.sweep(model, "conv5", x, y, engine.single_units(96), 5, device="cpu")
    assert torch.equal(first.correct, direct.correct)
    assert torch.equal(first.base_correct, direct.base_correct)
    torch.testing.assert_close(first.loss, direct.loss)

    def no_compute(*a, **k):
        raise AssertionError("recomputed a cached sweep")

    monkeypatch.setattr(engine.Engine, "sweep", no_compute)
    second = run(model, x, y, store)
    assert torch.equal(second.correct, first.correct) and second.names == first.names


def test_killed_sweep_resumes_without_recomputing_finished_shards(store, monkeypatch):
    model, x, y = setup()
    expected = run(model, x, y, Store(store.root.parent / "other"))

    def kill_after_third(i):
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(model, x, y, store, on_shard=kill_after_third)
    partial = next((store.root / "sweeps").glob(".partial-*"))
    assert len(list(partial.glob("shard-*.npz"))) == 3
    assert not any(store.has("sweeps", "sweep", p) for p in ["x"])

    calls = []
    original = engine.Engine.sweep

    def counting(self, *a, **k):
        calls.append(1)
        return original(self, *a, **k)

    monkeypatch.setattr(engine.Engine, "sweep", counting)
    resumed = run(model, x, y, store)
    assert len(calls) == 12 - 3  # 96 units in shards of 8; three were done
    assert torch.equal(resumed.correct, expected.correct)
    torch.testing.assert_close(resumed.loss, expected.loss)
    assert not partial.exists()


def test_cache_rejects_changed_weights_layer_data_and_ablations():
    model, x, y = setup()
    abl = engine.single_units(96)
    key = sweeps.sweep_key(model, "conv5", x, y, abl, 5)
    assert sweeps.sweep_key(model, "conv5", x, y, abl, 5) == key
    changed = setup()[0]
    with torch.no_grad():
        changed.classifier[-1].bias[0] += 1e-9
    assert sweeps.sweep_key(changed, "conv5", x, y, abl, 5) != key
    assert sweeps.sweep_key(model, "conv4", x, y, engine.single_units(96), 5) != key
    assert sweeps.sweep_key(model, "conv5", x[:-1], y[:-1], abl, 5) != key
    assert sweeps.sweep_key(model, "conv5", x, y, abl[:3], 5) != key
    assert sweeps.sweep_key(model, "conv5", x, y, abl, 6) != key


def test_cache_rejects_changed_engine_code(monkeypatch):
    model, x, y = setup()
    key = sweeps.sweep_key(model, "conv5", x, y, engine.single_units(96), 5)
    monkeypatch.setattr(sweeps, "code_version", lambda *m: "edited")
    assert sweeps.sweep_key(model, "conv5", x, y, engine.single_units(96), 5) != key


def test_distributed_sweep_over_two_gloo_processes_equals_one_process(tmp_path):
    model, x, y = setup()
    single = run(model, x, y, Store(tmp_path / "single"))
    script = Path(__file__).parent / "scripts" / "distributed_sweep.py"
    result = subprocess.run(
        [
            sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
            "--standalone", str(script), str(tmp_path / "dist"), str(tmp_path / "out"),
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for rank in (0, 1):
        with np.load(tmp_path / f"out-rank{rank}.npz") as f:
            assert np.array_equal(f["correct"], single.correct.numpy())
            assert np.array_equal(f["base_correct"], single.base_correct.numpy())
            np.testing.assert_allclose(f["loss"], single.loss.numpy(), rtol=1e-12)
