"""Retrieval-of-function (ROF) curves (Zhao, Zhang & Hu 2023): a layer's units on in rank order.

**Units and switching off.** A unit is one output channel of a layer's post-ReLU map
``(n, C, H, W)``; switching it off multiplies that channel by 0 (as :mod:`unitroles.engine`
ablates), switching it on leaves it as it is. Nothing upstream of the layer changes.

**Rank.** The ROF test switches units on in a fixed order ``u_1, .., u_N`` (the paper's ordered
list ``U_l``), always computed on the **training** split, descending, ties broken by unit index:

* ``"activation"`` (default; the paper's "L1-norm ... descending"): per class ``k``, the L1 norm
  of the unit's post-ReLU map on the class's training images,
  ``s_k(u) = (1 / n_k) sum_{x in class k} sum_{h,w} |a_u(x)[h, w]|`` (a mean over images; the
  order is that of the sum). One order per class.
* ``"weight"``: the L1 norm of the unit's convolution filter, ``sum |W[u, :, :, :]|`` over input
  channels and kernel positions (:func:`unitroles.attributes.weight_l1`: the conv that produces
  the layer; in a ResNet stage, the last block's second conv). The same order for every class;
  batch norm after the conv rescales units, so there it is a proxy only.

**ROF curve** (eq. 1's ``E(n)``). For class ``k`` and ``n = 0..N``, with exactly the first ``n``
ranked units on, ``E_k(n)`` is the mean cross-entropy (nats) over the class's images and
``A_k(n)`` the accuracy (%) on them. ``E_k(0)`` is the dead layer, ``E_k(N)`` the intact model.

**How the curve is computed.** When the layer is followed by per-channel ops (ReLU, pooling,
dropout, flatten) and a ``Linear`` or ``Conv2d`` (:class:`unitroles.engine.LinearHead`), the
first pre-activation with the first ``n`` units on is a prefix sum over the rank order of per-unit
contributions, ``z(n) = b + sum_{i <= n} contrib(u_i)``, so all ``N + 1`` points come from one
cumulative sum and one pass of the rest of the head (``"prefix-sum"``), not ``N + 1`` forward
passes. Otherwise (e.g. a skip connection reads the layer's input) the suffix runs once per mask
(``"masked"``). :func:`reference_rof_curves` is the plain loop the tests check both against: a
forward hook multiplies the layer's output by a 0/1 mask and the whole model runs, once per
``(class, n)``.

**Turning point** (eqs. 1-2). ``n0 = argmin_n E(n)`` over ``n = 0..N`` (``n = 0`` included; the
first minimum on ties); the active set ``U_0`` is the first ``n0`` ranked units (empty for
``n0 = 0``).

The role taxonomy built on these curves is :mod:`unitroles.roles`; the five models of Zhao et
al.'s Table 1 and the readings of their roles are :mod:`unitroles.generalization`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from . import attributes, zoo
from . import engine as engine_module

RANKINGS = ("activation", "weight")
METHODS = ("auto", "prefix-sum", "masked")

# --------------------------------------------------------------------------------------------------
# Ranking units (always on the training split)


def rank_order(scores: torch.Tensor | np.ndarray) -> np.ndarray:
    """Units by descending score, ties by unit index: ``scores (..., C)`` -> ``(..., C)``."""
    scores = np.asarray(torch.as_tensor(scores).double().cpu())
    return np.argsort(-scores, axis=-1, kind="stable")


def check_rank_by(rank_by: str) -> None:
    """Raise ``ValueError`` naming the rankings unless ``rank_by`` is one of :data:`RANKINGS`."""
    if rank_by not in RANKINGS:
        raise ValueError(f"unknown rank_by {rank_by!r}; rankings are: {', '.join(RANKINGS)}")


# --------------------------------------------------------------------------------------------------
# ROF curves


@dataclass
class ROFCurves:
    """ROF curves of ``K`` classes at a layer of ``N`` units (see the module docstring).

    ``loss`` ``(K, N + 1)``: ``E_k(n)``, mean cross-entropy (nats) on class ``k``'s images with the
    first ``n`` ranked units on. ``accuracy`` ``(K, N + 1)``: accuracy (%) on them. ``order``
    ``(K, N)``: class ``k``'s rank order (unit indices). ``images`` ``(K,)``: images per class.
    """

    loss: np.ndarray
    accuracy: np.ndarray
    order: np.ndarray
    images: np.ndarray
    tolerance: float = 0.0  # of the turning point (see :func:`turning_points`); 0 is the paper's

    @property
    def units(self) -> int:
        return self.order.shape[1]

    def turning_points(self) -> np.ndarray:
        """``(K,)`` ``n0 = argmin_n E(n)`` (eq. 1), or with a ``tolerance`` the first ``n`` within
        it of the minimum (see :func:`turning_points`)."""
        return turning_points(self.loss, self.tolerance)

    def active(self) -> np.ndarray:
        """``(K, N)`` bool: unit ``u`` is in class ``k``'s active set ``U_0`` (eq. 2)."""
        return active_units(self.order, self.turning_points())

    def overall_accuracy(self) -> float:
        """Top-1 accuracy (fraction) of the intact model (``n = N``) over all the images."""
        return float((self.accuracy[:, -1] * self.images).sum() / (100 * self.images.sum()))

    def overall_loss(self) -> float:
        """Mean cross-entropy of the intact model over all the images."""
        return float((self.loss[:, -1] * self.images).sum() / self.images.sum())


