"""The retrieval-of-function (ROF) test and the role taxonomy of units (Zhao, Zhang & Hu 2023).

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
``n0 = 0``). With ``U_0`` from the train curve and from the test curve (same rank order), eqs.
(3)-(6) give the roles: **core** ``U_0^train & U_0^test``, **overfitted** ``U_0^train - U_0^test``,
**generalizing** ``U_0^test - U_0^train``, **confusing** neither; they partition the layer (eq. 7).
With one rank order the roles are bands in it: core first, then overfitted (``n0_train >
n0_test``) or generalizing (``n0_test > n0_train``), then confusing.

**Role proportion** of class ``k`` (Table 2): ``P_k^R = |U_R(k)| / N``. **Role share** of unit
``u`` (eq. 9, Table 3): ``RS_u^R = (1 / K) sum_k 1[u in U_R(k)]`` over the ``K`` classes; each
sums to 1 over the four roles (eq. 10). The mean share over units equals the mean proportion over
classes (both are ``(1 / NK) sum_k |U_R(k)|``). Proportions and shares are fractions in [0, 1].
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from . import attributes, zoo
from . import engine as engine_module

ROLES = ("core", "overfitted", "generalizing", "confusing")
RANKINGS = ("activation", "weight")
METHODS = ("auto", "prefix-sum", "masked")

# --------------------------------------------------------------------------------------------------
# Ranking units (always on the training split)


def rank_order(scores: torch.Tensor | np.ndarray) -> np.ndarray:
    """Units by descending score, ties by unit index: ``scores (..., C)`` -> ``(..., C)``."""
    scores = np.asarray(torch.as_tensor(scores).double().cpu())
    return np.argsort(-scores, axis=-1, kind="stable")


def _check_rank_by(rank_by: str) -> None:
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

    @property
    def units(self) -> int:
        return self.order.shape[1]

    def turning_points(self) -> np.ndarray:
        """``(K,)`` ``n0 = argmin_n E(n)`` (eq. 1; see :func:`turning_points`)."""
        return turning_points(self.loss)

    def active(self) -> np.ndarray:
        """``(K, N)`` bool: unit ``u`` is in class ``k``'s active set ``U_0`` (eq. 2)."""
        return active_units(self.order, self.turning_points())

    def overall_accuracy(self) -> float:
        """Top-1 accuracy (fraction) of the intact model (``n = N``) over all the images."""
        return float((self.accuracy[:, -1] * self.images).sum() / (100 * self.images.sum()))

    def overall_loss(self) -> float:
        """Mean cross-entropy of the intact model over all the images."""
        return float((self.loss[:, -1] * self.images).sum() / self.images.sum())


def turning_points(loss: np.ndarray) -> np.ndarray:
    """``n0 = argmin_n E(n)`` over ``n = 0..N`` for each row of ``loss (..., N + 1)``; ``n = 0``
    (every unit off) is a candidate, and ties go to the smallest ``n`` (the first minimum)."""
    loss = np.asarray(loss, dtype=np.float64)
    if np.isnan(loss).any():
        raise ValueError("ROF curves hold NaN (a class without images?); cannot take the argmin")
    return loss.argmin(-1)


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


def _engine(model: nn.Module, layer: str, device, method: str) -> engine_module.Engine:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods are: {', '.join(METHODS)}")
    return engine_module.Engine(model, layer, device=device, fast=method != "masked")


