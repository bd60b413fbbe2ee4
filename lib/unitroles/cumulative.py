"""Cumulative ablation (Morcos et al. 2018): a layer's units removed one after another.

**What is removed.** A unit is one output channel of a layer's post-ReLU map ``(n, C, H, W)``; to
remove it is to multiply that channel by 0 (as :mod:`unitroles.engine` ablates). Units are removed
in a fixed order ``v_1, .., v_N`` and stay removed: after ``k`` steps the units ``v_1 .. v_k`` are
off and the others on, for ``k = 0..N`` (``k = 0`` the intact model, ``k = N`` the dead layer).
Morcos et al. (2018) remove units in random order, and in order of class selectivity.

**Orders** (:func:`orders`): ``R`` random permutations from one seed (``numpy``'s
``default_rng(seed)``, ``permutation`` once per order), then **most selective first** and **least
selective first**. A unit's class selectivity is Morcos et al.'s index on the spatial means of
its post-ReLU map, ``max_k (μ_k − μ_¬k) / (μ_k + μ_¬k)`` (:func:`unitroles.attributes.
class_selectivity`), measured on the model's **training** images; ties go to the lower unit index.

**How the curve is computed.** Removing ``v_1 .. v_k`` leaves on the last ``N − k`` units of the
order: the ROF curve (:mod:`unitroles.rof`) of the *reversed* order, read from the other end.
Each step is a unit-set ablation, and the engine (:mod:`unitroles.engine`) evaluates all of them
at once: where the layer is followed by per-channel ops and a linear map, the pre-activation with
a set removed is the intact one minus the set's contributions, one matrix product for every step
of every order (``keep masks (R * S, N) @ contributions``), then the rest of the head; exact, not
a forward pass per step. A curve is read at every ``k = 0..N`` or at ``S`` evenly spaced steps
(:func:`step_grid`: the rest of the head runs once per step, so fewer steps cost less).
:func:`reference_curves` is the plain loop the tests check it against: a forward hook zeros the
removed units and the whole model runs, once per ``(order, step)``
(:func:`unitroles.reference.reference_sweep`).

**Reading a curve** (:class:`AblationCurves`). ``accuracy[r, c, k]`` is the accuracy (%) of class
``c`` after the first ``k`` units of order ``r`` are removed; :meth:`~AblationCurves.overall` the
accuracy over all images. The **retained accuracy** is the accuracy above chance as a fraction of
the intact model's, ``(A(k) − 100 / K) / (A(0) − 100 / K)``: 1 at ``k = 0``, near 0 when the model
guesses; models of different accuracy compare on it. The **area** under it (:meth:`~AblationCurves.
area`) is its mean over the fraction of units removed, ``k / N`` from 0 to 1, by the trapezoid
rule over the steps read: 1 for a model that loses nothing until the last unit goes, about 0 for
one that falls to chance at the first; Morcos et al. read robustness to ablation from the same
area.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import attributes, rof, sweeps, zoo
from . import engine as engine_module

__all__ = [
    "AblationCurves",
    "Cumulative",
    "cached_cumulative",
    "claim_checks",
    "code_key",
    "cumulative",
    "at_fraction",
    "seed_curves",
    "model_curves",
    "orders",
    "reference_curves",
    "removal_curves",
    "removal_masks",
    "step_grid",
    "selectivity",
    "summary",
    "sweep",
]

SELECTIVE_FIRST, SELECTIVE_LAST = "most selective first", "least selective first"


# --------------------------------------------------------------------------------------------------
# Orders


def orders(sel: np.ndarray, random_orders: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """``(R + 2, N)`` removal orders and their names: ``random_orders`` random permutations of the
    ``N`` units (``default_rng(seed)``), then the units by descending and by ascending selectivity
    ``sel (N,)`` (ties by unit index in both)."""
    sel = np.asarray(sel, dtype=np.float64)
    if random_orders < 1:
        raise ValueError(f"random_orders must be at least 1, got {random_orders}")
    rng = np.random.default_rng(seed)
    random = [rng.permutation(len(sel)) for _ in range(random_orders)]
    most = rof.rank_order(sel)  # descending, ties by index
    least = rof.rank_order(-sel)  # ascending, ties by index
    names = [f"random {i}" for i in range(random_orders)] + [SELECTIVE_FIRST, SELECTIVE_LAST]
    return np.stack([*random, most, least]), names


@torch.no_grad()
def selectivity(
    model: nn.Module, layer: str, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
    *, device=None, chunk_images: int = 256,
) -> np.ndarray:  # fmt: skip
    """``(N,)`` class selectivity of each unit of ``layer`` (Morcos et al.'s index, its maximum
    over classes) on ``images (n, 3, H, W)`` with ``labels (n,)``: spatial means of the post-ReLU
    map, every class needs an image."""
    eng = engine_module.Engine(model, layer, device=device)
    means = [
        eng.activations(x).flatten(2).mean(-1).double().cpu()
        for x, _ in rof.chunks(images, labels, chunk_images)
    ]
    return attributes.class_selectivity(torch.cat(means), labels.cpu(), num_classes).max(1)


# --------------------------------------------------------------------------------------------------
# Curves


@dataclass
class AblationCurves:
    """Cumulative ablation curves of ``R`` orders on ``K`` classes at a layer of ``N`` units.

    ``accuracy`` ``(R, K, S)``: accuracy (%) on class ``c``'s images after the first
    ``steps[i]`` units of order ``r`` are removed; ``loss`` the same for the mean cross-entropy
    (nats); ``orders`` ``(R, N)``; ``images`` ``(K,)`` images per class; ``steps`` ``(S,)`` the
    numbers of units removed, from 0 to ``N`` (default: every one).
    """

    accuracy: np.ndarray
    loss: np.ndarray
    orders: np.ndarray
    images: np.ndarray
    steps: np.ndarray | None = None

    def __post_init__(self):
        if self.steps is None:
            self.steps = np.arange(self.orders.shape[1] + 1)
        self.steps = np.asarray(self.steps)

    @property
    def units(self) -> int:
        return self.orders.shape[1]

    @property
    def classes(self) -> int:
        return len(self.images)

    def fraction(self) -> np.ndarray:
        """``(S,)`` the fraction of the layer's units removed at each step, ``k / N``."""
        return self.steps / self.units

    def nearest(self, fraction: float) -> int:
        """The index of the step nearest ``fraction`` of the units removed (the lower on a tie)."""
        return int(np.abs(self.fraction() - fraction).argmin())

    def overall(self) -> np.ndarray:
        """``(R, S)`` accuracy (%) over all the images."""
        w = self.images / self.images.sum()
        return np.einsum("rck,c->rk", self.accuracy, w)

    def retained(self) -> np.ndarray:
        """``(R, S)`` accuracy above chance as a fraction of the intact model's:
        ``(A(k) − 100 / K) / (A(0) − 100 / K)`` (see the module docstring)."""
        acc = self.overall()
        chance = 100 / self.classes
        above = acc[:, :1] - chance
        if (above <= 0).any():
            return np.full_like(acc, np.nan)  # a model at chance retains nothing measurable
        return (acc - chance) / above

    def area(self) -> np.ndarray:
        """``(R,)`` area under :meth:`retained` over the fraction removed (trapezoid rule)."""
        r, x = self.retained(), self.fraction()
        return ((r[:, 1:] + r[:, :-1]) * np.diff(x)).sum(1) / 2

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_accuracy": self.accuracy, f"{prefix}_loss": self.loss,
                f"{prefix}_images": self.images, f"{prefix}_steps": self.steps}  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: Mapping, prefix: str, order: np.ndarray) -> AblationCurves:
        return cls(arrays[f"{prefix}_accuracy"], arrays[f"{prefix}_loss"], np.asarray(order),
                   arrays[f"{prefix}_images"], arrays[f"{prefix}_steps"])  # fmt: skip


