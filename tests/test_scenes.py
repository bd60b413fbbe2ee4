import numpy as np
import pytest
import torch

from unitroles import broden_export, scenes
from unitroles.broden import BrodenDataset
from unitroles.scenes import SceneDataset, SceneWorld


def test_image_depends_only_on_seed_split_and_index():
    world = SceneWorld()
    batch, labels, masks = world.sample("train", [5, 6, 7, 31])
    alone, alone_labels, alone_masks = world.sample("train", [31])
    assert torch.equal(batch[3], alone[0])
    assert labels[3] == alone_labels[0] == 31 % world.num_classes
    for cat in scenes.CATEGORIES:
        assert torch.equal(masks[cat][3], alone_masks[cat][0])
    again, _, _ = SceneWorld().sample("train", [5, 6, 7, 31])
    assert torch.equal(batch, again)


def test_seeds_and_splits_give_different_images():
    a = SceneWorld(seed=0).sample("train", range(8))[0]
    b = SceneWorld(seed=1).sample("train", range(8))[0]
    c = SceneWorld(seed=0).sample("val", range(8))[0]
    assert not torch.equal(a, b) and not torch.equal(a, c)


def test_fingerprint_changes_with_the_world():
    assert SceneWorld().fingerprint() == SceneWorld().fingerprint()
    assert SceneWorld().fingerprint() != SceneWorld(seed=1).fingerprint()
    assert SceneWorld().fingerprint() != SceneWorld(noise=0.0).fingerprint()


def test_pixels_are_the_colour_their_mask_names_without_noise():
    world = SceneWorld(noise=0.0, jitter=0.0)
    images, _, masks = world.sample("val", range(48))
    palette = torch.tensor(list(scenes.COLORS.values()))
    expected = (palette[masks["color"].long() - 1] * 255).round().to(torch.uint8)
    assert torch.equal(images.permute(0, 2, 3, 1), expected)


def test_masks_are_consistent():
    world = SceneWorld()
    _, _, masks = world.sample("val", range(96))
    obj, tex, col = (masks[c].long() for c in ("object", "texture", "color"))
    assert obj.max() <= len(scenes.OBJECTS) and tex.max() <= len(scenes.TEXTURES)
    assert col.min() >= 1 and col.max() <= len(scenes.COLORS)
    # every pixel is either an object (no texture) or background (a texture)
    assert torch.equal(obj > 0, tex == 0)


def test_required_objects_appear_in_their_classes():
    world = SceneWorld()
    _, labels, masks = world.render_split("val", 20)
    for k, cls in enumerate(world.classes):
        in_class = masks["object"][labels == k]
        for part in cls.parts:
            if part.p < 1:
                continue
            code = scenes.OBJECTS.index(part.name) + 1
            seen = (in_class == code).flatten(1).any(1).float().mean()
            assert seen >= 0.9, f"{part.name} in only {seen:.0%} of {cls.name}"


def test_bed_is_shared_by_the_bed_scenes_only():
    world = SceneWorld(distractor_p=0.0)
    _, labels, masks = world.render_split("val", 10)
    has_bed = (masks["object"] == scenes.OBJECTS.index("bed") + 1).flatten(1).any(1)
    bed_classes = {world.class_names[k] for k in labels[has_bed].unique().tolist()}
    assert bed_classes == {"bedroom", "hotel_room", "youth_hostel"}


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown split 'tarin'"):
        SceneWorld().sample("tarin", [0])
    with pytest.raises(ValueError, match="at least 16"):
        SceneWorld(size=8)
    with pytest.raises(ValueError, match="n_per_class"):
        SceneWorld().render_split("val", 0)


def test_dataset_is_balanced_and_normalised():
    world = SceneWorld()
    ds = SceneDataset(world, "val", 3)
    assert len(ds) == 3 * world.num_classes
    assert torch.bincount(ds.labels).tolist() == [3] * world.num_classes
    x, y = ds[0]
    assert x.shape == (3, 48, 48) and x.dtype == torch.float32 and y == 0
    assert -2.1 <= float(x.min()) and float(x.max()) <= 2.1