class _Sums:
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
def _add_curves(
    eng: engine_module.Engine,
    act: torch.Tensor,
    labels: torch.Tensor,
    order: torch.Tensor,
    method: str,
    sums: _Sums,
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


def _chunks(images: torch.Tensor, labels: torch.Tensor, chunk: int):
    for s in range(0, len(labels), chunk):
        yield images[s : s + chunk], labels[s : s + chunk]


def _check_classes(labels: torch.Tensor, classes: int) -> None:
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
    _check_classes(labels, len(order))
    eng = _engine(model, layer, device, method)
    ranks = torch.as_tensor(order, device=eng.device)
    sums = _Sums(*order.shape)
    for x, y in _chunks(images, labels, chunk_images):
        _add_curves(eng, eng.activations(x), y, ranks, method, sums)
    return sums.curves(order, "evaluation")


def _class_l1(eng: engine_module.Engine, chunks, classes: int):
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
    _check_rank_by(rank_by)
    if rank_by == "weight":
        return np.tile(rank_order(attributes.weight_l1(model, layer)), (num_classes, 1))
    _check_classes(labels, num_classes)
    eng = engine_module.Engine(model, layer, device=device)
    total, count, _ = _class_l1(eng, _chunks(images, labels, chunk_images), num_classes)
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
# The role taxonomy


def role_sets(in_train: np.ndarray, in_test: np.ndarray) -> dict[str, np.ndarray]:
    """The four roles by eqs. (3)-(6), from the active sets ``U_0^train`` and ``U_0^test`` as
    ``(K, N)`` bool masks; returns ``{role: (K, N) bool}``.

    core ``U_0^tr & U_0^te``; overfitted ``U_0^tr & (U_l - U_0^te)``; generalizing
    ``U_0^te & (U_l - U_0^tr)``; confusing ``(U_l - U_0^tr) & (U_l - U_0^te)``.
    """
    train, test = np.asarray(in_train, bool), np.asarray(in_test, bool)
    if train.shape != test.shape:
        raise ValueError(f"active sets differ in shape: {train.shape} vs {test.shape}")
    layer = np.ones_like(train)  # U_l
    return {
        "core": train & test,
        "overfitted": train & (layer & ~test),
        "generalizing": test & (layer & ~train),
        "confusing": (layer & ~train) & (layer & ~test),
    }


def is_partition(sets: dict[str, np.ndarray]) -> np.ndarray:
    """``(K,)`` bool: the role sets of class ``k`` partition the layer (eq. 7): pairwise
    disjoint, and their union is every unit."""
    stacked = np.stack([np.asarray(sets[r], bool) for r in ROLES])  # (4, K, N)
    return (stacked.sum(0) == 1).all(-1)


def role_codes(sets: dict[str, np.ndarray]) -> np.ndarray:
    """``(K, N)`` int: the index into :data:`ROLES` of each unit's role for each class."""
    ok = is_partition(sets)
    if not ok.all():
        raise ValueError(f"role sets do not partition the layer for classes {np.flatnonzero(~ok)}")
    return np.stack([np.asarray(sets[r], bool) for r in ROLES]).argmax(0)


def role_proportions(codes: np.ndarray, class_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Per class (rows) the fraction of the layer's units in each role (columns :data:`ROLES`):
    ``P_k^R = |U_R(k)| / N`` (Zhao et al. Table 2, Fig. 4); rows sum to 1."""
    codes = np.asarray(codes)
    index = pd.Index(list(class_names) if class_names is not None else range(len(codes)))
    return pd.DataFrame(
        {r: (codes == i).mean(1) for i, r in enumerate(ROLES)}, index=index.rename("class")
    )


def role_shares(codes: np.ndarray) -> pd.DataFrame:
    """Per unit (rows) the share of classes for which it plays each role (columns :data:`ROLES`):
    ``RS_u^R = (1 / K) sum_k 1[u in U_R(k)]`` (eqs. 8-9, Table 3); rows sum to 1 (eq. 10)."""
    codes = np.asarray(codes)
    return pd.DataFrame(
        {r: (codes == i).mean(0) for i, r in enumerate(ROLES)},
        index=pd.RangeIndex(codes.shape[1], name="unit"),
    )


def mean_std(frames: dict[str, pd.DataFrame], *, ddof: int = 1) -> pd.DataFrame:
    """Mean and standard deviation (``ddof``; 1 = sample std) of each column of each frame:
    one row per frame name, columns ``(role, "mean" | "std")``."""
    rows = {
        name: {(c, stat): f(df[c]) for c in df.columns for stat, f in
               (("mean", pd.Series.mean), ("std", lambda x: x.std(ddof=ddof)))}
        for name, df in frames.items()
    }  # fmt: skip
    table = pd.DataFrame(rows).T
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def format_mean_std(
    table: pd.DataFrame, *, digits: int = 1, std_digits: int | None = None
) -> pd.DataFrame:
    """``"16.1% ± 9.0%"`` strings from :func:`mean_std`'s fractions, one column per role
    (``std_digits`` decimals for the std, default ``digits``)."""
    sd = digits if std_digits is None else std_digits
    columns = list(dict.fromkeys(table.columns.get_level_values(0)))
    return pd.DataFrame(
        {
            c: [
                f"{100 * m:.{digits}f}% ± {100 * s:.{sd}f}%"
                for m, s in zip(table[(c, "mean")], table[(c, "std")])
            ]
            for c in columns
        },
        index=table.index,
    )


def mean_std_table(
    rows: dict[str, Sequence[tuple[float, float]]], columns: Sequence[str] = ROLES
) -> pd.DataFrame:
    """A :func:`mean_std`-shaped table (fractions) from quoted ``(mean, std)`` pairs in %, one
    row per name and one pair per column: how the book types in a paper's table."""
    data = {
        name: {(c, stat): v / 100 for c, pair in zip(columns, pairs, strict=True)
               for stat, v in zip(("mean", "std"), pair, strict=True)}
        for name, pairs in rows.items()
    }  # fmt: skip
    table = pd.DataFrame(data).T
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


@dataclass
class Taxonomy:
    """The ROF test of one layer on a training and a test split, and the roles it gives.

    ``train`` and ``test`` share the rank order (from the training split).
    """

    train: ROFCurves
    test: ROFCurves
    class_names: tuple[str, ...]
    layer: str = ""
    rank_by: str = "activation"

    @property
    def units(self) -> int:
        return self.train.units

    @property
    def n0_train(self) -> np.ndarray:
        return self.train.turning_points()

    @property
    def n0_test(self) -> np.ndarray:
        return self.test.turning_points()

    def sets(self) -> dict[str, np.ndarray]:
        """``{role: (K, N) bool}`` by eqs. (3)-(6)."""
        return role_sets(self.train.active(), self.test.active())

    def roles(self) -> np.ndarray:
        """``(K, N)`` index into :data:`ROLES` of unit ``u``'s role for class ``k``."""
        return role_codes(self.sets())

    def proportions(self) -> pd.DataFrame:
        """Role proportions per class (fractions; see :func:`role_proportions`)."""
        return role_proportions(self.roles(), self.class_names)

    def shares(self) -> pd.DataFrame:
        """Role shares per unit (fractions; see :func:`role_shares`)."""
        return role_shares(self.roles())

    def counts(self) -> pd.DataFrame:
        """Per class: ``n0`` on train and test and the number of units in each role."""
        codes = self.roles()
        table = pd.DataFrame(
            {"n0_train": self.n0_train, "n0_test": self.n0_test}
            | {r: (codes == i).sum(1) for i, r in enumerate(ROLES)},
            index=pd.Index(self.class_names, name="class"),
        )
        return table

    def class_index(self, name: str | int | None) -> int:
        """The index of class ``name`` (a name or an index); ``None`` is an error."""
        if isinstance(name, (int, np.integer)):
            return int(name)
        if name in self.class_names:
            return self.class_names.index(name)
        import difflib

        close = difflib.get_close_matches(str(name), self.class_names, n=3)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown class {name!r}{hint}")

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "order": self.train.order,
            "train_loss": self.train.loss, "train_accuracy": self.train.accuracy,
            "train_images": self.train.images,
            "test_loss": self.test.loss, "test_accuracy": self.test.accuracy,
            "test_images": self.test.images,
        }  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: dict, class_names, layer: str = "", rank_by: str = "activation"):
        curves = {
            split: ROFCurves(
                arrays[f"{split}_loss"],
                arrays[f"{split}_accuracy"],
                arrays["order"],
                arrays[f"{split}_images"],
            )  # fmt: skip
            for split in ("train", "test")
        }
        return cls(curves["train"], curves["test"], tuple(class_names), layer, rank_by)


