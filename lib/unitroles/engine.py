"""The ablation engine: exact, batched unit ablation.

To **ablate** a unit is to zero its channel of a layer's post-ReLU output (for a conv + ReLU
without batch norm this equals zeroing the conv's weight and bias, as Zhou et al. 2018 do). A
direction ablation removes the projection of the channel vector on a unit vector ``d`` at every
position: ``a <- a - (d . a) d``.

Two paths compute the same numbers:

* **Reference** (:func:`unitroles.reference.reference_sweep`, its own module): a forward hook on
  the layer and a full forward pass per ablation, as published code does. Plain and slow; the
  ground truth that every fast path here is tested against.
* **Engine** (:func:`sweep`): ablating a unit changes nothing upstream of its layer, so the model
  is split at the layer (:func:`split_at`), the prefix runs once per image, and the suffix runs on
  many ablations stacked along the batch dimension. When the suffix starts with per-channel ops
  (ReLU, pooling, dropout, flatten) followed by a ``Linear`` or ``Conv2d``, the first
  pre-activation of each unit ablation is the clean one minus that unit's contribution
  (:class:`LinearHead`), so the first linear map runs once per image, not once per ablation.
  Work streams over images in chunks, so peak memory is set by ``chunk_images`` x
  ``chunk_ablations``, never by the number of units or images.

Greedy search over unit sets (Zhou et al. Fig. 4) is built on the engine in :mod:`unitroles.greedy`.
Neither it nor the reference path is part of this module, so neither keys a single-unit sweep.

Results are per (ablation, class) correct counts and cross-entropy sums
(:class:`AblationCounts`); accuracy drops are in percentage points, positive = worse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from . import zoo

# --------------------------------------------------------------------------------------------------
# What an ablation is


@dataclass(frozen=True)
class Ablations:
    """A batch of ablations of one layer with ``units`` channels.

    ``keep`` is ``(ablations, units)``: 1 keeps a channel, 0 zeros it (unit and unit-set
    ablations). ``directions``, if given, is ``(ablations, units)`` of unit vectors whose
    projection is removed instead (direction ablations; ``keep`` is then all ones).
    """

    keep: torch.Tensor
    directions: torch.Tensor | None = None
    names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return self.keep.shape[0]

    @property
    def units(self) -> int:
        return self.keep.shape[1]

    def __getitem__(self, s: slice) -> Ablations:
        d = None if self.directions is None else self.directions[s]
        return Ablations(self.keep[s], d, self.names[s])

    def apply(self, act: torch.Tensor) -> torch.Tensor:
        """``act (n, C, ...)`` -> ``(ablations * n, C, ...)``, ablation-major."""
        a, n = len(self), act.shape[0]
        view = (a, 1, act.shape[1]) + (1,) * (act.dim() - 2)
        if self.directions is None:
            out = act.unsqueeze(0) * self.keep.to(act).view(view)
        else:
            d = self.directions.to(act)  # (a, C)
            proj = torch.einsum("nc...,ac->an...", act, d).unsqueeze(2)  # (a, n, 1, ...)
            out = act.unsqueeze(0) - proj * d.view(view)
        return out.reshape((a * n,) + act.shape[1:])


def single_units(units: int) -> Ablations:
    """One ablation per unit: unit ``u`` zeroed in ablation ``u``."""
    return Ablations(1 - torch.eye(units), names=tuple(f"unit {u}" for u in range(units)))


def unit_sets(units: int, sets: Sequence[Iterable[int]]) -> Ablations:
    """One ablation per set: every unit of the set zeroed together."""
    sets = [list(s) for s in sets]  # read each set once: it may be a one-shot iterator
    keep = torch.ones(len(sets), units)
    for i, idx in enumerate(sets):
        if idx and (min(idx) < 0 or max(idx) >= units):
            raise ValueError(f"unit set {idx} has units outside 0..{units - 1}")
        keep[i, idx] = 0
    return Ablations(keep, names=tuple("{" + ",".join(map(str, s)) + "}" for s in sets))


def directions(basis: torch.Tensor) -> Ablations:
    """One ablation per row of ``basis (ablations, units)``: remove the projection on that row.

    Rows are normalised to unit length; the identity basis equals :func:`single_units`.
    """
    norms = basis.norm(dim=1, keepdim=True)
    if bool((norms == 0).any()):
        raise ValueError("direction rows must be non-zero; drop the zero rows of the basis")
    basis = basis / norms
    return Ablations(
        torch.ones_like(basis), basis, names=tuple(f"direction {i}" for i in range(len(basis)))
    )


def random_rotation(units: int, seed: int) -> torch.Tensor:
    """A random orthogonal ``(units, units)`` float64 matrix ``Q``, Haar-distributed and seeded.

    Its rows are a random orthonormal basis of a layer's channel space (Zhou et al. 2018, sec. 3.4,
    after the random rotation of network dissection): ``Q @ a`` rotates the channel vector ``a``
    at each position into that basis and ``Q.T`` rotates it back, so the rotation leaves the
    network unchanged. ``directions(random_rotation(C, seed))`` ablates each basis direction, i.e.
    zeros one coordinate of the rotated representation. ``Q`` comes from the QR decomposition of
    a seeded standard Gaussian matrix, with the signs of ``R``'s diagonal moved into ``Q`` so that
    the distribution is uniform over the orthogonal group (Mezzadri 2007).
    """
    if units < 1:
        raise ValueError(f"units must be at least 1, got {units}")
    gen = torch.Generator().manual_seed(seed)
    gaussian = torch.randn(units, units, dtype=torch.float64, generator=gen)
    q, r = torch.linalg.qr(gaussian)
    signs = torch.sign(torch.diagonal(r))
    signs[signs == 0] = 1
    return (q * signs).T.contiguous()  # rows: the basis directions


# --------------------------------------------------------------------------------------------------
# Results


@dataclass
class AblationCounts:
    """Accumulated results of a sweep.

    ``correct`` and ``loss`` are float64 ``(ablations, classes)``: correct predictions and summed
    cross-entropy over each class's images; ``base_correct`` / ``base_loss`` ``(classes,)`` are
    the same without ablation; ``images`` ``(classes,)`` counts each class's images.
    """

    correct: torch.Tensor
    loss: torch.Tensor
    base_correct: torch.Tensor
    base_loss: torch.Tensor
    images: torch.Tensor
    names: tuple[str, ...] = ()

    @classmethod
    def empty(cls, ablations: int, classes: int, labels: torch.Tensor, names=()) -> AblationCounts:
        z = torch.zeros(ablations, classes, dtype=torch.float64)
        images = torch.bincount(labels.cpu(), minlength=classes).double()
        return cls(z, z.clone(), z[0].clone(), z[0].clone(), images, tuple(names))

    def add(self, rows: slice, logits: torch.Tensor, labels: torch.Tensor) -> None:
        """Accumulate ``logits (ablations, n, classes)`` for images with ``labels (n,)``."""
        a, n, k = logits.shape
        flat_labels = labels.to(logits.device).repeat(a)
        loss = F.cross_entropy(logits.reshape(a * n, k), flat_labels, reduction="none")
        correct = (logits.argmax(-1) == labels.to(logits.device)).double()
        index = torch.arange(a, device=logits.device)[:, None] * k + labels.to(logits.device)
        self.correct[rows] += _bincount(index, correct, a * k).view(a, k)
        self.loss[rows] += _bincount(index, loss.view(a, n).double(), a * k).view(a, k)

    def add_baseline(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        """Accumulate clean (un-ablated) ``logits (n, classes)`` for images with ``labels``."""
        clean = AblationCounts.empty(1, self.correct.shape[1], labels[:0])
        clean.add(slice(0, 1), logits[None], labels)
        self.base_correct += clean.correct[0]
        self.base_loss += clean.loss[0]

    @torch.no_grad()
    def baseline_from(self, model, images, labels, batch_size) -> None:
        model.eval()
        for s in range(0, len(labels), batch_size):
            self.add_baseline(model(images[s : s + batch_size]), labels[s : s + batch_size])

    # -- derived quantities (percentage points, positive = worse) --------------------------------

    def class_accuracy(self) -> np.ndarray:
        """``(ablations, classes)`` accuracy in % after each ablation."""
        return (100 * self.correct / self.images.clamp(min=1)).numpy()

    def base_class_accuracy(self) -> np.ndarray:
        return (100 * self.base_correct / self.images.clamp(min=1)).numpy()

    def class_drop(self) -> np.ndarray:
        """``(ablations, classes)`` class accuracy drop in pts, positive = worse."""
        return self.base_class_accuracy()[None] - self.class_accuracy()

    def overall_accuracy(self) -> np.ndarray:
        return (100 * self.correct.sum(1) / self.images.sum()).numpy()

    def base_overall_accuracy(self) -> float:
        return float(100 * self.base_correct.sum() / self.images.sum())

    def overall_drop(self) -> np.ndarray:
        """``(ablations,)`` overall accuracy drop in pts, positive = worse."""
        return self.base_overall_accuracy() - self.overall_accuracy()

    def tidy(self, class_names: Sequence[str] | None = None) -> pd.DataFrame:
        """Long form: one row per (ablation, class) with accuracy (%) and drop (pts)."""
        acc, drop = self.class_accuracy(), self.class_drop()
        a, k = acc.shape
        classes = list(class_names) if class_names is not None else list(range(k))
        return pd.DataFrame(
            {
                "ablation": np.repeat(list(self.names) or list(range(a)), k),
                "class": classes * a,
                "images": np.tile(self.images.numpy(), a).astype(int),
                "accuracy": acc.reshape(-1),
                "base_accuracy": np.tile(self.base_class_accuracy(), a),
                "drop": drop.reshape(-1),
            }
        )

    def summary(self) -> pd.DataFrame:
        """One row per ablation: overall drop, max and min class drop (pts), worst class."""
        drop = self.class_drop()
        return pd.DataFrame(
            {
                "ablation": list(self.names) or list(range(len(drop))),
                "overall_drop": self.overall_drop(),
                "max_class_drop": drop.max(1),
                "min_class_drop": drop.min(1),
                "worst_class": drop.argmax(1),
            }
        ).set_index("ablation")


def check_labels(labels: torch.Tensor, num_classes: int) -> None:
    if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(
            f"labels must lie in 0..{num_classes - 1} (num_classes={num_classes}); got "
            f"{int(labels.min())}..{int(labels.max())}: pass the model's number of classes"
        )


def _bincount(index: torch.Tensor, weights: torch.Tensor, size: int) -> torch.Tensor:
    out = torch.zeros(size, dtype=torch.float64, device=weights.device)
    out.index_add_(0, index.reshape(-1), weights.reshape(-1).double())
    return out.cpu()


# --------------------------------------------------------------------------------------------------
# Splitting a model at a layer


class _LeafTracer(fx.Tracer):
    """Traces through containers but keeps ``leaf`` (the split layer) as one call."""

    def __init__(self, leaf: str):
        super().__init__()
        self.leaf = leaf

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return qualname == self.leaf or super().is_leaf_module(m, qualname)


@dataclass
class Split:
    """``model(x) == suffix(prefix(x))``; ``prefix(x)`` is the layer's post-ReLU output."""

    prefix: fx.GraphModule
    suffix: fx.GraphModule
    layer: str


