"""The Profile object: what a page's profile decides (seeds, world settings, where models come
from), checked without training anything."""

from __future__ import annotations

import pytest

from unitroles import params, profiles


def test_check_returns_a_profile_with_the_checked_parameters(tmp_path):
    namespace = {
        "profile": "book", "data_scale": 1, "epoch_scale": 1.0, "world_seed": 0,
        "image_size": 48, "seeds": [0, 1, 2],
    }  # fmt: skip
    spec = {**params.COMMON, "seeds": params.List(params.Int(min=0))}
    run = profiles.check(namespace, spec)
    assert isinstance(run, profiles.Profile)
    assert run.name == "book" and str(run) == "book"
    assert run["data_scale"] == 1.0 and isinstance(run["data_scale"], float)  # converted
    assert namespace["data_scale"] == 1.0  # and written back, as params.check does
    assert run.world_settings == {
        "data_scale": 1.0, "epoch_scale": 1.0, "world_seed": 0, "image_size": 48
    }  # fmt: skip
    with pytest.raises(params.ParameterError, match="data_scale"):
        profiles.check({**namespace, "data_scale": -1.0}, spec)


@pytest.mark.parametrize("name, expected", [("book", [3, 4, 5]), ("smoke", [3, 4]), ("paper", [3])])
def test_each_profile_trims_the_seeds_its_own_way(name, expected):
    assert profiles.Profile({"profile": name}).seeds([3, 4, 5]) == expected
    assert profiles.Profile({"profile": name}).seeds((7,)) == [7]


def test_only_the_paper_profile_lacks_the_world():
    book = profiles.Profile({"profile": "book", "world_seed": 3, "image_size": 32})
    assert book.synthetic and not book.smoke
    assert book.world.seed == 3 and book.world.size == 32
    assert book.arch("vgg16-mini", "VGG16") == "vgg16-mini"
    real = profiles.Profile({"profile": "paper"})
    assert not real.synthetic and real.world is None
    assert real.arch("vgg16-mini", "VGG16") == "VGG16"
    assert profiles.Profile({"profile": "smoke"}).smoke


def test_an_unknown_profile_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="smoke, book, paper"):
        profiles.Profile({"profile": "fast"})


def test_dissection_images_scale_with_the_data_but_never_below_two():
    assert profiles.Profile({"dissect_per_class": 50, "data_scale": 0.5}).dissect_per_class == 25
    assert profiles.Profile({"dissect_per_class": 50, "data_scale": 0.01}).dissect_per_class == 2
    assert profiles.Profile({}).dissect_per_class == 50


def test_the_paper_profile_finds_each_recipes_checkpoint_parameter(tmp_path, monkeypatch):
    run = profiles.Profile(
        {"profile": "paper", "checkpoint": "/a.pth", "batchnorm_checkpoint": "/b.pth"}
    )
    assert run.checkpoint("baseline") == ("/a.pth", "checkpoint")
    assert run.checkpoint("batchnorm") == ("/b.pth", "batchnorm_checkpoint")
    assert run.checkpoint("dropout-conv5") == (None, "dropout_checkpoint")
    with pytest.raises(ValueError, match="no paper-profile checkpoint parameter for recipe"):
        run.checkpoint("gen-A")
    # one checkpoint a seed: the folder of instances
    for seed in (0, 1):
        (tmp_path / f"alexnet-seed{seed}.pth").write_bytes(b"")
    instances = profiles.Profile({"profile": "paper", "instances_dir": str(tmp_path)})
    assert instances.checkpoint("baseline", 1) == (tmp_path / "alexnet-seed1.pth", "instances_dir")
    with pytest.raises(FileNotFoundError, match="alexnet-seed2.pth"):
        instances.checkpoint("baseline", 2)


def test_a_missing_paper_checkpoint_names_its_parameter_and_variable(monkeypatch):
    monkeypatch.delenv("UNITROLES_BATCHNORM_CHECKPOINT", raising=False)
    run = profiles.Profile({"profile": "paper"})
    with pytest.raises(FileNotFoundError, match=r"`batchnorm_checkpoint`.*BATCHNORM_CHECKPOINT"):
        run.model("batchnorm")
    monkeypatch.delenv("UNITROLES_RESNET_CHECKPOINT", raising=False)
    with pytest.raises(FileNotFoundError, match=r"`resnet_checkpoint`.*RESNET_CHECKPOINT"):
        run.model("baseline", arch="resnet18", checkpoint=None, parameter="resnet_checkpoint")