class _Test:
    """The ROF test of one layer in progress: the rank orders ``(K, N)`` and the curve sums of the
    training and the test split, fed images all classes at once or class by class."""

    def __init__(self, eng: engine_module.Engine, classes: int, rank_by: str, method: str):
        _check_rank_by(rank_by)
        self.eng, self.classes, self.rank_by, self.method = eng, classes, rank_by, method
        self.order: np.ndarray | None = None
        if rank_by == "weight":
            self.order = np.tile(
                rank_order(attributes.weight_l1(eng.model, eng.layer)), (classes, 1)
            )
        self.sums: dict[str, _Sums] = {}

    @torch.no_grad()
    def add(self, train_chunks, test_chunks) -> None:
        """Rank the units of the classes in ``train_chunks`` (``[(images, labels)]``; by
        activation) and add the curves of both splits' images."""
        total, count, kept = _class_l1(self.eng, train_chunks, self.classes)
        if total is None:
            raise ValueError("no training images to rank the units on")
        units = total.shape[1]
        if self.order is None:
            self.order = np.tile(np.arange(units), (self.classes, 1))
        if self.rank_by == "activation":
            seen = (count > 0).numpy()
            self.order[seen] = rank_order(total[seen] / count[seen, None])
        ranks = torch.as_tensor(self.order, device=self.eng.device)
        for split in ("train", "test"):
            self.sums.setdefault(split, _Sums(self.classes, units))
        for act, y in kept:
            _add_curves(self.eng, act, y, ranks, self.method, self.sums["train"])
        for x, y in test_chunks:
            _add_curves(self.eng, self.eng.activations(x), y, ranks, self.method, self.sums["test"])

    def taxonomy(self, class_names: Sequence[str], layer: str) -> Taxonomy:
        train, test = (self.sums[s].curves(self.order, s) for s in ("train", "test"))
        return Taxonomy(train, test, tuple(class_names), layer, self.rank_by)