def split_at(model: nn.Module, layer: str) -> Split:
    """Split ``model`` at ``layer`` (an alias or module path) with torch.fx.

    Raises ``ValueError`` if anything after the layer reads a value computed before it (a skip
    connection across the cut): then the layer's output alone does not determine the logits.
    """
    path = zoo.resolve_layer(model, layer)
    graph = _LeafTracer(path).trace(model)
    root = fx.GraphModule(model, graph)
    nodes = list(graph.nodes)
    cut = [n for n in nodes if n.op == "call_module" and n.target == path]
    if len(cut) != 1:
        raise ValueError(f"layer {layer!r} ({path}) is called {len(cut)} times; cannot split there")
    cut = cut[0]
    before = set(nodes[: nodes.index(cut) + 1])

    prefix_graph, env = fx.Graph(), {}
    for node in nodes[: nodes.index(cut) + 1]:
        env[node] = prefix_graph.node_copy(node, lambda n: env[n])
    prefix_graph.output(env[cut])

    suffix_graph = fx.Graph()
    env = {cut: suffix_graph.placeholder("activation")}
    for node in nodes[nodes.index(cut) + 1 :]:
        for arg in node.all_input_nodes:
            if arg in before and arg is not cut:
                raise ValueError(
                    f"cannot split at {layer!r}: {node.name} reads {arg.name}, computed before "
                    "the layer (a skip connection crosses the cut); pick a block output"
                )
        env[node] = suffix_graph.node_copy(node, lambda n: env[n])
    return Split(fx.GraphModule(root, prefix_graph), fx.GraphModule(root, suffix_graph), path)