def step_grid(units: int, points: int | None) -> np.ndarray:
    """The numbers of units removed at which a curve is read: every ``k = 0..N`` (``points``
    None), or ``points`` steps from 0 to ``N`` as evenly spaced as whole units allow (both ends
    always; fewer when the layer has fewer units)."""
    if points is None or points >= units + 1:
        return np.arange(units + 1)
    if points < 2:
        raise ValueError(f"a curve needs at least its two ends: points >= 2, got {points}")
    return np.unique(np.round(np.linspace(0, units, points)).astype(int))


def removal_masks(removal: np.ndarray, steps: np.ndarray) -> torch.Tensor:
    """``(R * S, N)`` 0/1 keep masks, order-major: row ``r * S + i`` zeros the first
    ``steps[i]`` units of ``removal[r]``."""
    removal = np.atleast_2d(np.asarray(removal))
    r, units = removal.shape
    position = np.empty_like(removal)
    np.put_along_axis(position, removal, np.arange(units)[None], axis=1)  # unit -> its step
    keep = position[:, None, :] >= np.asarray(steps)[None, :, None]  # (R, S, N)
    return torch.as_tensor(keep.reshape(-1, units), dtype=torch.float32)


@torch.no_grad()
def removal_curves(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    removal: np.ndarray,
    *,
    points: int | None = None,
    device=None,
    chunk_images: int = 256,
) -> AblationCurves:
    """Cumulative ablation curves of ``images (n, 3, H, W)`` / ``labels (n,)`` for each removal
    order in ``removal (R, N)``, read at :func:`step_grid` ``(N, points)``: every step of every
    order is one unit-set ablation of the engine's sweep (module docstring)."""
    removal = np.atleast_2d(np.asarray(removal))
    steps = step_grid(removal.shape[1], points)
    masks = engine_module.Ablations(removal_masks(removal, steps))
    counts = engine_module.sweep(
        model, layer, images, labels, masks, num_classes, device=device, chunk_images=chunk_images
    )
    return _from_counts(counts, removal, steps)


