"""The published models: used before the cache, refused when damaged, never silently stale."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from unitroles import fit, published, replication, train
from unitroles.scenes import SceneWorld
from unitroles.store import Store, file_digest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "notebooks" / "profiles" / "book.yml"
WORLD = SceneWorld(size=32)


def tiny(**overrides):
    fields = dict(train_per_class=4, eval_per_class=2, epochs=1, batch_size=32)
    return train.recipe("baseline", **{**fields, **overrides})


def publish_one(rec, folder: Path, store: Store) -> dict:
    """A one-model published set in ``folder``, as `make publish-models` writes it."""
    t = train.train(rec, WORLD, store=store, progress=False)
    folder.mkdir(parents=True, exist_ok=True)
    published.save(t.model, folder / "m.safetensors")
    entry = replication._entry(t, "m.safetensors", file_digest(folder / "m.safetensors"))
    manifest = {"world": {"size": 32, "seed": 0, "fingerprint": WORLD.fingerprint()}}
    manifest |= {"code_key": train.code_key(), "models": [entry]}
    (folder / published.MANIFEST).write_text(json.dumps(manifest))
    return entry


@pytest.fixture
def published_set(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    entry = publish_one(tiny(), folder, Store(tmp_path / "train-cache"))
    monkeypatch.setenv("UNITROLES_PUBLISHED", str(folder))
    monkeypatch.delenv("UNITROLES_MODELS", raising=False)
    return folder, entry


def no_training(*args, **kwargs):
    raise AssertionError("trained although the model is published")


def test_a_published_model_is_loaded_not_trained(published_set, tmp_path, monkeypatch):
    folder, entry = published_set
    monkeypatch.setattr(fit, "fit", no_training)
    t = train.train(tiny(), WORLD, store=Store(tmp_path / "empty"), progress=False)
    assert fit.weights_digest(t.model) == entry["weights_digest"]
    assert t.val_acc == entry["val_acc"]
    assert not (tmp_path / "empty" / "models").exists()  # nothing was written to the cache


def test_a_flipped_byte_is_refused_with_path_and_expected_digest(published_set, tmp_path):
    folder, entry = published_set
    path = folder / "m.safetensors"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one weight
    path.write_bytes(bytes(data))
    with pytest.raises(published.PublishedModelError) as err:
        train.train(tiny(), WORLD, store=Store(tmp_path / "empty"), progress=False)
    message = str(err.value)
    assert str(path) in message and entry["sha256"] in message and "not loaded" in message


def test_a_missing_file_is_refused(published_set, tmp_path):
    folder, _ = published_set
    (folder / "m.safetensors").unlink()
    with pytest.raises(published.PublishedModelError, match="missing"):
        train.train(tiny(), WORLD, store=Store(tmp_path / "empty"), progress=False)


def test_retrained_mode_ignores_the_published_set(published_set, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UNITROLES_MODELS", "retrained")
    assert published.find(train.cache_key(tiny(), WORLD)) is None
    t = train.train(tiny(), WORLD, store=Store(tmp_path / "fresh"), progress=False)
    assert (tmp_path / "fresh" / "models").is_dir()  # trained into the cache
    assert "training baseline (seed 0): UNITROLES_MODELS=retrained" in capsys.readouterr().err
    assert t.meta["weights_digest"] == published_set[1]["weights_digest"]  # same CPU, same bits
    monkeypatch.setenv("UNITROLES_MODELS", "mine")
    with pytest.raises(ValueError, match="UNITROLES_MODELS='mine'"):
        published.mode()


def test_a_model_about_to_train_says_so_with_an_estimate(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UNITROLES_PUBLISHED", str(tmp_path / "none"))
    train.train(tiny(seed=3), WORLD, store=Store(tmp_path / "c"), progress=False)
    line = capsys.readouterr().err
    assert "training baseline (seed 3)" in line and " min on one thread" in line
    assert str(tmp_path / "c" / "models") in line


# --- the book's published set -------------------------------------------------------------------


def test_the_book_models_are_published_and_current():
    """Fails, naming what changed, when a recipe, the world or the training code no longer
    matches the manifest: republish with `make publish-models`."""
    assert published.folder() == ROOT / "models"
    problems = replication.stale(BOOK)
    assert problems == [], "published models are stale:\n" + "\n".join(problems)


def test_every_published_file_matches_its_manifest():
    data = published.manifest()
    assert data is not None, "models/manifest.json is missing"
    for meta in data["models"]:
        published.verify(published.Entry(published.folder(), meta))
    files = {p.name for p in published.folder().glob("*.safetensors")}
    assert files == {m["file"] for m in data["models"]}, "files and manifest differ"


# --- what keys a model: only the code that determines its weights --------------------------------

_KEYS = """
import json, sys
from unitroles import replication, train
world, recs = train.profile_models(sys.argv[1])
print(json.dumps({"code": train.code_key(), "keys": [train.cache_key(r, world) for r in recs],
                  "stale": replication.stale(sys.argv[1])}))
