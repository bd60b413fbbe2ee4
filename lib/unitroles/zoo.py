"""Model zoo: the CNNs whose units the book ablates, and names for their layers.

The two papers this book accompanies, Zhou et al. (2018), "Revisiting the Importance of
Individual Units in CNNs via Ablation", and Zhao et al. (2023), "Role Taxonomy of Units in Deep
Neural Networks", study torchvision AlexNet, VGG-16 and ResNet-18. :func:`build_model` builds
those full-size models (``weights=None``) and narrower ``-mini`` versions of the same topology
that train on small inputs in seconds:

==================  =====================================================================
``alexnet``         torchvision ``alexnet`` (input >= 63 px; the papers use 224 px)
``alexnet-mini``    same 5-conv/3-linear topology, widths 32-64-96-96-96, for >= 32 px
``vgg16``           torchvision ``vgg16`` (``vgg16_bn`` with ``batchnorm=True``; >= 32 px)
``vgg16-mini``      VGG-16 configuration D with block widths 8-16-32-64-128, for >= 32 px
``resnet18``        torchvision ``resnet18`` (>= 32 px)
``resnet18-mini``   ResNet-18 topology (BasicBlock, [2, 2, 2, 2]) with widths 16-32-64-128
==================  =====================================================================

The mini models are meant for 48x48 RGB inputs (64x64 works too). Attribute names mirror
torchvision's, so module paths read the same (``features.N``, ``avgpool``, ``classifier.N``;
``conv1``, ``bn1``, ``relu``, ``maxpool``, ``layer1``..``layer4``, ``avgpool``, ``fc``), and the
full-size models have exactly torchvision's state-dict keys.

**Units.** A *unit* is one output channel of a convolutional layer: for a layer whose output
has shape ``(N, C, H, W)`` there are ``C`` units, and unit ``c`` is the map ``[:, c, :, :]``.

**Layer aliases.** Layers are named as in the papers, and each alias names the module whose
output is that layer's **post-ReLU** feature map (the activations that are thresholded,
ablated and measured):

* AlexNet family: ``conv1`` .. ``conv5`` -> the ReLU after the k-th ``Conv2d`` of ``features``
  (after its BatchNorm when ``batchnorm=True``), e.g. ``conv5`` -> ``features.11``.
* VGG family: ``conv1_1``, ``conv1_2``, ``conv2_1``, .., ``conv5_3`` -> the ReLU after that conv
  (blocks are separated by max-pooling), e.g. ``conv5_3`` -> ``features.29``.
* ResNet family: ``conv1`` -> ``relu`` (the stem), ``layer1`` .. ``layer4`` -> the residual
  stages themselves (a BasicBlock ends with a ReLU). Note that the alias ``conv1`` shadows the
  module path ``conv1`` (the stem convolution, pre-BN); reach that with ``model.conv1``.

Aliases are computed by walking the module structure (:func:`layer_aliases`), so they stay
right for models built with BatchNorm or channel dropout. Every ReLU is ``inplace=False``, so
a tensor kept by a forward hook is never overwritten later in the forward pass.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Callable, Iterable, Mapping

import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, conv1x1

__all__ = [
    "ARCHITECTURES",
    "AlexNetMini",
    "ResNet18Mini",
    "VGG16Mini",
    "build_model",
    "get_layer",
    "layer_aliases",
    "resolve_layer",
]

ARCHITECTURES: tuple[str, ...] = (
    "alexnet",
    "alexnet-mini",
    "vgg16",
    "vgg16-mini",
    "resnet18",
    "resnet18-mini",
)

_FEATURES_ARCHS = ("alexnet", "alexnet-mini", "vgg16", "vgg16-mini")
_ARCH_ATTR = "unitroles_arch"  # set on built models; only used to word error messages


# --------------------------------------------------------------------------------------------
# mini models
# --------------------------------------------------------------------------------------------


def _conv_relu(
    in_ch: int, out_ch: int, kernel_size: int, stride: int, padding: int, batchnorm: bool
) -> list[nn.Module]:
    """Conv2d (+ BatchNorm2d) + ReLU(inplace=False), as a list of modules."""
    layers: list[nn.Module] = [nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(out_ch))
    layers.append(nn.ReLU(inplace=False))
    return layers


def _init_kaiming(model: nn.Module, mode: str) -> None:
    """Kaiming-normal convs (``mode`` "fan_in" or "fan_out") with zero bias; BatchNorm weight 1,
    bias 0; Linear layers keep PyTorch's default init.

    The AlexNet/VGG minis use "fan_in", which keeps the activation scale constant through a
    plain (BatchNorm-free) stack: with PyTorch's default conv init, or with "fan_out" where the
    width grows, the activations of a 13-conv VGG shrink layer by layer and plain SGD does not
    get it off the ground. The ResNet mini uses "fan_out", as torchvision's ResNet does.
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode=mode, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class _FeaturesClassifierNet(nn.Module):
    """torchvision's AlexNet/VGG layout: ``features`` -> ``avgpool`` -> flatten -> ``classifier``.

    Input ``(N, 3, H, W)``, output logits ``(N, num_classes)``.
    """

    def __init__(self, features: nn.Sequential, avgpool: nn.Module, classifier: nn.Sequential):
        super().__init__()
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class AlexNetMini(_FeaturesClassifierNet):
    """AlexNet topology (5 convs, 3 linears) narrowed for inputs of 32 px and up (default 48).

    Input ``(N, 3, H, W)`` with ``H, W >= 32``; ``features`` output ``(N, conv5_units, h, w)``
    (``2x2`` at 48 px), ``avgpool`` output ``(N, conv5_units, 2, 2)``, logits
    ``(N, num_classes)``. Unit counts per conv: 32, 64, 96, 96 and ``conv5_units`` (default 96).
    Zhou et al.'s AlexNet has 256 conv5 units for 365 classes, 0.7 a class; the book's recipes
    set conv5 to 64 units for 48 classes, 1.3 a class, and a width sweep varies it
    (:mod:`unitroles.recipes`).
    """

    def __init__(
        self,
        num_classes: int,
        *,
        batchnorm: bool = False,
        dropout: float = 0.5,
        conv5_units: int = 96,
    ):
        if conv5_units < 1:
            raise ValueError(f"conv5_units must be at least 1, got {conv5_units}")
        bn, w5 = batchnorm, conv5_units
        features = nn.Sequential(
            *_conv_relu(3, 32, 5, 2, 2, bn),
            nn.MaxPool2d(kernel_size=3, stride=2),
            *_conv_relu(32, 64, 5, 1, 2, bn),
            nn.MaxPool2d(kernel_size=3, stride=2),
            *_conv_relu(64, 96, 3, 1, 1, bn),
            *_conv_relu(96, 96, 3, 1, 1, bn),
            *_conv_relu(96, w5, 3, 1, 1, bn),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(w5 * 2 * 2, 256),
            nn.ReLU(inplace=False),
            nn.Dropout(p=dropout),
            nn.Linear(256, 256),
            nn.ReLU(inplace=False),
            nn.Linear(256, num_classes),
        )
        super().__init__(features, nn.AdaptiveAvgPool2d((2, 2)), classifier)
        _init_kaiming(self, "fan_in")