def _from_counts(counts, removal: np.ndarray, steps: np.ndarray) -> AblationCurves:
    """Per (order, class, step) accuracy and loss from an engine's counts over the masks of
    :func:`removal_masks`."""
    n = counts.images.clamp(min=1)
    shape = (len(removal), len(steps), -1)
    accuracy = (100 * counts.correct / n).numpy().reshape(shape).transpose(0, 2, 1)
    loss = (counts.loss / n).numpy().reshape(shape).transpose(0, 2, 1)
    images = counts.images.numpy().astype(int)
    if (images == 0).any():
        raise ValueError(f"classes {np.flatnonzero(images == 0).tolist()} have no images")
    return AblationCurves(np.ascontiguousarray(accuracy), np.ascontiguousarray(loss), removal,
                          images, steps)  # fmt: skip


@torch.no_grad()
def reference_curves(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    removal: np.ndarray,
    *,
    points: int | None = None,
) -> AblationCurves:
    """The plain loop :func:`removal_curves` is tested against: for each order and each step, a
    forward hook zeros the removed units and the whole model runs on every image
    (:func:`unitroles.reference.reference_sweep`)."""
    from .reference import reference_sweep

    removal = np.atleast_2d(np.asarray(removal))
    steps = step_grid(removal.shape[1], points)
    masks = engine_module.Ablations(removal_masks(removal, steps))
    counts = reference_sweep(model, layer, images, labels, masks, num_classes)
    return _from_counts(counts, removal, steps)


# --------------------------------------------------------------------------------------------------
# One model: selectivity on its training images, curves on its training and test images