"""


def _keys_with(tmp_path: Path, name: str, edit) -> dict:
    """The book's model keys and staleness report computed by a copy of the library in which
    ``edit(source)`` replaced the module ``name``'s source."""
    copy = tmp_path / name.replace(".", "_")
    shutil.copytree(ROOT / "lib" / "unitroles", copy / "unitroles")
    path = copy / "unitroles" / f"{name}.py"
    before = path.read_text()
    path.write_text(edit(before))
    assert path.read_text() != before
    env = {**os.environ, "PYTHONPATH": str(copy), "UNITROLES_PUBLISHED": str(tmp_path / "pub")}
    out = subprocess.run(
        [sys.executable, "-c", _KEYS, str(BOOK)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def manifest_now(tmp_path):
    """A manifest of the book's models as the current code keys them (no weights needed)."""
    world, recs = train.profile_models(BOOK)
    entries = [
        {"name": r.name, "seed": r.seed, "recipe": train.recipe_fields(r),
         "key": train.cache_key(r, world)}
        for r in recs
    ]  # fmt: skip
    data = {"world": replication.world_record(world, recs), "code_key": train.code_key()}
    (tmp_path / "pub").mkdir()
    (tmp_path / "pub" / published.MANIFEST).write_text(json.dumps(data | {"models": entries}))
    return [e["key"] for e in entries]


def test_editing_the_broden_exporter_or_checkpoint_loading_moves_no_model_key(
    tmp_path, manifest_now
):
    exporter = _keys_with(
        tmp_path, "broden_export",
        lambda s: s.replace('row["scene"] = str(first["scene"] + scene)',
                            'row["scene"] = "%d" % (first["scene"] + scene)'),
    )  # fmt: skip
    assert exporter["keys"] == manifest_now and exporter["stale"] == []
    loading = _keys_with(
        tmp_path, "checkpoints", lambda s: s.replace("if size == 0:", "if not size:")
    )
    assert loading["keys"] == manifest_now and loading["stale"] == []


def test_a_changed_recipe_or_training_code_is_stale_and_named(tmp_path, manifest_now):
    recipe = _keys_with(
        tmp_path, "recipes", lambda s: s.replace("lr: float = 0.02", "lr: float = 0.03")
    )
    assert recipe["keys"] != manifest_now
    assert any("recipe baseline seed 0 changed: lr 0.02 -> 0.03" in p for p in recipe["stale"])
    code = _keys_with(
        tmp_path, "fit", lambda s: s.replace("warmup = max(1, total_steps // 5)",
                                             "warmup = max(1, total_steps // 4)"),
    )  # fmt: skip
    assert all(k not in manifest_now for k in code["keys"])
    assert any("the code that determines weights (concepts.py, scenes.py, zoo.py, fit.py)" in p
               for p in code["stale"])  # fmt: skip


def test_another_world_is_stale_and_named(tmp_path, manifest_now):
    scenes = _keys_with(tmp_path, "scenes", lambda s: s.replace('"empty_room"', '"bare_room"'))
    assert any("the world changed: pairs48" in p for p in scenes["stale"])
    assert not any("scenes24" in p for p in scenes["stale"])


def test_publish_writes_a_set_that_train_then_uses(tmp_path, monkeypatch):
    """`publish` on a tiny profile: content-addressed files, a manifest, and models loaded from
    it afterwards (with training disabled)."""
    profile = tmp_path / "tiny.yml"
    profile.write_text("profile: smoke\ndata_scale: 0.01\nepoch_scale: 0.04\nimage_size: 32\n")
    world, recs = train.profile_models(profile)
    monkeypatch.setattr(train, "profile_models", lambda p: (world, recs[:2]))
    monkeypatch.setenv("UNITROLES_CACHE", str(tmp_path / "cache"))
    path = replication.publish(profile, where=tmp_path / "models")
    data = json.loads(path.read_text())
    assert [m["name"] for m in data["models"]] == ["baseline", "baseline"]
    for m in data["models"]:
        assert m["file"].endswith(f"-{m['sha256'][:12]}.safetensors")
        assert m["cpu"] and m["torch"] == torch.__version__ and m["threads"] == 1
    monkeypatch.setenv("UNITROLES_PUBLISHED", str(tmp_path / "models"))
    monkeypatch.setattr(fit, "fit", no_training)
    shutil.rmtree(tmp_path / "cache")
    t = train.train(recs[1], world, progress=False)
    assert t.meta["weights_digest"] == data["models"][1]["weights_digest"]
    assert replication.stale(profile, tmp_path / "models") == []


def test_publish_keep_trains_only_what_is_new_or_stale(tmp_path, monkeypatch):
    """`publish --keep`: a current entry stays as it is (file and entry); a new model and one
    whose recipe changed train."""
    profile = tmp_path / "tiny.yml"
    profile.write_text("profile: smoke\ndata_scale: 0.01\nepoch_scale: 0.04\nimage_size: 32\n")
    world, recs = train.profile_models(profile)
    monkeypatch.setenv("UNITROLES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(train, "profile_models", lambda p: (world, recs[:2]))
    where = tmp_path / "models"
    before = {(m["name"], m["seed"]): m for m in json.loads(
        replication.publish(profile, where=where).read_text())["models"]}  # fmt: skip
    changed = recs[1].__class__(**{**recs[1].__dict__, "lr": recs[1].lr / 2})
    now = [recs[0], changed, recs[2]]
    monkeypatch.setattr(train, "profile_models", lambda p: (world, now))
    trained = []
    real = train.train_many
    monkeypatch.setattr(
        train, "train_many", lambda rs, w, **kw: trained.extend(rs) or real(rs, w, **kw)
    )
    after = json.loads(replication.publish(profile, where=where, keep=True).read_text())
    assert [(r.name, r.seed) for r in trained] == [(r.name, r.seed) for r in now[1:]]
    entries = {(m["name"], m["seed"]): m for m in after["models"]}
    assert entries[(recs[0].name, recs[0].seed)] == before[(recs[0].name, recs[0].seed)]
    assert entries[(changed.name, changed.seed)]["recipe"]["lr"] == changed.lr
    assert sorted(p.name for p in where.glob("*.safetensors")) == sorted(
        m["file"] for m in after["models"]
    )
    assert replication.stale(profile, where) == []


def test_the_replication_record_compares_models(tmp_path, monkeypatch):
    profile = tmp_path / "tiny.yml"
    profile.write_text("profile: smoke\ndata_scale: 0.01\nepoch_scale: 0.04\nimage_size: 32\n")
    world, recs = train.profile_models(profile)
    monkeypatch.setattr(train, "profile_models", lambda p: (world, recs[:1]))
    monkeypatch.setenv("UNITROLES_CACHE", str(tmp_path / "cache"))
    replication.publish(profile, where=tmp_path / "models")
    shutil.rmtree(tmp_path / "cache")  # the replication retrains from scratch
    path = replication.record(profile, None, None, where=tmp_path / "models")
    rec = json.loads(path.read_text())
    assert rec["models_identical"] == 1 and rec["models"][0]["identical"] is True
    assert replication.records(tmp_path / "models")[0]["file"] == path.name