def test_render_speed_is_measured():
    assert scenes.render_speed(SceneWorld(size=32), n=64, repeats=1) > 0


def test_broden_export_round_trip(tmp_path):
    world = SceneWorld()
    root = broden_export.write_broden_folder(
        world, tmp_path / "broden", split="dissect", n_per_class=1
    )
    ds = BrodenDataset(root)
    images, labels, masks = world.render_split("dissect", 1)
    assert len(ds) == world.num_classes
    names = ds.label_names()
    objects = [lab.name for lab in ds.category_labels("object")]
    assert objects == list(scenes.OBJECTS)
    first = {cat: ds.category_labels(cat)[0].number for cat in ("object", "texture", "color")}
    for i in (0, 7, world.num_classes - 1):
        item = ds[i]
        assert torch.equal(item["image"], images[i])
        for cat in ("object", "texture", "color"):
            (glob,) = item["masks"][cat]
            local = torch.where(glob > 0, glob - first[cat] + 1, torch.zeros_like(glob))
            assert torch.equal(local, masks[cat][i].long())
        (scene,) = item["labels"]["scene"]
        assert names[scene] == world.class_names[int(labels[i])]


def test_broden_export_refuses_to_overwrite(tmp_path):
    world = SceneWorld(size=16)
    broden_export.write_broden_folder(world, tmp_path / "b", n_per_class=1)
    with pytest.raises(FileExistsError):
        broden_export.write_broden_folder(world, tmp_path / "b", n_per_class=1)
    assert [p.name for p in tmp_path.iterdir()] == ["b"]  # no temporary folder left


def test_broden_reader_names_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="index.csv"):
        BrodenDataset(tmp_path)


def test_class_table_lists_every_class():
    rows = SceneWorld().class_table()
    assert [r["scene"] for r in rows] == list(SceneWorld().class_names)
    assert "bed×2–3" in rows[2]["objects"]
    assert np.all([r["objects"] for r in rows])


def test_interrupted_broden_export_leaves_nothing(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(broden_export, "_write_csv", fail)
    with pytest.raises(KeyboardInterrupt):
        broden_export.write_broden_folder(SceneWorld(size=16), tmp_path / "b", n_per_class=1)
    assert list(tmp_path.iterdir()) == []


def test_image_folder_export_reads_back_as_an_image_folder(tmp_path):
    from unitroles import data

    world = SceneWorld(size=16)
    root = broden_export.write_image_folder(world, tmp_path / "val", split="val", n_per_class=2)
    assert [p.name for p in tmp_path.iterdir()] == ["val"]  # no temporary folder left
    ds = data.image_folder(root, image_size=16, resize=16)
    assert tuple(ds.classes) == tuple(sorted(world.class_names))
    assert len(ds) == 2 * world.num_classes
    with pytest.raises(FileExistsError):
        broden_export.write_image_folder(world, root, split="val", n_per_class=1)


def test_catalogues_pair_every_scene_with_a_sibling_on_its_background():
    paired = SceneWorld(catalogue="pairs48")
    assert paired.num_classes == 48 and len(set(paired.class_names)) == 48
    assert SceneWorld().catalogue == "scenes24" and SceneWorld().num_classes == 24
    for first in scenes.DEFAULT_CLASSES:
        sibling = scenes.SIBLINGS[first.name]
        assert (sibling.upper, sibling.lower) == (first.upper, first.lower)
        required = {p.name for p in first.parts if p.p >= 1}
        assert required - {p.name for p in sibling.parts}, f"{sibling.name} keeps {required}"
    assert paired.with_catalogue("scenes24") == SceneWorld()
    assert paired.fingerprint() != SceneWorld().fingerprint()
    with pytest.raises(ValueError, match="catalogues are"):
        SceneWorld(catalogue="pairs")
    custom = SceneWorld(classes=scenes.DEFAULT_CLASSES[:3])
    assert custom.catalogue == "custom" and custom.num_classes == 3