@dataclass
class Cumulative:
    """One model's cumulative ablation: the unit selectivity ``(N,)`` (training images), the
    removal ``orders`` ``(R + 2, N)`` and their ``names``, and the curves on the ``train`` and
    the ``test`` images."""

    selectivity: np.ndarray
    names: list[str]
    train: AblationCurves
    test: AblationCurves

    @property
    def random(self) -> np.ndarray:
        """``(R + 2,)`` bool: which orders are random."""
        return np.array([n.startswith("random") for n in self.names])

    def order_index(self, name: str) -> int:
        return self.names.index(name)


def cumulative(
    model: nn.Module, layer: str, data: tuple, num_classes: int, *, random_orders: int = 5,
    seed: int = 0, points: int | None = None, device=None,
) -> Cumulative:  # fmt: skip
    """:class:`Cumulative` of ``model`` at ``layer``: ``data`` is ``(train_images, train_labels,
    test_images, test_labels)``; selectivity and orders (:func:`orders`) from the training
    images, curves on both splits read at ``points`` steps (:func:`step_grid`)."""
    train_x, train_y, test_x, test_y = data
    sel = selectivity(model, layer, train_x, train_y, num_classes, device=device)
    removal, names = orders(sel, random_orders, seed)
    curves = [
        removal_curves(model, layer, x, y, num_classes, removal, points=points, device=device)
        for x, y in ((train_x, train_y), (test_x, test_y))
    ]
    return Cumulative(sel, names, *curves)


@functools.cache
def code_key() -> str:
    """The code version of this module, the engine, the attributes and the ROF module (its rank
    order) (part of every cache key here)."""
    from .store import code_version

    return code_version(sys.modules[__name__], engine_module, attributes, rof)