class VGG16Mini(_FeaturesClassifierNet):
    """VGG-16 configuration D (2, 2, 3, 3, 3 3x3 convs per block) with widths 8-16-32-64-128.

    The last block is as wide as the rest allow cheaply (it runs on 3x3 maps at 48 px): its
    conv5_3 units are what Zhao et al.'s role taxonomy counts, and with 64 of them one unit was
    1.6% of the layer, too coarse for per-class role proportions.

    Input ``(N, 3, H, W)`` with ``H, W >= 32``; each block halves the resolution (``MaxPool2d(2,
    2)``), so ``features`` outputs ``(N, 128, H // 32, W // 32)``; ``avgpool`` output
    ``(N, 128, 1, 1)``; logits ``(N, num_classes)``.
    """

    CONFIG: tuple[tuple[int, int], ...] = ((2, 8), (2, 16), (3, 32), (3, 64), (3, 128))
    """(convs, width) per block."""

    def __init__(self, num_classes: int, *, batchnorm: bool = False, dropout: float = 0.5):
        layers: list[nn.Module] = []
        in_ch = 3
        for n_convs, width in self.CONFIG:
            for _ in range(n_convs):
                layers += _conv_relu(in_ch, width, 3, 1, 1, batchnorm)
                in_ch = width
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        classifier = nn.Sequential(
            nn.Linear(in_ch, 128),
            nn.ReLU(inplace=False),
            nn.Dropout(p=dropout),
            nn.Linear(128, 128),
            nn.ReLU(inplace=False),
            nn.Dropout(p=dropout),
            nn.Linear(128, num_classes),
        )
        super().__init__(nn.Sequential(*layers), nn.AdaptiveAvgPool2d((1, 1)), classifier)
        _init_kaiming(self, "fan_in")