@torch.no_grad()
def taxonomy(
    model: nn.Module,
    layer: str,
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    num_classes: int,
    *,
    rank_by: str = "activation",
    class_names: Sequence[str] | None = None,
    device=None,
    method: str = "auto",
    chunk_images: int = 256,
) -> Taxonomy:
    """The ROF test of every class on a training and a test split, and the role taxonomy.

    Images are network inputs ``(n, 3, H, W)`` with labels ``(n,)`` in ``0..num_classes-1``; every
    class needs images in both splits. Units are ranked on the training split (``rank_by``), and
    the same order is used for both curves. The training split's activations are kept in memory
    between ranking and curve (the test split streams in chunks of ``chunk_images``).
    """
    for labels in (train_labels, test_labels):
        _check_classes(labels, num_classes)
    test = _Test(_engine(model, layer, device, method), num_classes, rank_by, method)
    test.add(
        _chunks(train_images, train_labels, chunk_images),
        _chunks(test_images, test_labels, chunk_images),
    )
    names = tuple(class_names) if class_names is not None else tuple(map(str, range(num_classes)))
    return test.taxonomy(names, zoo.resolve_layer(model, layer))


@functools.cache
def code_key(rank_by: str = "activation") -> str:
    """The code version of this module and the engine, and of :mod:`unitroles.attributes` when
    units are ranked by weight (part of every cache key here); computed once per process."""
    from .store import code_version

    extra = (attributes,) if rank_by == "weight" else ()
    return code_version(sys.modules[__name__], engine_module, *extra)


