"""Everything the book measures about the units of one layer, in one place (Zhou et al. 2018,
sec. 2 and 3.3): ablation drops, weight L1, class selectivity, class correlation and concept IoU,
and the logistic-regression test of Table 1.

Each piece comes from :mod:`unitroles.sweeps`, :mod:`unitroles.attributes` or
:mod:`unitroles.dissection` and is cached there by content, so the pages that share a model (Fig.
1, 2, 5, 6, 9, Table 1) compute it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from . import attributes, evidence, greedy, health, setups, sweeps
from .attributes import ClassStatistics
from .dissection import INTERPRETABLE_IOU, Dissection, cached_dissection
from .engine import AblationCounts
from .evaluation import Setup

ATTRIBUTES = ("random", "l1", "correlation", "selectivity", "iou")
ATTRIBUTE_LABELS = {
    "random": "random value",
    "l1": "weight L1 norm",
    "correlation": "class correlation (max)",
    "selectivity": "class selectivity (max)",
    "iou": "concept IoU (max)",
}


LIVE_FRACTION = health.DEAD_FRACTION  # live: mean activation >= 10% of the median unit's


def live_units(mean_activation: np.ndarray, fraction: float = LIVE_FRACTION) -> np.ndarray:
    """``(U,)`` bool: units that are not nearly dead (:func:`unitroles.health.nearly_dead`), i.e.
    whose mean activation is at least ``fraction`` times the median unit's. The others change
    little when ablated, while their class selectivity, a ratio of tiny means, can be large."""
    return ~health.nearly_dead(mean_activation, fraction)


@dataclass
class UnitStudy:
    """One layer of one model: ablation counts and every attribute of every unit."""

    setup: Setup
    layer: str
    counts: AblationCounts  # single-unit ablations on the validation images
    stats: ClassStatistics  # spatial means / class probabilities on the same images
    l1: np.ndarray  # (U,)
    dissection: Dissection
    random: np.ndarray  # (U,) a seeded random value per unit (the paper's baseline column)

    @property
    def units(self) -> int:
        return len(self.l1)

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.setup.class_names

    def mean_activation(self) -> np.ndarray:
        """``(U,)`` each unit's post-ReLU activation, averaged over space and the validation
        images (the images of :attr:`counts`)."""
        return self.stats.class_sum.sum(0) / self.stats.n

    def live(self, fraction: float = LIVE_FRACTION) -> np.ndarray:
        """``(U,)`` bool: see :func:`live_units`."""
        return live_units(self.mean_activation(), fraction)

    def vectors(self, attribute: str) -> np.ndarray:
        """A per-unit attribute vector: ``selectivity`` / ``correlation`` ``(U, K)`` over classes,
        ``concept`` ``(U, C)`` IoU over the concepts that are not scene labels (on the synthetic
        world the scene labels are the classes: a vector holding them would read the answer)."""
        if attribute == "selectivity":
            return self.stats.selectivity()
        if attribute == "correlation":
            return self.stats.correlation()
        if attribute == "concept":
            keep = np.array(self.dissection.categories) != "scene"
            return self.dissection.iou[:, keep]
        raise ValueError(
            f"no vector attribute {attribute!r}; use selectivity, correlation or concept"
        )

    def table(self) -> pd.DataFrame:
        """One row per unit: drops (pts, positive = worse), the most damaged class, attributes
        (scalars: the max over classes / concepts) and the best concept."""
        drops = self.counts.class_drop()
        best = self.dissection.best()
        return pd.DataFrame(
            {
                "overall_drop": self.counts.overall_drop(),
                "max_class_drop": drops.max(1),
                "min_class_drop": drops.min(1),
                "most_damaged": [self.class_names[k] for k in drops.argmax(1)],
                "random": self.random,
                "l1": self.l1,
                "correlation": self.stats.correlation().max(1),
                "selectivity": self.stats.selectivity().max(1),
                "iou": best["iou"].to_numpy(),
                "concept": best["concept"].to_numpy(),
                "category": best["category"].to_numpy(),
                "interpretable": best["interpretable"].to_numpy(),
            },
            index=pd.RangeIndex(self.units, name="unit"),
        )


def unit_study(
    profile: str,
    *,
    layer: str = "conv5",
    recipe: str = "baseline",
    seed: int = 0,
    data_scale: float = 1.0,
    epoch_scale: float = 1.0,
    world_seed: int = 0,
    image_size: int = 48,
    dissect_per_class: int = 50,
    arch: str = "alexnet",
    checkpoint: str | None = None,
    val_root: str | None = None,
    broden_root: str | None = None,
    eval_per_class: int = 10,
    progress: bool = True,
) -> UnitStudy:
    """Train or load the model, then ablate and measure every unit of ``layer`` (all cached)."""
    setup = setups.model_setup(
        profile, recipe=recipe, seed=seed, data_scale=data_scale, epoch_scale=epoch_scale,
        world_seed=world_seed, image_size=image_size, arch=arch, checkpoint=checkpoint,
        val_root=val_root, eval_per_class=eval_per_class,
    )  # fmt: skip
    per_class = max(2, round(dissect_per_class * data_scale))
    broden, transform = setups.dissection_data(
        profile, world_seed=world_seed, image_size=image_size, per_class=per_class,
        broden_root=broden_root,
    )  # fmt: skip
    counts = sweeps.unit_sweep(
        setup.model, layer, setup.images, setup.labels, setup.num_classes, progress=progress
    )
    stats = attributes.class_statistics(
        setup.model, layer, setup.images, setup.labels, setup.num_classes
    )
    dissection = cached_dissection(setup.model, layer, broden, transform, progress=progress)
    l1 = attributes.weight_l1(setup.model, layer)
    random = np.random.default_rng(seed).random(len(l1))
    return UnitStudy(setup, layer, counts, stats, l1, dissection, random)


# --------------------------------------------------------------------------------------------------
# Which classes a concept belongs to (ground truth the synthetic world has and real data lacks)


def classes_with(world, concept: str, category: str) -> list[int]:
    """Indices of the world's classes whose recipe contains ``concept``: an object among its
    parts, a texture or colour of its background regions, or the scene itself."""
    out = []
    for k, cls in enumerate(world.classes):
        if category == "object":
            hit = concept in {p.name for p in cls.parts}
        elif category == "texture":
            hit = concept in cls.upper.textures + cls.lower.textures
        elif category == "color":
            hit = concept in cls.upper.colors + cls.lower.colors
        elif category == "scene":
            hit = concept == cls.name
        else:
            raise ValueError(f"unknown concept category {category!r}")
        if hit:
            out.append(k)
    return out


PRESENT_FRACTION = 0.01  # an image holds a concept when it covers >= 1% of the image's pixels
CONCEPT_SHARE = 0.3  # a class holds a concept when >= 30% of its images do


def concept_presence(
    world, split: str = "val", n_per_class: int = 100, *, min_fraction: float = PRESENT_FRACTION
) -> pd.DataFrame:
    """The share of each class's images that hold each concept, read from the rendered masks.

    Renders the first ``n_per_class`` images a class of ``split`` (the images a setup with that
    ``eval_per_class`` evaluates on). An image holds an object, texture or colour concept when
    its mask of that category labels at least ``min_fraction`` of the pixels with it; it holds
    the scene concept of its own class. Returns a ``(classes, concepts)`` frame of shares in
    [0, 1], index the class names, columns a ``(category, concept)`` MultiIndex.
    """
    from . import scenes

    _, labels, masks = world.render_split(split, n_per_class)
    labels = labels.numpy()
    names = {"object": scenes.OBJECTS, "texture": scenes.TEXTURES, "color": scenes.COLOR_NAMES}
    columns, values = [], []
    for category, concepts in names.items():
        mask = masks[category].reshape(len(labels), -1).long()
        # pixels of each concept per image: (images, concepts + 1), column 0 = no concept
        pixels = torch.zeros(len(labels), len(concepts) + 1, dtype=torch.long)
        pixels.scatter_add_(1, mask, torch.ones_like(mask))
        holds = (pixels[:, 1:].numpy() / mask.shape[1]) >= min_fraction  # (images, concepts)
        for j, concept in enumerate(concepts):
            columns.append((category, concept))
            values.append(np.bincount(labels, holds[:, j], world.num_classes))
    for k, name in enumerate(world.class_names):
        columns.append(("scene", name))
        values.append(np.bincount(labels, labels == k, world.num_classes))
    counts = np.bincount(labels, minlength=world.num_classes)
    share = np.stack(values, 1) / counts[:, None]
    return pd.DataFrame(
        share,
        index=pd.Index(world.class_names, name="class"),
        columns=pd.MultiIndex.from_tuples(columns, names=["category", "concept"]),
    )


def classes_holding(
    presence: pd.DataFrame, concept: str, category: str, share: float = CONCEPT_SHARE
) -> np.ndarray:
    """``(classes,)`` bool: the classes at least ``share`` of whose images hold ``concept``
    (``presence`` from :func:`concept_presence`)."""
    if (category, concept) not in presence.columns:
        raise ValueError(f"no concept {concept!r} in category {category!r} of the world's masks")
    return presence[(category, concept)].to_numpy() >= share


# --------------------------------------------------------------------------------------------------
# Zhou Fig. 1 and 2: which unit to show, which classes it damages


def concept_unit(dissection: Dissection, concept: str = "bed") -> tuple[int, str, str]:
    """The unit Fig. 1 shows, chosen from dissection alone (before looking at its ablation).

    Rule: the unit with the best IoU for object ``concept`` if that IoU exceeds 0.04 (the
    ``bed`` analogue); else, among the object-interpretable units (best object IoU > 0.04), the
    one with the best object IoU; else (no object-interpretable unit) the unit with the best
    object IoU. Returns ``(unit, its object concept, the rule branch taken, in words)``.
    """
    objects = dissection.best(["object"])
    ious = dissection.frame()
    if concept in ious and ious[concept].max() > INTERPRETABLE_IOU:
        unit = int(ious[concept].idxmax())
        return unit, concept, f"the unit with the best {concept} IoU"
    unit = int(objects["iou"].idxmax())
    if objects["interpretable"].any():
        why = f"no {concept} unit; the object-interpretable unit with the best object IoU"
    else:
        why = "no object-interpretable unit; the unit with the best object IoU"
    return unit, str(objects.loc[unit, "concept"]), why


def damaged_classes(drops: np.ndarray, k: int = 3) -> np.ndarray:
    """Indices of the (at most) ``k`` classes with the largest drops (pts, positive = worse),
    largest first (ties: the lower class index); classes with no drop (<= 0) never count."""
    drops = np.asarray(drops)
    order = np.argsort(-drops, kind="stable")
    return order[drops[order] > 0][:k]


# --------------------------------------------------------------------------------------------------
# Zhou Fig. 5: rank correlations with a random-value baseline


def spearman(attribute: np.ndarray, drop: np.ndarray) -> tuple[float, float]:
    """Spearman's rank correlation r of ``attribute`` and ``drop`` over units, and its two-sided
    p-value (``scipy.stats.spearmanr``). A constant input has no rank correlation: (nan, nan)."""
    from scipy.stats import spearmanr

    attribute, drop = np.asarray(attribute, float), np.asarray(drop, float)
    if len(attribute) < 3 or np.ptp(attribute) == 0 or np.ptp(drop) == 0:
        return float("nan"), float("nan")
    result = spearmanr(attribute, drop)
    return float(result.statistic), float(result.pvalue)


def random_r_band(
    drop: np.ndarray, *, draws: int = 1000, seed: int = 0, coverage: float = 0.95
) -> tuple[float, float]:
    """The central ``coverage`` interval of Spearman r between ``drop`` and a random value per
    unit (uniform, independent of everything), over ``draws`` random draws: the range an
    attribute that carries no information lands in (the paper's random-value column)."""
    from scipy.stats import rankdata

    drop = np.asarray(drop, float)
    rng = np.random.default_rng(seed)
    ranks = rankdata(drop)
    centred = ranks - ranks.mean()
    random_ranks = np.argsort(np.argsort(rng.random((draws, len(drop))), 1), 1) + 1.0
    random_ranks -= random_ranks.mean(1, keepdims=True)
    r = random_ranks @ centred / np.sqrt((random_ranks**2).sum(1) * (centred**2).sum())
    tail = (1 - coverage) / 2
    lo, hi = np.quantile(r, [tail, 1 - tail])
    return float(lo), float(hi)


# --------------------------------------------------------------------------------------------------
# Zhou Fig. 4: greedy units chosen on one half of the images, scored on the other


def split_halves(labels: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Indices of two halves of the images, balanced per class: within each class, in index
    order, the 1st, 3rd, 5th, ... image go to the first half (``choose``), the 2nd, 4th, ... to
    the second (``score``)."""
    labels = np.asarray(labels)
    first = np.zeros(len(labels), bool)
    for k in np.unique(labels):
        first[np.flatnonzero(labels == k)[::2]] = True
    return np.flatnonzero(first), np.flatnonzero(~first)


@dataclass
class HeldOutGreedy:
    """Greedy ablation with the units chosen on one half of the images, scored on the other.

    Accuracies (%) of each class on its images, after ablating 0..steps units:
    ``chosen`` is :func:`greedy.greedy_ablation` on the ``choose`` half (in-sample: chosen and
    scored on the same images); ``greedy`` ``(classes, steps + 1)`` scores the same units, in
    the same order, on the ``score`` half; ``random`` ``(classes, orders, steps + 1)`` scores
    random orders of as many units (the same fraction of the layer) on the ``score`` half.
    """

    classes: list[int]
    chosen: np.ndarray
    greedy: np.ndarray
    random: np.ndarray
    order: np.ndarray  # (classes, steps) the greedy units
    units: int  # units of the layer

    def drops(self) -> tuple[np.ndarray, np.ndarray]:
        """Class accuracy drops (pts, positive = worse) on the ``score`` half: greedy
        ``(classes, steps + 1)`` and random, averaged over orders, ``(classes, steps + 1)``."""
        greedy = self.greedy[:, :1] - self.greedy
        random = (self.random[:, :, :1] - self.random).mean(1)
        return greedy, random


def held_out_greedy(
    model,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    classes: Sequence[int],
    steps: int,
    *,
    random_orders: int = 5,
    seed: int = 0,
    store=None,
    progress: bool = False,
) -> HeldOutGreedy:
    """Zhou et al. Fig. 4 with a held-out score: greedy units are chosen on one half of the
    images (:func:`split_halves`, :func:`greedy.cached_greedy`) and scored on the other, as are
    ``random_orders`` random orders (seeded by ``seed``). Cached by content."""
    from . import engine
    from . import study as this
    from .store import Store, code_version

    choose, score = split_halves(labels)
    classes = [int(k) for k in classes]
    chosen = greedy.cached_greedy(
        model, layer, images[choose], labels[choose], classes, steps, random_orders=0,
        seed=seed, store=store, progress=progress,
    )  # fmt: skip
    x, y = images[score], labels[score]
    num_classes = int(labels.max()) + 1
    units = sweeps.layer_units(model, layer, images)
    key_parts = (
        sweeps.model_fingerprint(model), layer, sweeps.tensor_fingerprint(x, y),
        chosen.order.tobytes().hex(), classes, steps, random_orders, seed,
        code_version(engine, this),
    )  # fmt: skip

    def compute():
        eng = engine.Engine(model, layer)
        rng = np.random.default_rng(seed)
        greedy, random = [], []
        for order, k in zip(chosen.order, classes):
            perms = [rng.permutation(units)[:steps] for _ in range(random_orders)]
            sets = [list(o[:t]) for o in [order, *perms] for t in range(steps + 1)]
            mask = y == k
            counts = eng.sweep(x[mask], y[mask], engine.unit_sets(units, sets), num_classes)
            acc = counts.class_accuracy()[:, k].reshape(1 + random_orders, steps + 1)
            greedy.append(acc[0])
            random.append(acc[1:])
        return {"greedy": np.array(greedy), "random": np.array(random)}

    arrays = sweeps.cached_arrays(
        store or Store(), "greedy", f"greedy-held-out-{layer}", key_parts, compute
    )
    return HeldOutGreedy(
        classes, chosen.greedy, arrays["greedy"], arrays["random"], chosen.order, units
    )


# --------------------------------------------------------------------------------------------------
# Over seeds


def seed_checks(
    per_seed: dict[str, Sequence[bool | None]], core: Sequence[str]
) -> tuple[dict[str, bool | None], list[str]]:
    """Checks evaluated on every seed, as :func:`unitroles.report.claim` takes them.

    ``per_seed`` maps a check's name to its outcome on each seed; the check passes, fails or is
    undecided by a majority one seed cannot overturn (:func:`verdicts.seed_vote`; a seed's outcome
    may itself be undecided, ``None``: :func:`verdicts.seed_outcomes`) and its name gets on how
    many seeds it passed (:func:`verdicts.on_seeds`): ``"overall drop < 1 pt, on 4 of 5
    seeds"``. Returns ``(checks, the names in core renamed)``.
    """
    from . import verdicts

    unknown = [name for name in core if name not in per_seed]
    if unknown:
        raise ValueError(f"core names checks that are not given: {unknown}")
    names = {name: f"{name}, {verdicts.on_seeds(passes)}" for name, passes in per_seed.items()}
    checks = {names[n]: verdicts.seed_outcomes(passes) for n, passes in per_seed.items()}
    return checks, [names[n] for n in core]


def seed_band(curves: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Point-wise min and max over seeds of curves of equal length (the band a figure shades)."""
    stacked = np.stack([np.asarray(c, float) for c in curves])
    return stacked.min(0), stacked.max(0)


# --------------------------------------------------------------------------------------------------
# Table 1: predict the class a unit matters most for from its attribute vector


FEATURES = ("concept", "correlation", "selectivity")
FEATURE_LABELS = {
    "concept": "Concept Alignment",
    "correlation": "Class Correlation",
    "selectivity": "Class Selectivity",
    "ensemble": "Ensemble",
}


class NothingToPredict(ValueError):
    """The units give the Table 1 classifier nothing to learn from or nothing to test on."""


@dataclass
class Prediction:
    """Held-out predictions of the most damaged class of each unit.

    ``why`` is empty for a prediction that was made; otherwise it says why none could be (see
    :func:`predict_most_damaged`'s ``if_nothing``): then there are no held-out units and every
    accuracy is NaN.
    """

    units: pd.DataFrame  # held-out units: instance, unit, label (class index), true class name
    probabilities: dict[str, np.ndarray]  # feature (and "ensemble") -> (units, K) over all classes
    class_names: tuple[str, ...]
    excluded: int  # units with no class hurt (max class drop <= 0), left out of train and test

    def accuracy(self) -> pd.Series:
        """Top-1 accuracy (%) of each feature's model and of the ensemble (NaN with no units)."""
        y = self.units["label"].to_numpy()
        return pd.Series(
            {
                f: 100 * float((p.argmax(1) == y).mean()) if len(y) else float("nan")
                for f, p in self.probabilities.items()
            }
        )

    def top(self, feature: str = "ensemble", k: int = 3) -> list[list[str]]:
        """The ``k`` most probable classes of each held-out unit."""
        order = np.argsort(-self.probabilities[feature], axis=1, kind="stable")[:, :k]
        return [[self.class_names[j] for j in row] for row in order]

    def kappa(self) -> pd.Series:
        """Cohen's κ of each feature's predictions and of the ensemble's against the true classes
        (:func:`unitroles.evidence.cohen_kappa`; NaN with no units)."""
        y = self.units["label"].to_numpy()
        return pd.Series(
            {
                f: evidence.cohen_kappa(y, p.argmax(1)) if len(y) else float("nan")
                for f, p in self.probabilities.items()
            }
        )

    def chance(self) -> dict[str, float]:
        """Chance levels (%): uniform over classes, and always guessing the most common training
        label."""
        return {"uniform": 100 / len(self.class_names), "majority": self.majority}

    majority: float = 0.0
    why: str = ""


def _labelled(study: UnitStudy) -> tuple[np.ndarray, np.ndarray]:
    drops = study.counts.class_drop()
    hurt = drops.max(1) > 0
    return drops.argmax(1), hurt


def predict_most_damaged(
    train: Sequence[UnitStudy],
    test: Sequence[UnitStudy],
    *,
    features: Sequence[str] = FEATURES,
    regularization: float = 1.0,
    if_nothing: str = "raise",
) -> Prediction:
    """Zhou et al. Table 1: one multinomial logistic regression per attribute, trained on the
    units of the ``train`` instances, tested on the units of the ``test`` instances.

    A unit's label is the class with the largest accuracy drop when it is ablated (ties: the
    lowest class index); units that hurt no class (max drop <= 0) have no such class and are
    left out. Features are the attribute *vectors* (not their maxima), standardised on the
    training units. The ensemble averages the models' class probabilities.

    Weak instances (e.g. trained for a few steps) can leave nothing to predict: the training
    units all hurt one class, or no held-out unit hurts any. ``if_nothing="raise"`` raises
    :class:`NothingToPredict` saying so; ``"report"`` returns a :class:`Prediction` with no
    units whose ``why`` says so, for a page that shows the claim as not measured.
    """
    if if_nothing not in ("raise", "report"):
        raise ValueError(f'if_nothing is "raise" or "report", not {if_nothing!r}')
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = train[0].class_names
    classes = len(names)

    def stack(studies, feature):
        xs, ys, rows, excluded = [], [], [], 0
        for i, s in enumerate(studies):
            label, hurt = _labelled(s)
            excluded += int((~hurt).sum())
            xs.append(s.vectors(feature)[hurt])
            ys.append(label[hurt])
            rows += [(i, int(u), int(label[u])) for u in np.flatnonzero(hurt)]
        return np.concatenate(xs), np.concatenate(ys), rows, excluded

    probabilities, rows, excluded = {}, [], 0
    for feature in features:
        x_train, y_train, _, excl_train = stack(train, feature)
        x_test, y_test, rows, excl_test = stack(test, feature)
        excluded = excl_train + excl_test
        if len(np.unique(y_train)) < 2 or not len(y_test):
            why = (
                f"nothing to predict: the training instances' units are most damaging to "
                f"{len(np.unique(y_train))} class(es) and {len(y_test)} held-out unit(s) hurt any "
                "class; the classifier needs units of at least 2 classes to learn from and one "
                "to test. The instances are too weak (e.g. trained for a few steps): train them "
                "longer or evaluate on more images (eval_per_class)."
            )
            if if_nothing == "raise":
                raise NothingToPredict(why)
            empty = pd.DataFrame({"instance": [], "unit": [], "label": [], "true class": []})
            nothing = {f: np.zeros((0, classes)) for f in (*features, "ensemble")}
            return Prediction(empty.astype({"instance": int, "unit": int, "label": int}),
                              nothing, names, excluded, majority=float("nan"), why=why)  # fmt: skip
        model = make_pipeline(StandardScaler(), LogisticRegression(C=regularization, max_iter=5000))
        model.fit(x_train, y_train)
        p = np.zeros((len(x_test), classes))
        p[:, model.classes_] = model.predict_proba(x_test)
        probabilities[feature] = p
    probabilities["ensemble"] = np.mean([probabilities[f] for f in features], axis=0)
    units = pd.DataFrame(rows, columns=["instance", "unit", "label"])
    units["true class"] = [names[k] for k in units["label"]]
    majority = 100 * float((units["label"] == np.bincount(y_train).argmax()).mean())
    return Prediction(units, probabilities, names, excluded, majority)


# --- how the book's scale compares with the paper's (a diagnosis for small class drops) ----------

# Zhou et al. (2018): AlexNet conv5 has 256 units; Places365 has 365 classes; their baseline
# classifies 50.6% of the validation images (sec. 3.1, Fig. 1).
PAPER_SCALE = {"units": 256, "classes": 365, "accuracy": 50.6}


def scale_comparison(units: int, classes: int, accuracy: float) -> dict[str, str]:
    """Glue values comparing a layer's scale with Zhou et al.'s AlexNet conv5 on Places365.

    ``accuracy`` is the model's top-1 accuracy in %. A layer with several units per class, on a
    model that gets most images right, can lose one unit with little cost to any class: the
    other units that carry the class make up for it. Returns text values for ``report.glue``:
    ``units_per_class``, ``paper_units_per_class``, ``scale_units``, ``scale_classes``,
    ``scale_accuracy``, ``paper_accuracy`` and ``redundancy_ratio`` (ours / the paper's units
    per class).
    """
    ours = units / classes
    paper = PAPER_SCALE["units"] / PAPER_SCALE["classes"]
    return {
        "units_per_class": f"{ours:.1f}",
        "paper_units_per_class": f"{paper:.1f}",
        "scale_units": str(units),
        "scale_classes": str(classes),
        "scale_accuracy": f"{accuracy:.1f}",
        "paper_accuracy": f"{PAPER_SCALE['accuracy']:.1f}",
        "redundancy_ratio": f"{ours / paper:.0f}",
    }