# Modules that act on each channel separately and map a zero channel to zero (in eval mode).
_PER_CHANNEL = (
    nn.ReLU, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d,
    nn.Dropout, nn.Dropout2d, nn.Identity,
)  # fmt: skip


@dataclass
class LinearHead:
    """The suffix as ``rest(linear(head(a)))``, with ``head`` per-channel and ``linear`` a Linear
    or Conv2d: zeroing channel ``c`` of ``a`` subtracts channel ``c``'s contribution from the
    pre-activation ``linear(head(a))``, which is computed once per image."""

    head: fx.GraphModule
    linear: nn.Linear | nn.Conv2d
    rest: fx.GraphModule
    channels: int

    def contributions(self, h: torch.Tensor) -> torch.Tensor:
        """Each channel's share of the pre-activation (bias excluded).

        ``h`` is the head's output: ``(n, C * S)`` before a Linear (channel-major flatten) or
        ``(n, C, H, W)`` before a Conv2d. Returns ``(n, C, out)`` or ``(n, C, out, H', W')``.
        """
        lin = self.linear
        if isinstance(lin, nn.Linear):
            n, c = h.shape[0], self.channels
            weight = lin.weight.view(lin.out_features, c, -1)
            return torch.einsum("ncs,ocs->nco", h.view(n, c, -1), weight)
        c, o = h.shape[1], lin.out_channels
        if lin.groups != 1:
            raise NotImplementedError("grouped convolutions are not supported by LinearHead")
        w = lin.weight.transpose(0, 1).reshape(c * o, 1, *lin.weight.shape[2:])
        out = F.conv2d(h, w, None, lin.stride, lin.padding, lin.dilation, groups=c)
        return out.view(h.shape[0], c, o, *out.shape[2:])