def cached_taxonomy(
    model: nn.Module,
    layer: str,
    data: tuple | Callable[[], tuple],
    num_classes: int,
    *,
    data_key: str | None = None,
    rank_by: str = "activation",
    class_names: Sequence[str] | None = None,
    store=None,
    name: str = "rof",
    device=None,
) -> Taxonomy:
    """:func:`taxonomy`, cached in the store.

    ``data`` is ``(train_images, train_labels, test_images, test_labels)`` or a function that
    returns it (called only on a cache miss, so cached pages need not build the images). The key
    holds the model's weights, the layer, the data (``data_key``, or the tensors' fingerprint when
    ``data`` is a tuple and ``data_key`` is None), ``num_classes``, ``rank_by`` and the code of
    this module and the engine.
    """
    from . import sweeps
    from .store import Store

    if data_key is None:
        if callable(data):
            raise ValueError("pass data_key when data is a function (it is not called on a hit)")
        data_key = sweeps.tensor_fingerprint(*data)
    store = store or Store()
    key_parts = (
        sweeps.model_fingerprint(model), zoo.resolve_layer(model, layer), data_key, num_classes,
        rank_by, code_key(rank_by),
    )  # fmt: skip

    def compute() -> dict:
        tensors = data() if callable(data) else data
        tax = taxonomy(model, layer, *tensors, num_classes, rank_by=rank_by, device=device)
        return tax.arrays()

    arrays = sweeps.cached_arrays(store, "rof", f"{name}-{layer}", key_parts, compute)
    names = tuple(class_names) if class_names is not None else tuple(map(str, range(num_classes)))
    return Taxonomy.from_arrays(arrays, names, zoo.resolve_layer(model, layer), rank_by)


# --------------------------------------------------------------------------------------------------
# The five models of Zhao et al. Table 1


@dataclass
class ModelRoles:
    """One of the five models (``"model A"`` .. ``"model E"``) and its taxonomy.

    ``train_acc`` / ``test_acc`` (fractions) are the intact model's accuracy on the images of the
    ROF test (the curves' ``n = N`` points).
    """

    name: str
    source: str
    taxonomy: Taxonomy
    description: str = field(default="", compare=False)

    @property
    def train_acc(self) -> float:
        return self.taxonomy.train.overall_accuracy()

    @property
    def test_acc(self) -> float:
        return self.taxonomy.test.overall_accuracy()

    @property
    def gap(self) -> float:
        return self.train_acc - self.test_acc


