"""The paper profile's loading code, run on small data the test writes itself."""

import numpy as np
import pytest
import torch
from PIL import Image

from unitroles import broden, data, evaluation, paper, zoo


def write_image_folder(root, classes=3, per_class=4, size=40, seed=0):
    rng = np.random.default_rng(seed)
    for c in range(classes):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i}.jpg")


def test_require_path_names_parameter_and_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("UNITROLES_VAL_ROOT", raising=False)
    with pytest.raises(FileNotFoundError, match=r"`val_root`.*\$UNITROLES_VAL_ROOT"):
        data.require_path(None, parameter="val_root", env="UNITROLES_VAL_ROOT", what="val")
    monkeypatch.setenv("UNITROLES_VAL_ROOT", str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="not found at"):
        data.require_path(None, parameter="val_root", env="UNITROLES_VAL_ROOT", what="val")
    monkeypatch.setenv("UNITROLES_VAL_ROOT", str(tmp_path))
    assert data.require_path(None, parameter="v", env="UNITROLES_VAL_ROOT", what="v") == tmp_path


def test_subset_per_class_is_balanced_and_reproducible():
    labels = np.repeat(np.arange(4), 10)
    a = data.subset_per_class(labels, 3, seed=1)
    assert np.bincount(labels[a]).tolist() == [3, 3, 3, 3]
    assert np.array_equal(a, data.subset_per_class(labels, 3, seed=1))


def test_image_folder_applies_the_evaluation_transform(tmp_path):
    write_image_folder(tmp_path / "val")
    ds = data.image_folder(tmp_path / "val", image_size=32, resize=36)
    x, y = ds[0]
    assert x.shape == (3, 32, 32) and y == 0 and len(ds) == 12


def test_generalization_table_on_generated_checkpoints(tmp_path):
    write_image_folder(tmp_path / "train")
    write_image_folder(tmp_path / "val", seed=1)
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    for i, name in enumerate(paper.GENERALIZATION_RECIPES):
        torch.manual_seed(i)
        model = zoo.build_model("vgg16-mini", 3)
        # the CSAIL layout: weights under "state_dict", DataParallel prefixes
        state = {f"module.{k}": v for k, v in model.state_dict().items()}
        torch.save({"epoch": 1, "state_dict": state}, ckpt / f"{name}.pth")
    rows = paper.generalization_table(
        ckpt, tmp_path / "train", tmp_path / "val", per_class=2, arch="vgg16-mini",
        image_size=32, workers=0,
    )  # fmt: skip
    assert [r["model"] for r in rows] == list(paper.GENERALIZATION_RECIPES)
    for r in rows:
        assert 0 <= r["train_acc"] <= 1
        assert r["gap"] == pytest.approx(r["train_acc"] - r["test_acc"])


def test_missing_checkpoints_are_named(tmp_path):
    (tmp_path / "gen-A.pth").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="gen-B.pth, gen-C.pth"):
        paper.checkpoint_models(tmp_path)


def test_paper_profile_without_paths_says_what_to_set(monkeypatch):
    monkeypatch.delenv("UNITROLES_TRAIN_ROOT", raising=False)
    with pytest.raises(FileNotFoundError, match="train_root"):
        paper.generalization_table(None, None, None)


def test_checkpoint_setup_feeds_the_engine(tmp_path):
    from unitroles import engine, sweeps
    from unitroles.store import Store

    write_image_folder(tmp_path / "val", classes=3, per_class=3)
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", 3)
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}},
               tmp_path / "places.pth")  # fmt: skip
    setup = paper.checkpoint_setup(
        tmp_path / "places.pth", tmp_path / "val", arch="alexnet-mini", per_class=2,
        image_size=32, workers=0,
    )  # fmt: skip
    assert setup.images.shape == (6, 3, 32, 32) and setup.num_classes == 3
    assert setup.class_names == ("class0", "class1", "class2")
    store = Store(tmp_path / "cache")
    x, y = setup.images, setup.labels
    counts = sweeps.unit_sweep(setup.model, "conv5", x, y, 3, store=store, progress=False)
    direct = engine.sweep(model, "conv5", x, y, engine.single_units(96), 3, device="cpu")
    assert torch.equal(counts.correct, direct.correct)
    assert evaluation.Setup is type(setup)


def test_paper_setup_without_checkpoint_says_what_to_set(monkeypatch):
    from unitroles import setups

    monkeypatch.delenv("UNITROLES_CHECKPOINT", raising=False)
    with pytest.raises(FileNotFoundError, match=r"`checkpoint`.*\$UNITROLES_CHECKPOINT"):
        setups.model_setup("paper")
    with pytest.raises(ValueError, match="unknown profile"):
        setups.model_setup("fast")


def test_a_label_belongs_to_the_category_where_it_occurs_most():
    assert broden.main_category("object(1203);part(14)") == "object"
    assert broden.main_category("object(3);part(14)") == "part"
    assert broden.main_category("scene") == "scene"
    assert broden.main_category("a(2);b(2)") == "a"  # a tie: the first listed
    assert broden.main_category("") == ""  # row 0, unlabeled
    with pytest.raises(ValueError, match="names no category"):
        broden.main_category("(3)")


def test_generated_broden_folder_is_fingerprinted_by_what_generated_it(tmp_path):
    from unitroles import dissection, setups
    from unitroles.store import Store

    dataset, _ = setups.dissection_data("smoke", per_class=1, store=Store(tmp_path))
    before = dissection.dataset_fingerprint(dataset)
    stamp = dataset.root / dissection.FINGERPRINT
    assert stamp.is_file()
    stamp.write_text("another world or another version of the code that draws it\n")
    assert dissection.dataset_fingerprint(dataset) != before


def test_profile_loaders_have_one_home_without_a_cycle():
    """setups uses paper's loaders; paper imports neither setups nor anything that imports it."""
    import ast
    from pathlib import Path

    source = Path(paper.__file__).read_text()
    imported = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    } | {
        node.module or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
    }
    assert "setups" not in imported and "study" not in imported


def test_paper_pages_name_the_missing_model_parameter(monkeypatch, tmp_path):
    """Zhou Table 1 / Fig. 6 need `instances_dir` (one file per seed), Fig. 8 a checkpoint per
    recipe: each missing one is named with its variable."""
    for env in ("UNITROLES_INSTANCES", "UNITROLES_BATCHNORM_CHECKPOINT"):
        monkeypatch.delenv(env, raising=False)
    with pytest.raises(FileNotFoundError, match=r"`instances_dir`.*\$UNITROLES_INSTANCES"):
        paper.instance_checkpoints(None, [0, 1])
    (tmp_path / "alexnet-seed0.pth").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"lacks alexnet-seed1.pth.*alexnet-seed0.pth"):
        paper.instance_checkpoints(tmp_path, [0, 1])
    with pytest.raises(
        FileNotFoundError, match=r"`batchnorm_checkpoint`.*\$UNITROLES_BATCHNORM_CHECKPOINT"
    ):
        paper.recipe_setup("batchnorm", {"checkpoint": str(tmp_path)}, str(tmp_path))
    with pytest.raises(ValueError, match="no paper-profile checkpoint parameter for recipe"):
        paper.recipe_setup("gen-A", {}, None)
