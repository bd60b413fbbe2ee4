"""The role taxonomy of units (Zhao, Zhang & Hu 2023): core, overfitted, generalizing, confusing.

Built on the ROF curves of :mod:`unitroles.rof` (units ranked on the training split, switched on in
that order; a curve's turning point ``n0`` and its active set ``U_0``).

With ``U_0`` from the train curve and from the test curve (same rank order), eqs.
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

import dataclasses
import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import attributes, rof, zoo
from . import engine as engine_module
from .rof import (  # noqa: F401  (re-exported: the curves are read through this module too)
    METHODS,
    RANKINGS,
    CurveSums,
    ROFCurves,
    active_units,
    add_curves,
    check_classes,
    check_rank_by,
    chunks,
    class_l1,
    make_engine,
    rank_order,
    reference_rof_curves,
    representative_class,
    rof_curves,
    rof_summary,
    turning_points,
    unit_ranking,
)

ROLES = ("core", "overfitted", "generalizing", "confusing")

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

    def with_tolerance(self, tolerance: float) -> Taxonomy:
        """The same curves with turning points taken at ``tolerance`` (a fraction of each curve's
        fall; see :func:`unitroles.rof.turning_points`). ``0`` is the paper's argmin."""
        return dataclasses.replace(
            self,
            train=dataclasses.replace(self.train, tolerance=tolerance),
            test=dataclasses.replace(self.test, tolerance=tolerance),
        )

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


class RoleTest:
    """The ROF test of one layer in progress: the rank orders ``(K, N)`` and the curve sums of the
    training and the test split, fed images all classes at once or class by class."""

    def __init__(self, eng: engine_module.Engine, classes: int, rank_by: str, method: str):
        check_rank_by(rank_by)
        self.eng, self.classes, self.rank_by, self.method = eng, classes, rank_by, method
        self.order: np.ndarray | None = None
        if rank_by == "weight":
            self.order = np.tile(
                rank_order(attributes.weight_l1(eng.model, eng.layer)), (classes, 1)
            )
        self.sums: dict[str, CurveSums] = {}

    @torch.no_grad()
    def add(self, train_chunks, test_chunks) -> None:
        """Rank the units of the classes in ``train_chunks`` (``[(images, labels)]``; by
        activation) and add the curves of both splits' images."""
        total, count, kept = class_l1(self.eng, train_chunks, self.classes)
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
            self.sums.setdefault(split, CurveSums(self.classes, units))
        for act, y in kept:
            add_curves(self.eng, act, y, ranks, self.method, self.sums["train"])
        for x, y in test_chunks:
            add_curves(self.eng, self.eng.activations(x), y, ranks, self.method, self.sums["test"])

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
        check_classes(labels, num_classes)
    test = RoleTest(make_engine(model, layer, device, method), num_classes, rank_by, method)
    test.add(
        chunks(train_images, train_labels, chunk_images),
        chunks(test_images, test_labels, chunk_images),
    )
    names = tuple(class_names) if class_names is not None else tuple(map(str, range(num_classes)))
    return test.taxonomy(names, zoo.resolve_layer(model, layer))


@functools.cache
def code_key(rank_by: str = "activation") -> str:
    """The code version of this module and the engine, and of :mod:`unitroles.attributes` when
    units are ranked by weight (part of every cache key here); computed once per process."""
    from .store import code_version

    extra = (attributes,) if rank_by == "weight" else ()
    return code_version(sys.modules[__name__], rof, engine_module, *extra)


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