def generalization_roles(
    profile: str,
    *,
    data_scale: float = 1.0,
    epoch_scale: float = 1.0,
    world_seed: int = 0,
    image_size: int = 48,
    layer: str = "conv5_3",
    rank_by: str = "activation",
    checkpoint_dir: str | os.PathLike | None = None,
    train_root: str | os.PathLike | None = None,
    val_root: str | os.PathLike | None = None,
    per_class: int = 50,
    arch: str = "vgg16",
    store=None,
    device=None,
    workers: int = 4,
    skip_unreadable: bool = False,
) -> dict[str, ModelRoles]:
    """The taxonomy of ``layer`` in each of the five models of Zhao et al. Table 1, all classes.

    ``book`` / ``smoke``: the ``gen-A`` .. ``gen-E`` vgg16-mini models of :mod:`unitroles.train`
    (trained or loaded from the store). The train curve runs on the very images each model was
    trained on (``train_per_class`` of the world's ``train`` split, clean: no augmentation), the
    test curve on the world's ``test`` split (``eval_per_class`` a class). ``paper``: VGG16
    checkpoints ``gen-A.pth`` .. ``gen-E.pth`` in ``checkpoint_dir``, ``per_class`` images a class
    of the ImageFolder ``train_root`` (train curve) and ``val_root`` (test curve); both must hold
    the same class folders, and an image that does not decode stops the run with its path unless
    ``skip_unreadable`` (then it is left out, with a warning that counts such images).
    """
    _check_rank_by(rank_by)
    if profile == "paper":
        return _paper_roles(
            checkpoint_dir, train_root, val_root, layer=layer, rank_by=rank_by,
            per_class=per_class, image_size=image_size, arch=arch, store=store, device=device,
            workers=workers, skip_unreadable=skip_unreadable,
        )  # fmt: skip
    if profile not in ("book", "smoke"):
        raise ValueError(f"unknown profile {profile!r}; profiles are smoke, book, paper")
    from . import scenes, train
    from .scenes import SceneWorld, normalize
    from .store import code_version, content_key

    world = SceneWorld(size=image_size, seed=world_seed)
    scenes_code = code_version(scenes)
    recipes = {
        n: train.recipe(n).scaled(data_scale, epoch_scale) for n in train.GENERALIZATION_RECIPES
    }
    most = {
        "train": max(r.train_per_class for r in recipes.values()),
        "test": max(r.eval_per_class for r in recipes.values()),
    }
    rendered: dict[str, tuple] = {}

    def split_images(split: str, per_class: int) -> list:
        """The first ``per_class`` images a class of ``split``, normalised. Image ``i`` depends only
        on the world, the split and ``i``, so each model's set is a prefix of the largest one,
        which is rendered once."""
        if split not in rendered:
            images, labels, _ = world.render_split(split, most[split])
            rendered[split] = (normalize(images), labels)
        n = per_class * world.num_classes
        return [t[:n] for t in rendered[split]]

    out = {}
    for recipe_name, rec in recipes.items():
        trained = train.train(rec, world, store=store)
        splits = (("train", rec.train_per_class), ("test", rec.eval_per_class))
        data_key = content_key(world.fingerprint(), [list(s) for s in splits], scenes_code)

        def load(splits=splits):
            return tuple(t for split, n in splits for t in split_images(split, n))

        tax = cached_taxonomy(
            trained.model, layer, load, world.num_classes, data_key=data_key, rank_by=rank_by,
            class_names=world.class_names, store=store, name=recipe_name, device=device,
        )  # fmt: skip
        name = recipe_name.replace("gen-", "model ")
        out[name] = ModelRoles(
            name, recipe_name, tax,
            f"vgg16-mini `{recipe_name}`: {rec.train_per_class} training images a class "
            f"({rec.description}); test curve on {rec.eval_per_class} test images a class",
        )  # fmt: skip
    return out


def _paper_roles(
    checkpoint_dir, train_root, val_root, *, layer, rank_by, per_class, image_size, arch, store,
    device, workers, skip_unreadable=False,
) -> dict[str, ModelRoles]:  # fmt: skip
    """The paper profile: per class, load its images once and run the test on all five models."""
    from pathlib import Path

    from . import data, paper, sweeps
    from .store import Store, content_key

    train_dir = data.require_path(
        train_root, parameter="train_root", env="UNITROLES_TRAIN_ROOT",
        what="the training split (ImageFolder)",
    )  # fmt: skip
    val_dir = data.require_path(
        val_root, parameter="val_root", env="UNITROLES_VAL_ROOT",
        what="the test split (ImageFolder)",
    )  # fmt: skip
    roots = {"train": train_dir, "test": val_dir}
    datasets = {s: data.image_folder(Path(r), image_size=image_size) for s, r in roots.items()}
    data.check_same_classes(datasets["train"], datasets["test"], train_dir, val_dir)
    class_names = tuple(datasets["train"].classes)
    picked = {s: data.subset_per_class(ds.targets, per_class) for s, ds in datasets.items()}
    models = paper.checkpoint_models(
        checkpoint_dir, arch=arch, num_classes=len(class_names), classes_from=str(train_dir)
    )
    device = device or engine_module.default_device()
    store = store or Store()
    # the chosen files with their sizes and modification times: an edited image is a cache miss
    files = {
        s: data.files_fingerprint(datasets[s].samples[i][0] for i in picked[s]) for s in datasets
    }
    keys = {
        name: content_key(
            sweeps.model_fingerprint(model),
            zoo.resolve_layer(model, layer),
            files,
            image_size,
            len(class_names),
            rank_by,
            code_key(rank_by),
        )  # fmt: skip
        for name, model in models.items()
    }
    # Hold every model's entry lock while computing: a second process running the same test
    # waits, then loads these results (a damaged entry fails has() and is computed again).
    with contextlib.ExitStack() as locks:
        for n in sorted(models):
            locks.enter_context(store.lock("rof", f"paper-{n}-{layer}", keys[n]))
        todo = [n for n in models if not store.has("rof", f"paper-{n}-{layer}", keys[n])]
        _paper_tests(todo, models, datasets, picked, class_names, layer, rank_by, device,
                     workers, store, keys, skip_unreadable)  # fmt: skip
    out = {}
    for n in models:
        name = n.replace("gen-", "model ")
        with np.load(store.path("rof", f"paper-{n}-{layer}", keys[n]) / "arrays.npz") as f:
            tax = Taxonomy.from_arrays({k: f[k] for k in f.files}, class_names, layer, rank_by)
        out[name] = ModelRoles(
            name, n, tax, f"{arch} checkpoint {n}.pth; {per_class} train and test images a class"
        )
    return out