def linear_head(split: Split, channels: int) -> LinearHead | None:
    """Find per-channel ops then a Linear / Conv2d at the start of the suffix, else ``None``."""
    graph = split.suffix.graph
    nodes = list(graph.nodes)
    modules = dict(split.suffix.named_modules())
    current = nodes[0]  # the placeholder
    head_nodes = []
    for node in nodes[1:]:
        if node.all_input_nodes != [current] or len(current.users) != 1:
            return None
        if node.op == "call_module" and isinstance(modules[node.target], (nn.Linear, nn.Conv2d)):
            linear_node = node
            break
        if node.op == "call_module" and isinstance(modules[node.target], _PER_CHANNEL):
            pass
        elif _is_flatten(node):
            pass
        else:
            return None
        head_nodes.append(node)
        current = node
    else:
        return None

    head = fx.Graph()
    env = {nodes[0]: head.placeholder("activation")}
    for node in head_nodes:
        env[node] = head.node_copy(node, lambda n: env[n])
    head.output(env[current])
    rest = fx.Graph()
    env = {linear_node: rest.placeholder("preactivation")}
    for node in nodes[nodes.index(linear_node) + 1 :]:
        env[node] = rest.node_copy(node, lambda n: env[n])
    linear = modules[linear_node.target]
    return LinearHead(
        fx.GraphModule(split.suffix, head), linear, fx.GraphModule(split.suffix, rest), channels
    )


def _is_flatten(node: fx.Node) -> bool:
    """``torch.flatten(x, 1)`` or ``x.flatten(1)``: keeps the channel-major order per image."""
    if node.op == "call_function" and node.target is torch.flatten:
        return node.args[1:] == (1,) or node.kwargs.get("start_dim") == 1
    if node.op == "call_method" and node.target == "flatten":
        return node.args[1:] == (1,) or node.kwargs.get("start_dim") == 1
    if node.op == "call_module":
        module = node.graph.owning_module.get_submodule(node.target)
        return isinstance(module, nn.Flatten) and module.start_dim == 1 and module.end_dim == -1
    return False