def turning_points(loss: np.ndarray, tolerance: float = 0.0) -> np.ndarray:
    """``n0 = argmin_n E(n)`` over ``n = 0..N`` for each row of ``loss (..., N + 1)``; ``n = 0``
    (every unit off) is a candidate, and ties go to the smallest ``n`` (the first minimum).

    With ``tolerance`` ``eps > 0``: the first ``n`` whose loss is within ``eps`` of the curve's
    fall of its minimum, ``E(n) <= min E + eps * (E(0) - min E)``. On a curve that reaches a flat
    floor (a model that fits its training images) the exact argmin sits anywhere on the floor,
    decided by differences of 1e-5 nats; a small tolerance puts ``n0`` where the floor begins.
    """
    loss = np.asarray(loss, dtype=np.float64)
    if np.isnan(loss).any():
        raise ValueError("ROF curves hold NaN (a class without images?); cannot take the argmin")
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance is a fraction of the curve's fall in [0, 1), got {tolerance}")
    if tolerance == 0:
        return loss.argmin(-1)
    low = loss.min(-1, keepdims=True)
    within = loss <= low + tolerance * (loss[..., :1] - low)
    return within.argmax(-1)  # the first n within the tolerance (the minimum always is)


def active_units(order: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """``(K, N)`` bool: ``u`` is among the first ``n0[k]`` units of ``order[k]`` (eq. 2's
    ``U_0 = {u_1, .., u_n0}``; empty when ``n0 = 0``)."""
    order = np.asarray(order)
    position = np.empty_like(order)
    np.put_along_axis(position, order, np.arange(order.shape[-1])[None], axis=-1)
    return position < np.asarray(n0)[:, None]


def _rank_masks(order: np.ndarray, device, dtype) -> torch.Tensor:
    """``(N + 1, N)`` 0/1: row ``n`` switches on the first ``n`` units of ``order``."""
    n = len(order)
    position = torch.empty(n, dtype=torch.long)
    position[torch.as_tensor(order)] = torch.arange(n)
    steps = torch.arange(n + 1)[:, None]
    return (position[None] < steps).to(device=device, dtype=dtype)


def make_engine(model: nn.Module, layer: str, device, method: str) -> engine_module.Engine:
    """The engine for ``method`` (one of :data:`METHODS`; ``masked`` without the fast path)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods are: {', '.join(METHODS)}")
    return engine_module.Engine(model, layer, device=device, fast=method != "masked")


class CurveSums:
    """Summed cross-entropy and correct counts ``(K, N + 1)`` and image counts ``(K,)``, float64
    on the CPU, accumulated chunk by chunk."""

    def __init__(self, classes: int, units: int):
        self.loss = torch.zeros(classes, units + 1, dtype=torch.float64)
        self.correct = torch.zeros_like(self.loss)
        self.images = torch.zeros(classes, dtype=torch.float64)

    def add(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        """``logits (n, N + 1, classes)`` of images with ``labels (n,)``."""
        n, steps, k = logits.shape
        ce = F.cross_entropy(
            logits.reshape(n * steps, k), labels.repeat_interleave(steps), reduction="none"
        )
        hits = logits.argmax(-1) == labels[:, None]
        onehot = F.one_hot(labels, len(self.images)).double()  # (n, K): sums per class by matmul
        self.loss += (onehot.T @ ce.view(n, steps).double()).cpu()
        self.correct += (onehot.T @ hits.double()).cpu()
        self.images += onehot.sum(0).cpu()

    def curves(self, order: np.ndarray, split: str) -> ROFCurves:
        """The means as :class:`ROFCurves`; every class needs at least one image."""
        empty = [k for k in range(len(self.images)) if self.images[k] == 0]
        if empty:
            raise ValueError(
                f"classes {empty} have no {split} images; every class needs at least one"
            )
        n = self.images[:, None]
        return ROFCurves(
            (self.loss / n).numpy(), (100 * self.correct / n).numpy(), np.asarray(order),
            self.images.numpy().astype(int),
        )  # fmt: skip


# Elements of the largest tensor ``(images, N + 1, out, ...)`` the prefix-sum path builds at once.
_HEAD_BUDGET = 2**24


@torch.no_grad()
def add_curves(
    eng: engine_module.Engine,
    act: torch.Tensor,
    labels: torch.Tensor,
    order: torch.Tensor,
    method: str,
    sums: CurveSums,
    chunk_ablations: int = 64,
) -> None:
    """Add the ROF curves of the images behind ``act (n, C, ...)`` (labels ``(n,)``) to ``sums``;
    image ``i`` switches units on in ``order[labels[i]]`` (``order (K, N)`` on the device).

    With a linear head, per image: the contributions ``(C, out, ...)`` of the units to the first
    pre-activation, gathered in its class's rank order, summed cumulatively (``z(n) = b +
    sum_{i <= n} contrib(u_i)``), then the rest of the head on all ``N + 1`` prefixes at once.
    Without one: per class, the suffix on the ``N + 1`` masked copies (:meth:`Engine.logits`).
    The prefix sums are built for as many images at a time as keep ``(images, N + 1, out, ...)``
    within ``_HEAD_BUDGET`` elements.
    """
    units = order.shape[1]
    if act.shape[1] != units:
        raise ValueError(
            f"the rank order covers {units} units but {eng.layer} has {act.shape[1]}: pass an "
            f"order of shape (classes, {act.shape[1]}), e.g. from unit_ranking()"
        )
    head = eng.head(units)
    if method == "prefix-sum" and head is None:
        raise ValueError(
            f"layer {eng.layer!r} is not followed by per-channel ops and a Linear/Conv2d: the "
            "prefix sum does not apply; use method='masked' or 'auto'"
        )
    labels = labels.to(act.device)
    if head is not None:
        h = head.head(act)
        bias = head.linear(torch.zeros_like(h[:1])).unsqueeze(1)  # (1, 1, out, ...): all off
        step = max(1, _HEAD_BUDGET // ((units + 1) * bias.numel()))
        for s in range(0, len(h), step):
            hs, ys = h[s : s + step], labels[s : s + step]
            n = len(hs)
            contrib = head.contributions(hs)  # (n, C, out, ...)
            index = order[ys].view((n, units) + (1,) * (contrib.dim() - 2))
            ranked = contrib.gather(1, index.expand_as(contrib))  # each image's class rank order
            z = torch.cat([torch.zeros_like(ranked[:, :1]), ranked.cumsum(1)], 1) + bias
            sums.add(head.rest(z.flatten(0, 1)).reshape(n, units + 1, -1), ys)
        return
    for k in labels.unique().tolist():
        mine = labels == k
        masks = engine_module.Ablations(_rank_masks(order[k].cpu().numpy(), act.device, act.dtype))
        parts = [out for _, out in eng.logits(act[mine], masks, chunk_ablations)]
        sums.add(torch.cat(parts).transpose(0, 1), labels[mine])  # (n_k, N + 1, classes)


def chunks(images: torch.Tensor, labels: torch.Tensor, chunk: int):
    """``(images, labels)`` in consecutive chunks of at most ``chunk`` images."""
    for s in range(0, len(labels), chunk):
        yield images[s : s + chunk], labels[s : s + chunk]


def check_classes(labels: torch.Tensor, classes: int) -> None:
    """Raise ``ValueError`` unless every label lies in ``0 .. classes - 1``."""
    if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(f"labels must lie in 0..{classes - 1}, one rank order per class")


@torch.no_grad()
def rof_curves(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    order: np.ndarray,
    *,
    device=None,
    method: str = "auto",
    chunk_images: int = 256,
) -> ROFCurves:
    """ROF curves of every class ``k = 0..K-1`` on its images in ``images`` (network inputs
    ``(n, 3, H, W)``, ``labels (n,)``), units switched on in ``order (K, N)``.

    ``method``: ``"auto"`` (the prefix sum where the layer has a linear head, else masked suffix
    passes), ``"prefix-sum"`` (an error without a linear head) or ``"masked"``. Get ``order``
    from :func:`unit_ranking` (on the training split). Images stream in chunks of
    ``chunk_images``, all classes together.
    """
    order = np.asarray(order)
    check_classes(labels, len(order))
    eng = make_engine(model, layer, device, method)
    ranks = torch.as_tensor(order, device=eng.device)
    sums = CurveSums(*order.shape)
    for x, y in chunks(images, labels, chunk_images):
        add_curves(eng, eng.activations(x), y, ranks, method, sums)
    return sums.curves(order, "evaluation")


def class_l1(eng: engine_module.Engine, chunks, classes: int):
    """Per class, the summed L1 norms ``sum_x sum_{h,w} |a_u(x)[h, w]|`` of each unit's map
    ``(K, C)`` and the image counts ``(K,)``, plus the activation chunks ``[(act, labels)]`` seen
    (kept for the training curve)."""
    kept, total, count = [], None, torch.zeros(classes, dtype=torch.float64)
    for x, y in chunks:
        act = eng.activations(x)
        kept.append((act, y))
        l1 = act.double().abs().flatten(2).sum(-1).cpu()  # (n, C)
        total = torch.zeros(classes, l1.shape[1], dtype=torch.float64) if total is None else total
        total.index_add_(0, y.cpu(), l1)
        count.index_add_(0, y.cpu(), torch.ones(len(y), dtype=torch.float64))
    return total, count, kept


@torch.no_grad()
def unit_ranking(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    *,
    rank_by: str = "activation",
    device=None,
    chunk_images: int = 256,
) -> np.ndarray:
    """``(K, N)`` rank orders from the **training** images ``images`` / ``labels`` (see the module
    docstring: ``"activation"`` per class, ``"weight"`` the same for every class)."""
    check_rank_by(rank_by)
    if rank_by == "weight":
        return np.tile(rank_order(attributes.weight_l1(model, layer)), (num_classes, 1))
    check_classes(labels, num_classes)
    eng = engine_module.Engine(model, layer, device=device)
    total, count, _ = class_l1(eng, chunks(images, labels, chunk_images), num_classes)
    empty = [k for k in range(num_classes) if count[k] == 0]
    if empty:
        raise ValueError(f"classes {empty} have no training images; every class needs at least one")
    return rank_order(total / count[:, None])


@torch.no_grad()
def reference_rof_curves(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    order: np.ndarray,
    *,
    batch_size: int = 256,
) -> ROFCurves:
    """The plain ROF loop: for each class and each ``n = 0..N``, a forward hook multiplies the
    layer's output by the 0/1 mask of the first ``n`` ranked units and the whole model runs on the
    class's images. ``K (N + 1)`` full passes; the ground truth for :func:`rof_curves`."""
    order = np.asarray(order)
    model.eval()
    module = zoo.get_layer(model, layer)
    units = order.shape[1]
    mask = torch.ones(units)

    def hook(_module, _inputs, output):
        return output * mask.to(output).view((1, units) + (1,) * (output.dim() - 2))

    loss = np.zeros((len(order), units + 1))
    accuracy = np.zeros_like(loss)
    counts = []
    handle = module.register_forward_hook(hook)
    try:
        for k in range(len(order)):
            x = images[labels.to(images.device) == k]
            if len(x) == 0:
                raise ValueError(f"class {k} has no images; every class needs at least one")
            counts.append(len(x))
            for n in range(units + 1):
                mask = torch.zeros(units)
                mask[torch.as_tensor(order[k, :n], dtype=torch.long)] = 1
                total = hits = 0.0
                for s in range(0, len(x), batch_size):
                    logits = model(x[s : s + batch_size])
                    y = torch.full((len(logits),), k, device=logits.device)
                    ce = F.cross_entropy(logits, y, reduction="none")
                    total += float(ce.double().sum())
                    hits += float((logits.argmax(1) == y).sum())
                loss[k, n] = total / len(x)
                accuracy[k, n] = 100 * hits / len(x)
    finally:
        handle.remove()
    return ROFCurves(loss, accuracy, order, np.array(counts))