def cached_cumulative(
    model: nn.Module,
    layer: str,
    data: tuple | Callable[[], tuple],
    num_classes: int,
    *,
    data_key: str | None = None,
    random_orders: int = 5,
    seed: int = 0,
    points: int | None = None,
    store=None,
    name: str = "cumulative",
    device=None,
) -> Cumulative:
    """:func:`cumulative`, cached in the store under the model's weights, the layer, the data
    (``data_key``, or the tensors' fingerprint when ``data`` is a tuple), ``num_classes``, the
    orders' count and seed, the steps read (``points``) and :func:`code_key`. ``data`` may be a
    function returning the tuple, called only on a cache miss (then pass ``data_key``)."""
    from .store import Store

    if data_key is None:
        if callable(data):
            raise ValueError("pass data_key when data is a function (it is not called on a hit)")
        data_key = sweeps.tensor_fingerprint(*data)
    path = zoo.resolve_layer(model, layer)
    key_parts = (sweeps.model_fingerprint(model), path, data_key, num_classes, random_orders,
                 seed, points, code_key())  # fmt: skip

    def compute() -> dict:
        result = cumulative(
            model, layer, data() if callable(data) else data, num_classes,
            random_orders=random_orders, seed=seed, points=points, device=device,
        )  # fmt: skip
        return {"selectivity": result.selectivity, "orders": result.train.orders,
                "names": np.array(result.names), **result.train.arrays("train"),
                **result.test.arrays("test")}  # fmt: skip

    arrays = sweeps.cached_arrays(store or Store(), "cumulative", f"{name}-{layer}", key_parts,
                                  compute)  # fmt: skip
    order = arrays["orders"]
    return Cumulative(
        arrays["selectivity"], [str(n) for n in arrays["names"]],
        AblationCurves.from_arrays(arrays, "train", order),
        AblationCurves.from_arrays(arrays, "test", order),
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Models of the synthetic world


def model_curves(
    trained, layer: str, *, train_per_class: int, test_per_class: int, random_orders: int = 5,
    seed: int = 0, points: int | None = None, store=None, rendered: dict | None = None,
) -> Cumulative:  # fmt: skip
    """:func:`cached_cumulative` of a model of the synthetic world (a
    :class:`unitroles.train.Trained`): the first ``min(train_per_class, its own)`` training
    images a class (the images it was trained on, clean) and the first ``test_per_class`` images
    a class of the world's ``test`` split. ``rendered`` (a dict the caller keeps) holds rendered
    splits between models of the same world."""
    from . import concepts, scenes
    from .scenes import normalize
    from .store import code_version, content_key

    world, rec = trained.world, trained.recipe
    sizes = {"train": min(train_per_class, rec.train_per_class), "test": test_per_class}
    data_key = content_key(world.fingerprint(), sizes, code_version(concepts, scenes))
    rendered = {} if rendered is None else rendered

    def load() -> tuple:
        out = []
        for split, n in sizes.items():
            held = rendered.get((world.fingerprint(), split))
            if held is None or len(held[1]) < n * world.num_classes:
                x, y, _ = world.render_split(split, n)
                held = rendered[(world.fingerprint(), split)] = (normalize(x), y)
            out += [t[: n * world.num_classes] for t in held]  # a prefix: image i is fixed
        return tuple(out)

    return cached_cumulative(
        trained.model, layer, load, world.num_classes, data_key=data_key,
        random_orders=random_orders, seed=seed, points=points, store=store,
        name=f"{rec.name}-seed{rec.seed}",
    )  # fmt: skip


def summary(result: Cumulative) -> dict:
    """One model's numbers (accuracies in %, areas as fractions): intact ``train_acc`` /
    ``test_acc`` and their ``gap`` (pts), and per split the area under the retained-accuracy
    curve: its mean over the random orders (``{split}_random``), their lowest and highest, and
    the selectivity orders' (``{split}_first``: most selective first; ``{split}_last``), and the
    retained accuracy with half the units removed (the nearest step), mean over the random
    orders (``{split}_half``)."""
    row = {}
    for split in ("train", "test"):
        curves = getattr(result, split)
        area = curves.area()
        rand = area[result.random]
        row[f"{split}_acc"] = float(curves.overall()[0, 0])
        half = curves.retained()[result.random][:, curves.nearest(0.5)]
        row |= {
            f"{split}_random": float(rand.mean()), f"{split}_random_low": float(rand.min()),
            f"{split}_random_high": float(rand.max()),
            f"{split}_first": float(area[result.order_index(SELECTIVE_FIRST)]),
            f"{split}_last": float(area[result.order_index(SELECTIVE_LAST)]),
            f"{split}_half": float(half.mean()),
        }  # fmt: skip
    row["gap"] = row["train_acc"] - row["test_acc"]
    return row


def sweep(
    models: Mapping[tuple[str, int], object], layer: str | Mapping[str, str], *,
    train_per_class: int, test_per_class: int, random_orders: int = 5, seed: int = 0,
    points: int | None = None, store=None,
) -> tuple[pd.DataFrame, dict[tuple[str, int], Cumulative]]:  # fmt: skip
    """:func:`model_curves` of each model (keyed ``(recipe, seed)``, a ``Trained`` each) at
    ``layer`` (or a layer per recipe): one :func:`summary` row a model, in the given order, and
    the results."""
    rendered: dict = {}
    results, rows = {}, []
    for (name, s), trained in models.items():
        at = layer if isinstance(layer, str) else layer[name]
        results[(name, s)] = model_curves(
            trained, at, train_per_class=train_per_class, test_per_class=test_per_class,
            random_orders=random_orders, seed=seed, points=points, store=store, rendered=rendered,
        )  # fmt: skip
        rows.append({"recipe": name, "seed": s, "layer": at, **summary(results[(name, s)])})
    return pd.DataFrame(rows), results


def seed_curves(
    results: Sequence[Cumulative], split: str, name: str | None = None, *, retained: bool = False
) -> np.ndarray:
    """``(seeds, S)`` one curve per result (several seeds of one recipe) on ``split``:
    overall accuracy (%), or with ``retained`` the retained accuracy (fraction), under the order
    ``name``, or averaged over the random orders when ``name`` is None."""
    curves = []
    for r in results:
        c = getattr(r, split)
        values = c.retained() if retained else c.overall()
        curves.append(values[r.random].mean(0) if name is None else values[r.order_index(name)])
    return np.stack(curves)


def at_fraction(frame_results: Mapping[tuple[str, int], Cumulative], split: str,
                fraction: float) -> pd.DataFrame:  # fmt: skip
    """One row a model (``(recipe, seed)``): the retained accuracy (fraction) on ``split`` with
    ``fraction`` of the layer's units removed (the nearest step), mean over the random orders,
    and under each selectivity order."""
    rows = []
    for (name, s), r in frame_results.items():
        c = getattr(r, split)
        i = c.nearest(fraction)
        kept = c.retained()[:, i]
        rows.append({"recipe": name, "seed": s, "removed": float(c.fraction()[i]),
                     "random": float(kept[r.random].mean()),
                     SELECTIVE_FIRST: float(kept[r.order_index(SELECTIVE_FIRST)]),
                     SELECTIVE_LAST: float(kept[r.order_index(SELECTIVE_LAST)])})  # fmt: skip
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Claim W4's checks, written from Morcos et al.'s text before the book's run


def claim_checks(
    ladder: pd.DataFrame, zhou: pd.DataFrame, *, best: str = "gen-A"
) -> tuple[dict[str, bool | None], dict]:
    """W4's checks (:data:`unitroles.verdicts.CLAIMS`) and the numbers behind them.

    ``ladder``: :func:`sweep`'s rows of Zhao's ladder (every rung, every seed); ``zhou``: the rows
    of the ``baseline``, ``batchnorm`` and ``dropout-conv5`` models (the same seeds each). Areas
    are under the retained-accuracy curve, mean over the random orders (:func:`summary`).

    * core: over the ladder's models, the training-curve area falls as the generalization gap
      (train − test accuracy, pts) grows: Spearman ρ < 0 with p < 0.05;
    * core: for ``best`` (the best-generalizing rung), removing the most selective units first
      leaves an area at least the lowest random order's (training curves), by a vote over its
      seeds (:func:`unitroles.verdicts.seed_vote`);
    * the same Spearman check on the test curves;
    * batch norm: a larger training-curve area than the baseline, paired over seeds (the 95%
      interval above 0, :func:`unitroles.evidence.paired_check`);
    * channel dropout at conv5: more retained training accuracy with half the units removed than
      the baseline, paired over seeds.
    """
    from . import evidence, study, verdicts

    core = verdicts.CLAIMS["W4"].core
    rho = {s: study.spearman(ladder["gap"], ladder[f"{s}_random"]) for s in ("train", "test")}
    top = ladder[ladder["recipe"] == best].sort_values("seed")
    first = (top["train_first"] >= top["train_random_low"]).tolist()
    by_seed = zhou.pivot(index="seed", columns="recipe")
    paired = {
        "batchnorm": evidence.paired(
            by_seed[("train_random", "batchnorm")], by_seed[("train_random", "baseline")]
        ),
        "dropout": evidence.paired(
            by_seed[("train_half", "dropout-conv5")], by_seed[("train_half", "baseline")]
        ),
    }
    falls = {s: bool(rho[s][0] < 0 and rho[s][1] < 0.05) for s in rho}
    checks = {
        core[0]: falls["train"],
        core[1]: verdicts.seed_vote(first),
        "the area under the test-accuracy curve, units removed at random, falls as the gap grows "
        "over the ladder (Spearman ρ < 0, p < 0.05)": falls["test"],
        "batch norm: a larger area under the training-accuracy curve than the baseline (paired "
        "over seeds, 95% interval above 0)": evidence.paired_check(paired["batchnorm"], "above"),
        "channel dropout at conv5 (p = 0.5): more training accuracy retained than the baseline "
        "with half the units removed at random (paired over seeds, 95% interval above 0)": (
            evidence.paired_check(paired["dropout"], "above")
        ),
    }
    numbers = {"rho": rho, "first": first, "first_seeds": top["seed"].tolist(), **paired}
    return checks, numbers