def _resnet_stage(in_ch: int, out_ch: int, n_blocks: int, stride: int) -> nn.Sequential:
    """``n_blocks`` torchvision BasicBlocks; the first one changes width/stride via a 1x1 conv."""
    downsample = None
    if stride != 1 or in_ch != out_ch:
        downsample = nn.Sequential(conv1x1(in_ch, out_ch, stride), nn.BatchNorm2d(out_ch))
    blocks = [BasicBlock(in_ch, out_ch, stride, downsample)]
    blocks += [BasicBlock(out_ch, out_ch) for _ in range(n_blocks - 1)]
    return nn.Sequential(*blocks)


class ResNet18Mini(nn.Module):
    """ResNet-18 topology (BasicBlock, [2, 2, 2, 2]) with widths 16-32-64-128.

    Stem: 5x5 stride-2 conv, BN, ReLU, 3x3 stride-2 max-pool. Input ``(N, 3, H, W)`` with
    ``H, W >= 32``; at 48 px ``layer1`` .. ``layer4`` output ``(N, 16, 12, 12)``,
    ``(N, 32, 6, 6)``, ``(N, 64, 3, 3)``, ``(N, 128, 2, 2)``; logits ``(N, num_classes)``.
    """

    def __init__(self, num_classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5, stride=2, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=False)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = _resnet_stage(16, 16, 2, stride=1)
        self.layer2 = _resnet_stage(16, 32, 2, stride=2)
        self.layer3 = _resnet_stage(32, 64, 2, stride=2)
        self.layer4 = _resnet_stage(64, 128, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(128, num_classes)
        _init_kaiming(self, "fan_out")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


# --------------------------------------------------------------------------------------------
# build_model
# --------------------------------------------------------------------------------------------


def _insert_after(
    seq: nn.Sequential, make: Callable[[int, nn.Module], nn.Module | None]
) -> nn.Sequential:
    """A new Sequential with ``make(i, module)`` (when not None) right after each module ``i``."""
    layers: list[nn.Module] = []
    for i, module in enumerate(seq):
        layers.append(module)
        extra = make(i, module)
        if extra is not None:
            layers.append(extra)
    return nn.Sequential(*layers)


def _check_probability(value: float, what: str) -> float:
    p = float(value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1], got {value!r}")
    return p


def _unknown_name_hint(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return f"; did you mean: {', '.join(close)}?" if close else ""


def build_model(
    arch: str,
    num_classes: int,
    *,
    batchnorm: bool = False,
    channel_dropout: Mapping[str, float] | None = None,
    classifier_dropout: float = 0.5,
    conv5_units: int | None = None,
) -> nn.Module:
    """Build an untrained model of one of :data:`ARCHITECTURES`.

    The model maps images ``(N, 3, H, W)`` to logits ``(N, num_classes)``; the mini models are
    meant for ``H = W = 48`` (any size >= 32 works), ``alexnet`` needs ``H, W >= 63`` and
    ``vgg16``/``resnet18`` ``H, W >= 32``. Full-size models are torchvision's (``weights=None``,
    torchvision's init); mini models use Kaiming-normal convs (fan_in for the AlexNet/VGG
    minis, fan_out for the ResNet mini) and PyTorch's default Linear init.

    Args:
        arch: one of :data:`ARCHITECTURES`.
        num_classes: number of output logits.
        batchnorm: put a ``BatchNorm2d`` after every conv, before its ReLU (AlexNet and VGG
            families; ``vgg16`` then is torchvision's ``vgg16_bn``). ResNets always have
            BatchNorm, so the flag is ignored for them.
        channel_dropout: ``{alias: p}``; inserts ``nn.Dropout2d(p)`` (which zeroes whole
            channels, i.e. units) right after that layer's ReLU, as Zhou et al. (2018) do on
            ``conv5``. AlexNet and VGG families only. This shifts later ``features`` indices, so
            the state-dict keys then differ from torchvision's.
        classifier_dropout: ``p`` of the classifier's ``nn.Dropout`` layers (0 keeps the
            modules, with ``p=0``, so module paths do not change).
        conv5_units: units of ``alexnet-mini``'s conv5 (``None``: 96); other architectures
            refuse it.

    Returns:
        The model, in training mode, with every ``nn.ReLU`` set to ``inplace=False``.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {arch!r}; valid names: {', '.join(ARCHITECTURES)}"
            + _unknown_name_hint(arch, ARCHITECTURES)
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    num_classes = int(num_classes)
    if num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    p_cls = _check_probability(classifier_dropout, "classifier_dropout")
    if conv5_units is not None and arch != "alexnet-mini":
        raise ValueError(
            f"conv5_units sets alexnet-mini's conv5 width; {arch!r} has no such option"
        )
    channel_dropout = dict(channel_dropout or {})
    if channel_dropout and arch not in _FEATURES_ARCHS:
        raise ValueError(
            f"channel_dropout is only supported for the AlexNet and VGG families "
            f"({', '.join(_FEATURES_ARCHS)}), not {arch!r}"
        )

    model: nn.Module
    if arch == "alexnet":
        model = torchvision.models.alexnet(weights=None, num_classes=num_classes, dropout=p_cls)
        if batchnorm:
            model.features = _insert_after(
                model.features,
                lambda _, m: nn.BatchNorm2d(m.out_channels) if isinstance(m, nn.Conv2d) else None,
            )
    elif arch == "vgg16":
        factory = torchvision.models.vgg16_bn if batchnorm else torchvision.models.vgg16
        model = factory(weights=None, num_classes=num_classes, dropout=p_cls)
    elif arch == "resnet18":
        model = torchvision.models.resnet18(weights=None, num_classes=num_classes)
    elif arch == "alexnet-mini":
        model = AlexNetMini(
            num_classes, batchnorm=batchnorm, dropout=p_cls, conv5_units=conv5_units or 96
        )
    elif arch == "vgg16-mini":
        model = VGG16Mini(num_classes, batchnorm=batchnorm, dropout=p_cls)
    else:  # resnet18-mini
        model = ResNet18Mini(num_classes)

    if channel_dropout:
        aliases = layer_aliases(model)
        after: dict[int, float] = {}
        for alias, p in channel_dropout.items():
            if alias not in aliases:
                raise ValueError(
                    f"channel_dropout names unknown layer {alias!r} for {arch}; valid layer "
                    f"names: {', '.join(aliases)}" + _unknown_name_hint(alias, aliases)
                )
            index = int(aliases[alias].split(".")[-1])  # "features.K" -> K
            after[index] = _check_probability(p, f"channel_dropout[{alias!r}]")
        model.features = _insert_after(
            model.features, lambda i, _: nn.Dropout2d(p=after[i]) if i in after else None
        )

    for module in model.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = False
    setattr(model, _ARCH_ATTR, arch)
    return model


# --------------------------------------------------------------------------------------------
# layer aliases
# --------------------------------------------------------------------------------------------


def _features_aliases(features: nn.Sequential) -> dict[str, str]:
    """Aliases for a torchvision-style ``features`` stack of Conv2d / BN / ReLU / pooling.

    VGG naming (``convB_I``) when every conv is 3x3 with stride 1, else AlexNet naming
    (``convK``); each alias maps to the first ReLU after its conv.
    """
    children = list(features.named_children())
    convs = [i for i, (_, m) in enumerate(children) if isinstance(m, nn.Conv2d)]
    vgg_style = all(
        children[i][1].kernel_size == (3, 3) and children[i][1].stride == (1, 1) for i in convs
    )
    aliases: dict[str, str] = {}
    block, in_block = 1, 0
    for i, (_, module) in enumerate(children):
        if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)) and in_block > 0:
            block, in_block = block + 1, 0
        if not isinstance(module, nn.Conv2d):
            continue
        in_block += 1
        alias = f"conv{block}_{in_block}" if vgg_style else f"conv{len(aliases) + 1}"
        relu = None
        for name, later in children[i + 1 :]:
            if isinstance(later, nn.Conv2d):
                break
            if isinstance(later, nn.ReLU):
                relu = name
                break
        if relu is None:
            raise TypeError(
                f"cannot name layer {alias}: the conv at features.{children[i][0]} is not "
                "followed by an nn.ReLU before the next conv"
            )
        aliases[alias] = f"features.{relu}"
    return aliases


def layer_aliases(model: nn.Module) -> dict[str, str]:
    """The paper-style layer names of ``model``, mapped to module paths, input to output.

    Each path names the module whose output is the layer's post-ReLU map ``(N, C, H, W)``
    (``C`` units). The family is recognised by structure: a ``features`` ``nn.Sequential``
    of convs (AlexNet/VGG) or ``conv1``/``relu``/``layer1``..``layer4`` (ResNet).

    Raises:
        TypeError: if ``model`` has neither structure.
    """
    features = getattr(model, "features", None)
    if isinstance(features, nn.Sequential) and any(isinstance(m, nn.Conv2d) for m in features):
        return _features_aliases(features)
    stages = [f"layer{k}" for k in range(1, 5)]
    if isinstance(getattr(model, "relu", None), nn.ReLU) and all(
        isinstance(getattr(model, s, None), nn.Module) for s in stages
    ):
        return {"conv1": "relu", **{s: s for s in stages}}
    raise TypeError(
        f"cannot name the layers of a {type(model).__name__}: layer aliases are defined for "
        "AlexNet/VGG-style models (a `features` nn.Sequential of Conv2d/ReLU/MaxPool2d) and "
        "ResNet-style models (`conv1`, `bn1`, `relu`, `layer1`..`layer4`); use a module path "
        "from model.named_modules() instead"
    )


def describe(model: nn.Module) -> str:
    """The model's architecture name (as given to :func:`build_model`) or its class name."""
    return getattr(model, _ARCH_ATTR, None) or type(model).__name__


def resolve_layer(model: nn.Module, name: str) -> str:
    """Turn a layer alias (``"conv5"``, ``"conv5_3"``, ``"layer4"``) or a module path
    (``"features.11"``) into a module path of ``model``.

    Aliases take precedence over module paths of the same name (ResNet ``conv1`` -> ``relu``).
    Models of unknown structure accept module paths only.

    Raises:
        ValueError: for an unknown name; the message lists the aliases and close matches.
    """
    try:
        aliases = layer_aliases(model)
    except TypeError:
        aliases = {}
    if name in aliases:
        return aliases[name]
    paths = [path for path, _ in model.named_modules() if path]
    if name in paths:
        return name
    valid = ", ".join(aliases) if aliases else "(no aliases for this model)"
    raise ValueError(
        f"unknown layer {name!r} for this {describe(model)}; valid layer names: {valid}, or a "
        f"module path from model.named_modules() such as {paths[0]!r}"
        + _unknown_name_hint(name, [*aliases, *paths])
    )


def get_layer(model: nn.Module, name: str) -> nn.Module:
    """The submodule of ``model`` named by a layer alias or a module path (see
    :func:`resolve_layer`); hook it to read the layer's output ``(N, C, H, W)``."""
    return model.get_submodule(resolve_layer(model, name))