# --------------------------------------------------------------------------------------------------
# The engine


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Engine:
    """A model split at one layer, ready to evaluate many ablations on many images.

    ``fast=False`` disables the linear-head shortcut (the batched suffix still runs).
    """

    def __init__(self, model: nn.Module, layer: str, *, device=None, fast: bool = True):
        self.device = torch.device(device) if device is not None else default_device()
        self.model = model.eval().to(self.device)
        self.layer = layer
        self.split = split_at(self.model, layer)
        self.fast = fast
        self._head: LinearHead | None | bool = False  # False: not looked for yet

    def head(self, channels: int) -> LinearHead | None:
        if self._head is False:
            self._head = linear_head(self.split, channels) if self.fast else None
        return self._head

    @torch.no_grad()
    def activations(self, images: torch.Tensor) -> torch.Tensor:
        """The layer's post-ReLU output ``(n, C, H, W)`` for network inputs ``images``."""
        return self.split.prefix(images.to(self.device))

    @torch.no_grad()
    def logits(
        self,
        act: torch.Tensor,
        ablations: Ablations,
        chunk_ablations: int = 64,
        base: torch.Tensor | None = None,
    ) -> Iterator[tuple[slice, torch.Tensor]]:
        """Yield ``(rows, logits (a, n, classes))`` for chunks of ablations applied to ``act``.

        Zeroing units that are already zero everywhere on an image changes nothing, so for those
        (ablation, image) pairs the clean logits ``base`` (``suffix(act)``, computed if not given)
        are reused and the suffix runs only on the pairs that change. This is exact; post-ReLU
        maps are sparse, so it often skips half the work. Direction ablations run on every pair.
        """
        n, c = act.shape[:2]
        if ablations.units != c:
            raise ValueError(f"ablations are over {ablations.units} units; {self.layer} has {c}")
        if base is None:
            base = self.split.suffix(act)
        head = self.head(c) if ablations.directions is None else None
        if head is not None:
            h = head.head(act)
            z = head.linear(h)  # clean pre-activation, once per image
            contrib = head.contributions(h)  # (n, C, out, ...)
            by_channel = None  # contrib as (C, n * out * ...), made for the first set of units
        active = act.flatten(2).ne(0).any(-1).to(act.dtype)  # (n, C): unit non-zero on image
        for start in range(0, len(ablations), chunk_ablations):
            rows = slice(start, min(start + chunk_ablations, len(ablations)))
            chunk = ablations[rows]
            a = len(chunk)
            if chunk.directions is not None:
                out = self.split.suffix(chunk.apply(act)).view(a, n, -1)
                yield rows, out
                continue
            removed = (1 - chunk.keep).to(act)  # (a, C)
            ai, ii = (removed @ active.T).nonzero(as_tuple=True)  # pairs the ablation changes
            out = base.unsqueeze(0).repeat(a, 1, 1)
            if len(ai):
                if head is not None:
                    if bool((removed.sum(1) == 1).all()):  # single units: a gather
                        delta = contrib[ii, removed.argmax(1)[ai]]
                    else:  # sets: one matmul (a, C) @ (C, n * out...), then the changed pairs
                        # (gathering contrib[ii] instead allocates (pairs, C, out...) per chunk:
                        # GEMM-free and mostly page faults at greedy search's sizes)
                        if by_channel is None:
                            by_channel = contrib.transpose(0, 1).reshape(c, -1)
                        delta = (removed @ by_channel).view(a, n, *contrib.shape[2:])[ai, ii]
                    out[ai, ii] = head.rest(z[ii] - delta)
                else:
                    keep = chunk.keep.to(act)[ai].view((len(ai), c) + (1,) * (act.dim() - 2))
                    out[ai, ii] = self.split.suffix(act[ii] * keep)
            yield rows, out

    @torch.no_grad()
    def sweep(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        ablations: Ablations,
        num_classes: int,
        *,
        chunk_images: int = 256,
        chunk_ablations: int = 64,
        progress: bool = False,
    ) -> AblationCounts:
        """Per (ablation, class) correct counts and loss sums over ``images`` (network inputs)."""
        check_labels(labels, num_classes)
        counts = AblationCounts.empty(len(ablations), num_classes, labels, ablations.names)
        starts = range(0, len(labels), chunk_images)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc=f"ablate {self.layer}", unit="chunk")
        for s in starts:
            x, y = images[s : s + chunk_images], labels[s : s + chunk_images]
            act = self.activations(x)
            base = self.split.suffix(act)
            counts.add_baseline(base, y)
            for rows, logits in self.logits(act, ablations, chunk_ablations, base):
                counts.add(rows, logits, y)
        return counts


def sweep(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    ablations: Ablations,
    num_classes: int,
    *,
    device=None,
    fast: bool = True,
    **kwargs,
) -> AblationCounts:
    """:meth:`Engine.sweep` in one call (see the module docstring)."""
    engine = Engine(model, layer, device=device, fast=fast)
    return engine.sweep(images, labels, ablations, num_classes, **kwargs)