def _paper_tests(
    todo, models, datasets, picked, class_names, layer, rank_by, device, workers, store, keys,
    skip_unreadable,
) -> None:  # fmt: skip
    """Run the ROF test of the models in ``todo`` class by class and publish each taxonomy."""
    from . import data

    tests = {n: _Test(_engine(models[n], layer, device, "auto"), len(class_names), rank_by, "auto")
             for n in todo}  # fmt: skip
    for k in range(len(class_names)) if todo else ():
        images = {}
        for split, ds in datasets.items():
            idx = [int(i) for i in picked[split] if ds.targets[i] == k]
            if not idx:
                raise ValueError(f"class {class_names[k]!r} has no images in the {split} root")
            x, _, _ = data.load_images(
                ds, idx, batch_size=64, workers=workers, skip_unreadable=skip_unreadable
            )
            x = x.to(device)
            images[split] = list(_chunks(x, torch.full((len(x),), k), 64))
        for test in tests.values():
            test.add(images["train"], images["test"])
    for n in todo:
        tax = tests[n].taxonomy(class_names, layer)
        with store.writing("rof", f"paper-{n}-{layer}", keys[n], {"model": n}) as tmp:
            np.savez(tmp / "arrays.npz", **tax.arrays())


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


def curve_divergence(tax: Taxonomy) -> np.ndarray:
    """``(K,)`` mean over ``n = 0..N`` of ``|E_train(n) - E_test(n)|`` (nats): how far a class's
    train and test ROF curves lie apart."""
    return np.abs(tax.train.loss - tax.test.loss).mean(1)


def nearest_centroid_loo(points: np.ndarray, groups: np.ndarray) -> float:
    """Leave-one-out accuracy (fraction) of the nearest-centroid rule (Euclidean): each point is
    assigned to the group whose mean over the *other* points is closest. ``points (n, d)``."""
    points, groups = np.asarray(points, float), np.asarray(groups)
    labels = list(dict.fromkeys(groups.tolist()))
    sums = {g: points[groups == g].sum(0) for g in labels}
    sizes = {g: int((groups == g).sum()) for g in labels}
    hits = 0
    for p, g in zip(points, groups):
        best, best_d = None, np.inf
        for h in labels:
            n = sizes[h] - (h == g)
            if n == 0:
                continue
            centre = (sums[h] - (p if h == g else 0)) / n
            d = float(((p - centre) ** 2).sum())
            if d < best_d:
                best, best_d = h, d
        hits += best == g
    return hits / len(points)


__all__ = [
    "METHODS",
    "RANKINGS",
    "ROLES",
    "ModelRoles",
    "ROFCurves",
    "Taxonomy",
    "active_units",
    "cached_taxonomy",
    "curve_divergence",
    "format_mean_std",
    "generalization_roles",
    "is_partition",
    "mean_std",
    "mean_std_table",
    "nearest_centroid_loo",
    "reference_rof_curves",
    "representative_class",
    "rof_curves",
    "rof_summary",
    "role_codes",
    "role_proportions",
    "role_sets",
    "role_shares",
    "taxonomy",
    "turning_points",
    "unit_ranking",
]
