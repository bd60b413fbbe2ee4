"""Tests for unitroles.zoo: the model registry, layer aliases and weight loading."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from unitroles.checkpoints import load_weights
from unitroles.zoo import (
    ARCHITECTURES,
    build_model,
    get_layer,
    layer_aliases,
    resolve_layer,
)

MINIS = ("alexnet-mini", "vgg16-mini", "resnet18-mini")
FULL_SIZE = ("alexnet", "vgg16", "resnet18")
ALIAS_COUNTS = {"alexnet": 5, "vgg16": 13, "resnet18": 5}


def _family(arch: str) -> str:
    return arch.removesuffix("-mini")


def _build_on_meta(arch: str, **kwargs) -> nn.Module:
    """Build without allocating/initialising real weights (fast for the full-size models)."""
    with torch.device("meta"):
        return build_model(arch, 10, **kwargs)


def _build(arch: str, **kwargs) -> nn.Module:
    return build_model(arch, 10, **kwargs) if arch in MINIS else _build_on_meta(arch, **kwargs)


# ------------------------------------------------------------------------------ build_model


def test_architectures_are_the_papers_models_and_their_minis():
    assert ARCHITECTURES == (
        "alexnet",
        "alexnet-mini",
        "vgg16",
        "vgg16-mini",
        "resnet18",
        "resnet18-mini",
    )


@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("arch", MINIS)
def test_mini_models_forward_at_48_and_64_px(arch, batchnorm):
    torch.manual_seed(0)
    model = build_model(arch, 7, batchnorm=batchnorm).eval()
    with torch.no_grad():
        for size in (32, 48, 64):
            logits = model(torch.randn(2, 3, size, size))
            assert logits.shape == (2, 7)
            assert torch.isfinite(logits).all()


@pytest.mark.parametrize(("arch", "size"), [("alexnet", 64), ("vgg16", 32), ("resnet18", 32)])
def test_full_size_models_forward_on_small_inputs(arch, size):
    model = build_model(arch, 5).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, size, size)).shape == (1, 5)


@pytest.mark.parametrize(
    ("arch", "factory"),
    [
        ("alexnet", torchvision.models.alexnet),
        ("vgg16", torchvision.models.vgg16),
        ("resnet18", torchvision.models.resnet18),
    ],
)
def test_full_size_state_dicts_match_torchvision(arch, factory):
    with torch.device("meta"):
        ours = build_model(arch, 365).state_dict()
        theirs = factory(weights=None, num_classes=365).state_dict()
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == theirs[k].shape for k in ours)


def test_vgg16_bn_state_dict_matches_torchvision():
    with torch.device("meta"):
        ours = build_model("vgg16", 10, batchnorm=True).state_dict()
        theirs = torchvision.models.vgg16_bn(weights=None, num_classes=10).state_dict()
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == theirs[k].shape for k in ours)


@pytest.mark.parametrize("arch", MINIS)
def test_mini_module_layout_mirrors_torchvision(arch):
    factory = getattr(torchvision.models, _family(arch))
    with torch.device("meta"):
        reference = factory(weights=None)
    mini = build_model(arch, 10)
    assert [n for n, _ in mini.named_children()] == [n for n, _ in reference.named_children()]
    if arch != "resnet18-mini":
        assert len(mini.features) == len(reference.features)
        for ours, theirs in zip(mini.features, reference.features, strict=True):
            assert type(ours) is type(theirs)
        assert [type(m) for m in mini.classifier] == [type(m) for m in reference.classifier]
    else:
        for stage in ("layer1", "layer2", "layer3", "layer4"):
            blocks = getattr(mini, stage)
            assert len(blocks) == 2
            assert all(isinstance(b, torchvision.models.resnet.BasicBlock) for b in blocks)


def test_mini_specs_have_the_documented_widths():
    alex = build_model("alexnet-mini", 10)
    assert [m.out_channels for m in alex.features if isinstance(m, nn.Conv2d)] == [
        32,
        64,
        96,
        96,
        96,
    ]
    assert alex.classifier[1].in_features == 96 * 4
    wide = build_model("alexnet-mini", 10, conv5_units=24)
    assert [m.out_channels for m in wide.features if isinstance(m, nn.Conv2d)][-1] == 24
    assert wide.classifier[1].in_features == 24 * 4
    with pytest.raises(ValueError, match="conv5_units"):
        build_model("vgg16-mini", 10, conv5_units=24)
    vgg = build_model("vgg16-mini", 10)
    widths = [m.out_channels for m in vgg.features if isinstance(m, nn.Conv2d)]
    assert widths == [8, 8, 16, 16, 32, 32, 32, 64, 64, 64, 128, 128, 128]
    assert vgg.classifier[0].in_features == 128
    res = build_model("resnet18-mini", 10)
    assert (res.conv1.kernel_size, res.conv1.stride, res.conv1.bias) == ((5, 5), (2, 2), None)
    assert [res.get_submodule(f"layer{k}")[-1].conv2.out_channels for k in range(1, 5)] == [
        16,
        32,
        64,
        128,
    ]
    assert res.fc.in_features == 128


def test_unknown_arch_error():
    with pytest.raises(ValueError, match="unknown architecture 'alexnet_mini'") as info:
        build_model("alexnet_mini", 10)
    message = str(info.value)
    assert all(arch in message for arch in ARCHITECTURES)
    assert "did you mean: alexnet-mini" in message


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="num_classes"):
        build_model("alexnet-mini", 0)
    with pytest.raises(ValueError, match="classifier_dropout"):
        build_model("alexnet-mini", 10, classifier_dropout=1.5)


@pytest.mark.parametrize("arch", ["alexnet-mini", "vgg16-mini"])
def test_batchnorm_goes_between_each_conv_and_its_relu(arch):
    features = build_model(arch, 10, batchnorm=True).features
    for i, module in enumerate(features):
        if isinstance(module, nn.Conv2d):
            assert isinstance(features[i + 1], nn.BatchNorm2d)
            assert features[i + 1].num_features == module.out_channels
            assert isinstance(features[i + 2], nn.ReLU)


def test_resnets_always_have_batchnorm_and_accept_either_flag():
    plain = build_model("resnet18-mini", 10, batchnorm=False)
    flagged = build_model("resnet18-mini", 10, batchnorm=True)
    assert list(plain.state_dict()) == list(flagged.state_dict())
    assert isinstance(plain.bn1, nn.BatchNorm2d)


def test_channel_dropout_inserted_after_conv5_relu():
    model = build_model("alexnet-mini", 10, channel_dropout={"conv5": 0.5})
    conv5 = resolve_layer(model, "conv5")
    assert conv5 == "features.11"
    assert isinstance(model.features[11], nn.ReLU)
    assert isinstance(model.features[10], nn.Conv2d)
    dropout = model.features[12]
    assert isinstance(dropout, nn.Dropout2d) and dropout.p == 0.5
    assert sum(isinstance(m, nn.Dropout2d) for m in model.modules()) == 1
    assert isinstance(model.features[13], nn.MaxPool2d)
    with torch.no_grad():
        assert model.eval()(torch.randn(1, 3, 48, 48)).shape == (1, 10)


def test_channel_dropout_follows_batchnorm_and_vgg_names():
    model = build_model("vgg16-mini", 10, batchnorm=True, channel_dropout={"conv5_3": 0.25})
    index = int(resolve_layer(model, "conv5_3").split(".")[1])
    assert isinstance(model.features[index - 1], nn.BatchNorm2d)
    assert isinstance(model.features[index + 1], nn.Dropout2d)
    assert model.features[index + 1].p == 0.25


def test_channel_dropout_rejects_resnets_and_unknown_layers():
    with pytest.raises(ValueError, match="AlexNet and VGG"):
        build_model("resnet18-mini", 10, channel_dropout={"layer4": 0.5})
    with pytest.raises(ValueError, match=r"'conv6'.*conv1, conv2.*did you mean: conv5"):
        build_model("alexnet-mini", 10, channel_dropout={"conv6": 0.5})
    with pytest.raises(ValueError, match="probability"):
        build_model("alexnet-mini", 10, channel_dropout={"conv5": 2.0})


def test_classifier_dropout_zero_keeps_module_paths():
    default = build_model("alexnet-mini", 10)
    no_dropout = build_model("alexnet-mini", 10, classifier_dropout=0.0)
    paths = [p for p, _ in default.named_modules()]
    assert [p for p, _ in no_dropout.named_modules()] == paths
    dropouts = [m for m in no_dropout.classifier if isinstance(m, nn.Dropout)]
    assert len(dropouts) == 2 and all(m.p == 0.0 for m in dropouts)
    vgg = _build_on_meta("vgg16", classifier_dropout=0.1)
    assert [m.p for m in vgg.classifier if isinstance(m, nn.Dropout)] == [0.1, 0.1]


@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_no_inplace_relu_anywhere(arch, batchnorm):
    kwargs = {"channel_dropout": {"conv2": 0.1} if _family(arch) == "alexnet" else None}
    model = _build(arch, batchnorm=batchnorm, **kwargs)
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    assert relus and not any(m.inplace for m in relus)


def test_conv_output_kept_by_a_hook_is_not_clobbered_by_the_relu():
    torch.manual_seed(0)
    model = build_model("resnet18-mini", 10).eval()
    kept = {}
    model.bn1.register_forward_hook(lambda m, i, o: kept.setdefault("bn1", o))
    with torch.no_grad():
        model(torch.randn(2, 3, 48, 48))
    assert (kept["bn1"] < 0).any()  # an in-place stem ReLU would have zeroed these


# ------------------------------------------------------------------------------ aliases


@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_aliases_name_post_relu_modules(arch, batchnorm):
    model = _build(arch, batchnorm=batchnorm)
    aliases = layer_aliases(model)
    assert len(aliases) == ALIAS_COUNTS[_family(arch)]
    order = [p for p, _ in model.named_modules()]
    assert [order.index(p) for p in aliases.values()] == sorted(
        order.index(p) for p in aliases.values()
    )
    for alias, path in aliases.items():
        module = model.get_submodule(path)
        if _family(arch) == "resnet18" and alias != "conv1":
            assert isinstance(module, nn.Sequential)
        else:
            assert isinstance(module, nn.ReLU), (alias, path)


def test_alias_paths_match_torchvision_alexnet():
    aliases = layer_aliases(_build_on_meta("alexnet"))
    assert aliases == {
        "conv1": "features.1",
        "conv2": "features.4",
        "conv3": "features.7",
        "conv4": "features.9",
        "conv5": "features.11",
    }
    assert layer_aliases(build_model("alexnet-mini", 10)) == aliases


def test_alias_paths_match_torchvision_vgg16():
    aliases = layer_aliases(_build_on_meta("vgg16"))
    assert list(aliases) == [
        f"conv{b}_{i}" for b, n in enumerate((2, 2, 3, 3, 3), start=1) for i in range(1, n + 1)
    ]
    assert aliases["conv1_1"] == "features.1"
    assert aliases["conv3_3"] == "features.15"
    assert aliases["conv5_3"] == "features.29"
    bn_aliases = layer_aliases(_build_on_meta("vgg16", batchnorm=True))
    assert bn_aliases["conv5_3"] == "features.42"  # torchvision vgg16_bn's last ReLU


def test_resnet_aliases_are_stem_relu_and_stages():
    expected = {f"layer{k}": f"layer{k}" for k in range(1, 5)}
    assert layer_aliases(_build_on_meta("resnet18")) == {"conv1": "relu", **expected}


@pytest.mark.parametrize(
    ("arch", "units"),
    [
        ("alexnet-mini", [32, 64, 96, 96, 96]),
        ("vgg16-mini", [8, 8, 16, 16, 32, 32, 32, 64, 64, 64, 128, 128, 128]),
        ("resnet18-mini", [16, 16, 32, 64, 128]),
    ],
)
def test_alias_outputs_are_nonnegative_unit_maps(arch, units):
    torch.manual_seed(0)
    model = build_model(arch, 10, batchnorm=True).eval()
    outputs = {}
    for alias in layer_aliases(model):
        get_layer(model, alias).register_forward_hook(
            lambda m, i, o, alias=alias: outputs.setdefault(alias, o)
        )
    with torch.no_grad():
        model(torch.randn(2, 3, 48, 48))
    assert [outputs[a].shape[1] for a in layer_aliases(model)] == units
    assert all(o.ndim == 4 and (o >= 0).all() for o in outputs.values())


def test_resolve_layer_accepts_aliases_and_module_paths():
    model = build_model("alexnet-mini", 10)
    assert resolve_layer(model, "conv3") == "features.7"
    assert resolve_layer(model, "features.6") == "features.6"
    assert resolve_layer(model, "classifier.6") == "classifier.6"
    assert get_layer(model, "conv3") is model.features[7]
    assert get_layer(model, "classifier.6") is model.classifier[6]
    resnet = build_model("resnet18-mini", 10)
    assert get_layer(resnet, "conv1") is resnet.relu  # the alias wins over the module path
    assert get_layer(resnet, "layer3.1.conv2") is resnet.layer3[1].conv2


def test_unknown_layer_error_lists_valid_names_and_close_match():
    model = build_model("alexnet-mini", 10)
    with pytest.raises(ValueError) as info:
        resolve_layer(model, "conv6")
    message = str(info.value)
    assert "unknown layer 'conv6' for this alexnet-mini" in message
    assert "valid layer names: conv1, conv2, conv3, conv4, conv5" in message
    assert "did you mean: conv5" in message
    with pytest.raises(ValueError, match="did you mean: .*conv5_3"):
        get_layer(build_model("vgg16-mini", 10), "conv5-3")


def test_models_of_unknown_structure_have_no_aliases_but_accept_paths():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    with pytest.raises(TypeError, match="cannot name the layers of a Sequential"):
        layer_aliases(model)
    assert resolve_layer(model, "1") == "1"
    with pytest.raises(ValueError, match="no aliases"):
        resolve_layer(model, "conv1")


# ------------------------------------------------------------------------------ load_weights


def _assert_same_state(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_load_weights_roundtrip(tmp_path):
    torch.manual_seed(0)
    source = build_model("vgg16-mini", 10, batchnorm=True)
    source.features[1].running_mean.uniform_()  # buffers must travel too
    path = tmp_path / "weights.pt"
    torch.save(source.state_dict(), path)
    torch.manual_seed(1)
    target = build_model("vgg16-mini", 10, batchnorm=True)
    assert load_weights(target, path) is target
    _assert_same_state(source, target)
    assert load_weights(build_model("vgg16-mini", 10, batchnorm=True), str(path)) is not None


@pytest.mark.parametrize(
    ("arch", "rename"),
    [
        ("alexnet-mini", lambda k: k.replace("features.", "features.module.")),
        ("resnet18-mini", lambda k: "module." + k),
    ],
)
def test_load_weights_csail_layout(tmp_path, arch, rename):
    torch.manual_seed(0)
    source = build_model(arch, 365)
    checkpoint = {
        "epoch": 90,
        "arch": arch,
        "state_dict": {rename(k): v for k, v in source.state_dict().items()},
        "best_prec1": 53.2,
    }
    assert any("module." in k for k in checkpoint["state_dict"])
    path = tmp_path / f"{arch}_places365.pth.tar"
    torch.save(checkpoint, path)
    torch.manual_seed(1)
    target = load_weights(build_model(arch, 365), path)
    _assert_same_state(source, target)


def test_load_weights_fills_num_batches_tracked_missing_from_old_checkpoints(tmp_path):
    source = build_model("resnet18-mini", 10)
    state = {k: v for k, v in source.state_dict().items() if "num_batches_tracked" not in k}
    torch.save(state, tmp_path / "old.pth")
    load_weights(build_model("resnet18-mini", 10), tmp_path / "old.pth")


def test_load_weights_mismatch_names_keys(tmp_path):
    path = tmp_path / "ten.pt"
    torch.save(build_model("alexnet-mini", 10).state_dict(), path)
    with pytest.raises(ValueError) as info:
        load_weights(build_model("alexnet-mini", 20), path)
    message = str(info.value)
    assert "2 shape-mismatched keys" in message
    assert "classifier.6.weight (file (10, 256), model (20, 256))" in message
    assert "classifier.6.bias" in message
    assert "num_classes=10" in message


def test_load_weights_wrong_arch_names_missing_and_unexpected_keys(tmp_path):
    path = tmp_path / "alex.pt"
    torch.save(build_model("alexnet-mini", 10).state_dict(), path)
    with pytest.raises(ValueError) as info:
        load_weights(build_model("resnet18-mini", 10), path)
    message = str(info.value)
    assert "missing keys: conv1.weight" in message
    assert "unexpected keys: features.0.weight" in message
    assert "more)" in message  # long lists are truncated, with a count
    assert "different architecture" in message


def test_load_weights_non_strict_tolerates_missing_keys(tmp_path):
    source = build_model("alexnet-mini", 10)
    state = {k: v for k, v in source.state_dict().items() if not k.startswith("classifier.6")}
    torch.save(state, tmp_path / "partial.pt")
    target = build_model("alexnet-mini", 10)
    with pytest.raises(ValueError, match="missing keys: classifier.6.weight"):
        load_weights(target, tmp_path / "partial.pt")
    load_weights(target, tmp_path / "partial.pt", strict=False)
    assert torch.equal(target.features[0].weight, source.features[0].weight)


def test_load_weights_missing_file_error(tmp_path):
    missing = tmp_path / "nowhere" / "alexnet_places365.pth.tar"
    with pytest.raises(FileNotFoundError, match="no weights file at .*alexnet_places365") as info:
        load_weights(build_model("alexnet-mini", 10), missing)
    assert "state_dict" in str(info.value)


def test_load_weights_rejects_files_that_are_not_state_dicts(tmp_path):
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not a state dict"):
        load_weights(build_model("alexnet-mini", 10), tmp_path / "list.pt")


def test_load_weights_refuses_whole_pickled_models(tmp_path):
    model = build_model("alexnet-mini", 10)
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(ValueError, match="whole pickled model"):
        load_weights(model, tmp_path / "whole.pt")
