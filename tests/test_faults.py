"""Faults a user meets: concurrent runs, damaged cache entries, bad data and checkpoints.

Each test asserts what the user sees (a correct result, or a message naming the thing to fix)
and that nothing half-written is left in the cache.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from unitroles import checkpoints, data, engine, input_stamps, paper, params, sweeps, zoo
from unitroles.broden import BrodenDataset
from unitroles.store import CHECKSUMS, Store


def small_sweep_inputs(seed=0, classes=5):
    torch.manual_seed(seed)
    model = zoo.build_model("alexnet-mini", classes).double().eval()
    x = torch.randn(12, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, classes, (12,))
    return model, x, y


def run_sweep(store, **kw):
    model, x, y = small_sweep_inputs()
    kw = {"shard_size": 4, "device": "cpu", "progress": False, **kw}
    units = engine.single_units(sweeps.layer_units(model, "conv5", x))[:16]  # four shards of 4
    return sweeps.cached_sweep(model, "conv5", x, y, units, 5, store=store, **kw)


def entry(store, kind):
    (path,) = [p for p in (store.root / kind).iterdir() if not p.name.startswith(".")]
    return path


def no_half_written(store):
    """Nothing temporary is left anywhere in the cache."""
    left = [p for p in store.root.rglob(".tmp-*")] + list(store.root.rglob("*.tmp.npz"))
    assert not left, left


# --------------------------------------------------------------------------------------------------
# Concurrency

WORKER = textwrap.dedent(
    """
    import json, sys, torch
    from unitroles import engine, roles, sweeps, train, zoo
    from unitroles.scenes import SceneWorld
    from unitroles.store import Store

    store = Store(sys.argv[1])
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", 5).double().eval()
    x = torch.randn(12, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, 5, (12,))
    units = engine.single_units(sweeps.layer_units(model, "conv5", x))[:16]
    shards = []
    counts = sweeps.cached_sweep(model, "conv5", x, y, units, 5, store=store,
                                 shard_size=4, device="cpu", progress=False,
                                 on_shard=shards.append)
    calls = []
    def compute():
        calls.append(1)
        return {"a": counts.correct.numpy() * 2}
    arrays = sweeps.cached_arrays(store, "rof", "concurrent", ("k",), compute)
    rec = train.recipe("baseline", train_per_class=1, eval_per_class=1, epochs=1, batch_size=16)
    trained = train.train(rec, SceneWorld(size=32), store=store, progress=False)
    print(json.dumps({
        "shards": len(shards), "computed_arrays": len(calls),
        "correct": counts.correct.tolist(), "loss": counts.loss.tolist(),
        "arrays": arrays["a"].tolist(), "digest": trained.meta["weights_digest"],
    }))
    """
)


def test_two_processes_running_the_same_sweep_both_finish_with_one_result(tmp_path):
    """Two runs of one sweep, one cached computation and one training at once on one cache (a page
    run while `make book` runs the same sweep): both finish, with identical results, and the
    second waits for the first instead of computing the sweep again."""
    cache = tmp_path / "cache"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(cache)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr[-3000:]
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    a, b = outs
    for field in ("correct", "loss", "arrays", "digest"):
        assert a[field] == b[field], field
    assert a["shards"] + b["shards"] == 4  # 16 units in shards of 4, computed once in all
    assert a["computed_arrays"] + b["computed_arrays"] == 1
    store = Store(cache)
    assert not list((cache / "sweeps").glob(".partial-*"))
    no_half_written(store)
    direct = run_sweep(Store(tmp_path / "alone"), shard_size=4)
    assert direct.correct.tolist() == a["correct"]


def test_lock_is_reentrant_within_a_process(store):
    with store.lock("sweeps", "x", "k"), store.lock("sweeps", "x", "k"):
        with store.writing("sweeps", "x", "k", {}) as tmp:
            (tmp / "f").write_text("1")
    assert store.has("sweeps", "x", "k")


# --------------------------------------------------------------------------------------------------
# Verified cache entries


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_bit(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def empty(path):
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "file, damage",
    [
        ("counts.npz", truncate), ("counts.npz", flip_a_bit), ("meta.json", empty),
        ("meta.json", flip_a_bit), (CHECKSUMS, flip_a_bit), (CHECKSUMS, truncate),
    ],
)  # fmt: skip
def test_damaged_sweep_entry_is_moved_aside_and_recomputed(store, file, damage):
    first = run_sweep(store)
    path = entry(store, "sweeps")
    damage(path / file)
    with pytest.warns(UserWarning, match=f"cache entry {path}"):
        again = run_sweep(store)
    assert torch.equal(again.correct, first.correct)
    assert torch.equal(again.loss, first.loss)
    (aside,) = (store.root / "sweeps" / ".corrupt").iterdir()
    assert aside.name.startswith(path.name)
    assert store.has("sweeps", path.name.split("-")[0], path.name.rsplit("-", 1)[1])
    no_half_written(store)


def test_entry_from_before_checksums_that_does_not_read_is_recomputed(store):
    first = run_sweep(store)
    path = entry(store, "sweeps")
    (path / CHECKSUMS).unlink()  # as published by an older version
    truncate(path / "counts.npz")
    with pytest.warns(UserWarning, match=f"cache entry {path} does not read"):
        again = run_sweep(store)
    assert torch.equal(again.correct, first.correct)


def test_damaged_in_progress_shard_is_recomputed(store, monkeypatch):
    expected = run_sweep(Store(store.root.parent / "other"), shard_size=2)

    def kill_after_third(i):
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(store, shard_size=2, on_shard=kill_after_third)
    partial = next((store.root / "sweeps").glob(".partial-*"))
    shard = partial / "shard-00001.npz"
    truncate(shard)
    with pytest.warns(UserWarning, match=f"sweep shard {shard} does not read"):
        resumed = run_sweep(store, shard_size=2)
    assert torch.equal(resumed.correct, expected.correct)
    torch.testing.assert_close(resumed.loss, expected.loss)
    assert not partial.exists()
    no_half_written(store)


@pytest.mark.parametrize("damage", [truncate, flip_a_bit])
def test_damaged_cached_arrays_are_recomputed(store, damage):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(1000.0)}

    sweeps.cached_arrays(store, "rof", "r", ("k",), compute)
    path = entry(store, "rof")
    damage(path / "arrays.npz")
    with pytest.warns(UserWarning, match=f"{path}: arrays.npz does not match its checksum"):
        arrays = sweeps.cached_arrays(store, "rof", "r", ("k",), compute)
    assert np.array_equal(arrays["x"], np.arange(1000.0)) and len(calls) == 2


@pytest.mark.parametrize("damage", [truncate, flip_a_bit])
def test_damaged_weights_of_a_trained_model_are_retrained(store, damage):
    """train.py publishes weights.pt through store.writing and checks store.has before loading:
    the checksums cover it with no change to train.py."""
    from unitroles import train
    from unitroles.scenes import SceneWorld

    rec = train.recipe("baseline", train_per_class=1, eval_per_class=1, epochs=1, batch_size=16)
    world = SceneWorld(size=32)
    first = train.train(rec, world, store=store, progress=False)
    path = entry(store, "models")
    damage(path / "weights.pt")
    with pytest.warns(UserWarning, match=f"{path}: weights.pt does not match its checksum"):
        again = train.train(rec, world, store=store, progress=False)
    assert again.meta["weights_digest"] == first.meta["weights_digest"]
    assert store.has("models", rec.name, train.cache_key(rec, world))


def test_damaged_broden_export_is_made_again(store):
    from unitroles import setups

    dataset, _ = setups.dissection_data("smoke", per_class=1, store=store)
    first = dataset[0]["image"]
    png = dataset.root / "images" / dataset.index[0]["image"]
    truncate(png)
    with pytest.warns(UserWarning, match="does not match its checksum"):
        dataset, _ = setups.dissection_data("smoke", per_class=1, store=store)
    assert torch.equal(dataset[0]["image"], first)


def test_failed_write_publishes_nothing_and_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.writing("rof", "x", "k", {}) as tmp:
            (tmp / "half.npz").write_bytes(b"12")
            raise RuntimeError("killed")
    assert not store.has("rof", "x", "k")
    no_half_written(store)


# --------------------------------------------------------------------------------------------------
# Paper-profile data


def write_image_folder(root, classes=("a", "b", "c"), per_class=2, size=40, seed=0):
    rng = np.random.default_rng(seed)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / c / f"{i}.jpg")


def write_checkpoints(folder, arch="vgg16-mini", classes=3):
    folder.mkdir()
    for i, name in enumerate(paper.GENERALIZATION_RECIPES):
        torch.manual_seed(i)
        torch.save(zoo.build_model(arch, classes).state_dict(), folder / f"{name}.pth")


def test_train_and_val_with_different_classes_is_an_error_not_a_wrong_score(tmp_path):
    write_image_folder(tmp_path / "train", ("a", "b", "c"))
    write_image_folder(tmp_path / "val", ("a", "c"))
    write_checkpoints(tmp_path / "ckpt")
    with pytest.raises(ValueError, match="only in the training split: b") as err:
        paper.generalization_table(
            tmp_path / "ckpt", tmp_path / "train", tmp_path / "val", per_class=1,
            arch="vgg16-mini", image_size=32, workers=0,
        )  # fmt: skip
    assert str(tmp_path / "val") in str(err.value)


def test_truncated_image_is_named_or_skipped_and_counted(tmp_path):
    write_image_folder(tmp_path / "val", per_class=3)
    bad = tmp_path / "val" / "b" / "1.jpg"
    truncate(bad)
    ds = data.image_folder(tmp_path / "val", image_size=32, resize=36)
    everything = range(len(ds))
    with pytest.raises(data.UnreadableImage, match=f"cannot read image {bad}.*skip_unreadable"):
        data.load_images(ds, everything, workers=0)
    with pytest.warns(UserWarning, match=f"skipped 1 unreadable image.*{bad}"):
        images, labels, skipped = data.load_images(ds, everything, workers=0, skip_unreadable=True)
    assert skipped == [str(bad)] and len(labels) == len(ds) - 1


def test_image_folder_with_classes_the_checkpoint_lacks_says_so(tmp_path):
    write_image_folder(tmp_path / "val", ("a", "b", "c", "d"), per_class=1)
    torch.save(zoo.build_model("alexnet-mini", 3).state_dict(), tmp_path / "places.pth")
    with pytest.raises(ValueError, match="holds classes the checkpoint does not have"):
        paper.checkpoint_setup(
            tmp_path / "places.pth", tmp_path / "val", arch="alexnet-mini", per_class=1,
            image_size=32, workers=0,
        )  # fmt: skip


def test_relative_path_is_taken_from_where_the_command_ran(tmp_path, monkeypatch):
    (tmp_path / "data" / "val").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "data")  # the kernel's folder: notebooks/
    monkeypatch.setenv("UNITROLES_CALLER_CWD", str(tmp_path))
    found = data.require_path("data/val", parameter="val_root", env="X", what="val")
    assert found == tmp_path / "data" / "val"
    with pytest.raises(FileNotFoundError, match=f"not found at {tmp_path / 'nope'} "):
        data.require_path("nope", parameter="val_root", env="X", what="val")


# --------------------------------------------------------------------------------------------------
# Checkpoints and Broden


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (os.urandom(4096), "does not read as a torch checkpoint"),
        (b"PK\x03\x04" + b"\0" * 100, "does not read as a torch checkpoint"),
    ],
)
def test_checkpoint_that_is_not_one_says_so(tmp_path, content, message):
    path = tmp_path / "model.pth"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as err:
        checkpoints.load_weights(zoo.build_model("alexnet-mini", 3), path)
    assert str(path) in str(err.value)


def test_truncated_checkpoint_says_so(tmp_path):
    path = tmp_path / "model.pth"
    torch.save(zoo.build_model("alexnet-mini", 3).state_dict(), path)
    truncate(path)
    with pytest.raises(ValueError, match="truncated, damaged or not a checkpoint"):
        checkpoints.load_weights(zoo.build_model("alexnet-mini", 3), path)


@pytest.fixture
def broden(tmp_path):
    from unitroles import setups

    dataset, _ = setups.dissection_data("smoke", per_class=1, store=Store(tmp_path / "cache"))
    copy = tmp_path / "broden"
    shutil.copytree(dataset.root, copy)
    return copy


def rewrite_csv(path, edit):
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")


def test_broden_index_without_image_column_is_named(broden):
    rewrite_csv(
        broden / "index.csv", lambda lines: [lines[0].replace("image", "picture")] + lines[1:]
    )
    with pytest.raises(ValueError, match=r"index.csv has no 'image' column"):
        BrodenDataset(broden)


def test_broden_label_that_is_not_a_number_is_named(broden):
    rewrite_csv(broden / "label.csv", lambda lines: [lines[0], "one" + lines[1][1:]] + lines[2:])
    with pytest.raises(ValueError, match=r"label.csv, line 2: label number 'one'"):
        BrodenDataset(broden)


def test_broden_mask_of_the_wrong_size_is_named(broden):
    dataset = BrodenDataset(broden)
    row = next(r for r in dataset.index if r.get("object"))
    mask = broden / "images" / row["object"].split(";")[0]
    Image.open(mask).resize((7, 7)).save(mask)
    i = dataset.index.index(row)
    with pytest.raises(ValueError, match=f"mask {mask} is 7x7 pixels"):
        dataset[i]


def test_broden_image_that_does_not_read_is_named(broden):
    dataset = BrodenDataset(broden)
    image = broden / "images" / dataset.index[0]["image"]
    truncate(image)
    with pytest.raises(data.UnreadableImage, match=f"cannot read {image}"):
        dataset[0]


def test_make_reruns_a_paper_page_when_an_input_it_reads_changes(tmp_path):
    """With every paper-profile page executed and up to date, pointing UNITROLES_VAL_ROOT at
    another folder (or changing a file in it) makes `make` re-run exactly the pages that declare
    val_root, and nothing else; with nothing changed it re-runs nothing."""
    root = Path(__file__).resolve().parents[1]
    venv = Path(sys.executable).parents[1]
    execd, inputs = tmp_path / "executed", tmp_path / "inputs"
    execd.mkdir()
    val_a, val_b = tmp_path / "val_a", tmp_path / "val_b"
    for folder in (val_a, val_b):
        (folder / "cls").mkdir(parents=True)
        (folder / "cls" / "x.jpg").write_bytes(b"x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNITROLES_")}
    env["UNITROLES_CACHE"] = str(tmp_path / "cache")

    def planned(val_root: Path) -> set[str]:
        """The pages `make -n notebooks PROFILE=paper` would execute."""
        result = subprocess.run(
            ["make", "-s", "-n", "-C", str(root), "notebooks", "PROFILE=paper", f"VENV={venv}",
             f"EXEC={execd}", f"INPUTS={inputs}", f"MODELS_STAMP={tmp_path / 'models.stamp'}"],
            env={**env, "UNITROLES_VAL_ROOT": str(val_root)}, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return set(re.findall(r"unitroles\.execute notebooks/(\w+)\.py", result.stdout))

    sources = sorted((root / "notebooks").glob("*.py"))
    reads_val = {s.stem for s in sources if "val_root" in input_stamps.declared(s)}
    assert reads_val, "no page declares val_root"
    # the pages that read every page's results run again after them, and the performance page,
    # which times the engine alone after every other page
    reads_val |= {"scorecard", "status", "performance"}
    if any(p.startswith("zhao2023_") for p in reads_val):
        reads_val.add("zhao2023_conclusions")
    (tmp_path / "models.stamp").touch()
    planned(val_a)  # writes the input stamps and deps.mk
    for source in sources:  # every page executed after its stamps, sources and lib
        (execd / f"{source.stem}.ipynb").write_text("{}")
    time.sleep(0.05)
    for page in execd.iterdir():
        os.utime(page)
    assert planned(val_a) == set()
    assert planned(val_b) == reads_val
    for page in execd.iterdir():
        os.utime(page)
    assert planned(val_b) == set()
    time.sleep(0.05)
    (val_b / "cls" / "x.jpg").write_bytes(b"xy")  # a file under the root changed
    assert planned(val_b) == reads_val


# --------------------------------------------------------------------------------------------------
# Round two (issue 27): resumed shards, parameters as typed, checkpoint classes, odd files, waits


def interrupted_sweep(store, shard_size, after):
    """Run the sweep in shards of ``shard_size`` and stop it once shard ``after`` is saved; return
    its partial folder."""

    def stop(i):
        if i == after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(store, shard_size=shard_size, on_shard=stop)
    return next((store.root / "sweeps").glob(".partial-*"))


def test_sweep_resumed_with_another_shard_size_publishes_the_right_rows(store):
    """Shards of 6 rows (0-5, 6-11, 12-15) resumed in shards of 4: the old third shard (rows
    12-15) has the length of the new third shard (rows 8-11) but not its rows."""
    expected = run_sweep(Store(store.root.parent / "other"), shard_size=4)
    interrupted_sweep(store, shard_size=6, after=2)
    resumed = run_sweep(store, shard_size=4)
    assert torch.equal(resumed.correct, expected.correct)
    torch.testing.assert_close(resumed.loss, expected.loss)
    no_half_written(store)


def test_partial_shard_overwritten_by_another_is_recomputed(store):
    expected = run_sweep(Store(store.root.parent / "other"), shard_size=4)
    partial = interrupted_sweep(store, shard_size=4, after=2)
    shutil.copyfile(partial / "shard-00000.npz", partial / "shard-00001.npz")
    with pytest.warns(UserWarning, match=f"sweep shard {partial / 'shard-00001.npz'}"):
        resumed = run_sweep(store, shard_size=4)
    assert torch.equal(resumed.correct, expected.correct)
    torch.testing.assert_close(resumed.loss, expected.loss)


def test_value_with_a_hash_is_taken_whole_not_cut_at_the_comment(tmp_path):
    (tmp_path / "val").mkdir()
    (tmp_path / "val #1").mkdir()
    given = params.parse_overrides(
        [("val_root", str(tmp_path / "val #1")), ("eval_per_class", "5"), ("x", "null")]
    )
    assert given == {"val_root": str(tmp_path / "val #1"), "eval_per_class": 5, "x": None}
    quoted = params.parse_overrides([("val_root", f'"{tmp_path / "val #1"}"')])
    assert quoted == {"val_root": str(tmp_path / "val #1")}  # quoted as YAML: the same
    with pytest.raises(params.ParameterError, match=r"`seeds`.*quote"):
        params.parse_overrides([("seeds", "[0, 1] # two")])


def test_execute_takes_a_value_with_a_hash_whole(tmp_path):
    from unitroles import execute

    value = str(tmp_path / "val #1")
    assert execute.parse_overrides([("val_root", value)]) == {"val_root": value}


def test_path_with_colon_space_is_taken_whole_or_the_message_says_to_quote_it(tmp_path):
    folder = tmp_path / "a: b"
    folder.mkdir()
    assert params.parse_overrides([("val_root", str(folder))]) == {"val_root": str(folder)}
    spec = {"val_root": params.Path("dir")}
    as_yaml_read_it = {"val_root": {str(tmp_path / "a"): "b"}}  # -f / -y with the path unquoted
    with pytest.raises(params.ParameterError, match=r"`val_root`.*quote"):
        params.check(as_yaml_read_it, spec)


def test_a_seed_listed_twice_is_refused():
    spec = {"seeds": params.List(params.Int(min=0), min_len=1)}
    with pytest.raises(params.ParameterError, match=r"`seeds` = \[0, 0\].*0 twice"):
        params.check({"seeds": [0, 0]}, spec)
    assert params.check({"seeds": [0, 1]}, spec) == {"seeds": [0, 1]}


def test_data_scale_far_beyond_the_book_is_refused():
    with pytest.raises(params.ParameterError, match=r"`data_scale` = 1000000\.0"):
        params.check({"data_scale": 1e6}, {"data_scale": params.COMMON["data_scale"]})


@pytest.mark.parametrize("text", ["profile: book\n  data_scale: [1\n", "a: 1\n\tb: 2\n"])
def test_bad_yaml_profile_names_the_file_and_line(tmp_path, text):
    path = tmp_path / "mine.yml"
    path.write_text(text)
    with pytest.raises(params.ParameterError, match=rf"{re.escape(str(path))}, line \d+"):
        input_stamps.stamp_inputs(tmp_path / "stamps", path, tmp_path / "executed", [])


def test_execute_names_a_profile_that_is_not_yaml(tmp_path):
    from unitroles import execute

    path = tmp_path / "mine.yml"
    path.write_text("profile: book\n  data_scale: [1\n")
    with pytest.raises(ValueError, match=re.escape(str(path))):
        execute.load_profile(path)


def test_checkpoint_trained_on_other_class_names_is_an_error_not_a_score(tmp_path):
    write_image_folder(tmp_path / "val", ("a", "b", "d"), per_class=1)
    model = zoo.build_model("alexnet-mini", 3)
    record = {"state_dict": model.state_dict(), "unitroles": {"arch": "alexnet-mini"}}
    torch.save({**record, "classes": ["a", "b", "c"]}, tmp_path / "abc.pth")
    kw = {"arch": "alexnet-mini", "per_class": 1, "image_size": 32, "workers": 0}
    with pytest.raises(ValueError, match=r"trained on.*only in the checkpoint: c.*only in .*: d"):
        paper.checkpoint_setup(tmp_path / "abc.pth", tmp_path / "val", **kw)
    torch.save({**record, "classes": ["a", "b", "d"]}, tmp_path / "abd.pth")
    assert paper.checkpoint_setup(tmp_path / "abd.pth", tmp_path / "val", **kw).num_classes == 3


def test_symlink_loop_in_an_image_folder_counts_each_image_once(tmp_path):
    write_image_folder(tmp_path / "val", per_class=2)
    (tmp_path / "val" / "a" / "again").symlink_to(tmp_path / "val" / "a")
    with pytest.warns(UserWarning, match=f"not followed: {tmp_path / 'val' / 'a' / 'again'}"):
        ds = data.image_folder(tmp_path / "val", image_size=32, resize=36)
    assert len(ds) == 6 and ds.classes == ["a", "b", "c"]


def test_hidden_folders_of_an_image_folder_are_no_class_and_no_image(tmp_path):
    write_image_folder(tmp_path / "val", per_class=2)
    for hidden in (tmp_path / "val" / ".ipynb_checkpoints", tmp_path / "val" / "b" / ".cache"):
        hidden.mkdir()
        shutil.copyfile(tmp_path / "val" / "a" / "0.jpg", hidden / "0-checkpoint.jpg")
    ds = data.image_folder(tmp_path / "val", image_size=32, resize=36)
    assert ds.classes == ["a", "b", "c"] and len(ds) == 6


def test_16_bit_png_keeps_its_brightness(tmp_path):
    path = tmp_path / "gray16.png"
    Image.fromarray(np.full((8, 8), 32896, np.uint16)).save(path)  # half of 65535
    assert Image.open(path).mode == "I;16"
    assert np.asarray(data.read_image(str(path))).max() == 128


def test_broden_label_missing_from_label_csv_is_named(broden):
    dataset = BrodenDataset(broden)
    i, row = next((i, r) for i, r in enumerate(dataset.index) if r.get("object"))
    mask = broden / "images" / row["object"].split(";")[0]
    rgb = np.asarray(Image.open(mask).convert("RGB")).astype(np.int64)
    number = int(max(set(np.unique(rgb[..., 0] + 256 * rgb[..., 1])) - {0}))
    rewrite_csv(
        broden / "label.csv",
        lambda lines: [ln for ln in lines if not ln.startswith(f"{number},")],
    )
    with pytest.raises(
        ValueError, match=rf"mask {mask} .*{number}, which .*label.csv does not list"
    ):
        BrodenDataset(broden)[i]


def test_16_bit_broden_mask_is_named(broden):
    dataset = BrodenDataset(broden)
    i, row = next((i, r) for i, r in enumerate(dataset.index) if r.get("object"))
    mask = broden / "images" / row["object"].split(";")[0]
    rgb = np.asarray(Image.open(mask).convert("RGB")).astype(np.uint16)
    Image.fromarray(rgb[..., 0] + 256 * rgb[..., 1]).save(mask)  # label numbers as 16-bit gray
    with pytest.raises(ValueError, match=rf"mask {mask} is a 16-bit.*8-bit RGB"):
        dataset[i]


def test_a_run_waiting_for_another_runs_lock_says_what_it_waits_for(store, capsys):
    import fcntl
    import threading

    store.lock_notice_seconds = 0.2  # seconds before a waiting run says so (default 3)
    path = store.root / "sweeps" / ".lock-units-k"
    path.parent.mkdir(parents=True)
    other = open(path, "a")  # another process's hold (flock is per open file)
    fcntl.flock(other, fcntl.LOCK_EX)
    other.write("4242\n")
    other.flush()
    threading.Timer(1.0, other.close).start()
    with store.lock("sweeps", "units", "k"):
        pass
    said = capsys.readouterr().err
    assert re.search(rf"waiting for {re.escape(str(path))}: process 4242 is computing", said)


def test_full_disk_while_writing_a_cache_entry_names_the_cache(store):
    import errno

    with pytest.raises(OSError, match=rf"{re.escape(str(store.root))}.*UNITROLES_CACHE") as err:
        with store.writing("rof", "x", "k", {}):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert err.value.errno == errno.ENOSPC
    assert not store.has("rof", "x", "k")
    no_half_written(store)


PAGE = '# %% tags=["parameters"]\nx = 1\n\n# %%\nprint(x)\n'


def test_two_runs_of_one_page_into_one_folder_keep_their_partial_files_apart(tmp_path, monkeypatch):
    """A run with x=2 starts and finishes while a run with x=1 of the same page into the same
    folder is between writing its partial notebook and reading it back: both finish, and the
    page is the one finished last, a whole notebook."""
    import nbformat
    import papermill

    from unitroles import execute

    source, out = tmp_path / "page.py", tmp_path / "out"
    source.write_text(PAGE)

    def kernel(input_path, output_path, parameters, **kw):
        notebook = nbformat.read(input_path, as_version=4)
        notebook.metadata["x"] = parameters["x"]
        nbformat.write(notebook, output_path)
        if parameters["x"] == 1:  # meanwhile, the other run
            execute.execute_notebook(source, out, parameters={"x": 2})

    monkeypatch.setattr(papermill, "execute_notebook", kernel)
    monkeypatch.setattr(execute, "environment", dict)
    page = execute.execute_notebook(source, out, parameters={"x": 1})
    assert nbformat.read(page, as_version=4).metadata["x"] == 1
    assert [p.name for p in out.iterdir()] == ["page.ipynb"]


def test_scorecard_names_a_truncated_executed_notebook(tmp_path):
    import nbformat

    from unitroles import report

    page = tmp_path / "zhou2018_fig3_layer_curves.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), page)
    truncate(page)
    for read in (report.claims_in, report.runs_in):
        with pytest.raises(ValueError, match=rf"{re.escape(str(page))} does not read.*again"):
            read(tmp_path)
    page.rename(tmp_path / ".zhou2018_fig3_layer_curves.123-ab.partial.ipynb")  # a run's
    assert report.claims_in(tmp_path) == [] and report.runs_in(tmp_path) == []


def tiny_paper_run(data, out, epochs=1, log=lambda line: None):
    from unitroles import paper_training

    rec = paper_training.paper_recipe(
        "instance", arch="alexnet-mini", epochs=epochs, batch_size=4, augment=False
    )
    return paper_training.train_paper(
        rec, data, out, image_size=32, workers=0, steps_per_epoch=1, log=log
    )


def test_training_takes_no_hidden_folder_for_a_class(tmp_path):
    write_image_folder(tmp_path / "train", ("a", "b"), per_class=2)
    hidden = tmp_path / "train" / ".ipynb_checkpoints"
    hidden.mkdir()
    shutil.copyfile(tmp_path / "train" / "a" / "0.jpg", hidden / "0-checkpoint.jpg")
    final = tiny_paper_run(tmp_path / "train", tmp_path / "out")
    assert torch.load(final, weights_only=True)["classes"] == ["a", "b"]


def test_training_resumed_on_other_classes_is_an_error(tmp_path):
    write_image_folder(tmp_path / "train", ("a", "b"), per_class=2)

    def stop_after_the_first_epoch(line):
        if line.startswith("{"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tiny_paper_run(tmp_path / "train", tmp_path / "out", 2, stop_after_the_first_epoch)
    resume = tmp_path / "out" / ".alexnet-seed0.resume.pth"
    assert resume.is_file()
    (tmp_path / "train" / "b").rename(tmp_path / "train" / "c")
    with pytest.raises(ValueError, match=rf"{re.escape(str(resume))} .*only in it: b.*: c"):
        tiny_paper_run(tmp_path / "train", tmp_path / "out", 2)


def test_full_disk_while_saving_a_sweep_shard_names_the_shard(store, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    partial = re.escape(str(store.root / "sweeps" / ".partial-sweep-"))
    with pytest.raises(OSError, match=rf"{partial}\w+/shard-00000\.npz.*UNITROLES_CACHE"):
        run_sweep(store)
    no_half_written(store)