# --------------------------------------------------------------------------------------------------
# Reading the curves (used by the claims of the book's pages)


def rof_summary(
    curves: ROFCurves, class_names: Sequence[str] | None = None, *, early: float = 0.1
) -> pd.DataFrame:
    """One row per class: the shape of its ROF curve.

    ``n0`` and ``n0_fraction`` (``n0 / N``); ``loss_dead`` ``E(0)``, ``loss_min`` ``E(n0)``,
    ``loss_full`` ``E(N)`` (nats); ``early_recovery`` the part of the fall ``E(0) - E(n0)`` already
    made when the first ``ceil(early * N)`` units are on, ``(E(0) - E(m)) / (E(0) - E(n0))`` (0
    when the curve never falls, ``n0 = 0``); ``rise`` ``E(N) - E(n0)`` (nats, >= 0); and the
    accuracy (%) at ``n0`` and at ``N``.
    """
    loss = curves.loss
    n0 = curves.turning_points()
    rows = np.arange(len(loss))
    m = int(np.ceil(early * curves.units))
    fall = loss[:, 0] - loss[rows, n0]
    made = loss[:, 0] - loss[:, m]
    recovery = np.divide(made, fall, out=np.zeros_like(fall), where=fall > 0)
    index = pd.Index(list(class_names) if class_names is not None else rows, name="class")
    return pd.DataFrame(
        {
            "n0": n0, "n0_fraction": n0 / curves.units,
            "loss_dead": loss[:, 0], "loss_min": loss[rows, n0], "loss_full": loss[:, -1],
            "early_recovery": recovery, "rise": loss[:, -1] - loss[rows, n0],
            "accuracy_n0": curves.accuracy[rows, n0], "accuracy_full": curves.accuracy[:, -1],
        },
        index=index,
    )  # fmt: skip


def representative_class(curves: ROFCurves) -> int:
    """The class whose intact accuracy (``n = N``) is the median over classes (the lower median
    for an even count; ties by class index): a class neither easy nor hard, for figures."""
    acc = curves.accuracy[:, -1]
    ranked = np.lexsort((np.arange(len(acc)), acc))
    return int(ranked[(len(acc) - 1) // 2])
