"""Everything the book measures about the units of one layer, in one place (Zhou et al. 2018,
sec. 2 and 3.3): ablation drops, weight L1, class selectivity, class correlation and concept IoU,
and the logistic-regression test of Table 1.

Each piece comes from :mod:`unitroles.sweeps` / :mod:`unitroles.attributes` and is cached there by
content, so the pages that share a model (Fig. 1, 2, 5, 6, 9, Table 1) compute it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import attributes, setups, sweeps
from .attributes import ClassStatistics, Dissection
from .engine import AblationCounts
from .setups import Setup

ATTRIBUTES = ("random", "l1", "correlation", "selectivity", "iou")
ATTRIBUTE_LABELS = {
    "random": "random value",
    "l1": "weight L1 norm",
    "correlation": "class correlation (max)",
    "selectivity": "class selectivity (max)",
    "iou": "concept IoU (max)",
}


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

    def vectors(self, attribute: str) -> np.ndarray:
        """A per-unit attribute vector: ``selectivity`` / ``correlation`` ``(U, K)`` over classes,
        ``concept`` ``(U, C)`` IoU over concepts."""
        if attribute == "selectivity":
            return self.stats.selectivity()
        if attribute == "correlation":
            return self.stats.correlation()
        if attribute == "concept":
            return self.dissection.iou
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
    dissection = attributes.cached_dissection(
        setup.model, layer, broden, transform, progress=progress
    )
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


# --------------------------------------------------------------------------------------------------
# Table 1: predict the class a unit matters most for from its attribute vector


FEATURES = ("concept", "correlation", "selectivity")
FEATURE_LABELS = {
    "concept": "Concept Alignment",
    "correlation": "Class Correlation",
    "selectivity": "Class Selectivity",
    "ensemble": "Ensemble",
}


@dataclass
class Prediction:
    """Held-out predictions of the most damaged class of each unit."""

    units: pd.DataFrame  # held-out units: instance, unit, label (class index), true class name
    probabilities: dict[str, np.ndarray]  # feature (and "ensemble") -> (units, K) over all classes
    class_names: tuple[str, ...]
    excluded: int  # units with no class hurt (max class drop <= 0), left out of train and test

    def accuracy(self) -> pd.Series:
        """Top-1 accuracy (%) of each feature's model and of the ensemble."""
        y = self.units["label"].to_numpy()
        return pd.Series(
            {f: 100 * float((p.argmax(1) == y).mean()) for f, p in self.probabilities.items()}
        )

    def top(self, feature: str = "ensemble", k: int = 3) -> list[list[str]]:
        """The ``k`` most probable classes of each held-out unit."""
        order = np.argsort(-self.probabilities[feature], axis=1, kind="stable")[:, :k]
        return [[self.class_names[j] for j in row] for row in order]

    def chance(self) -> dict[str, float]:
        """Chance levels (%): uniform over classes, and always guessing the most common training
        label."""
        return {"uniform": 100 / len(self.class_names), "majority": self.majority}

    majority: float = 0.0


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
) -> Prediction:
    """Zhou et al. Table 1: one multinomial logistic regression per attribute, trained on the
    units of the ``train`` instances, tested on the units of the ``test`` instances.

    A unit's label is the class with the largest accuracy drop when it is ablated (ties: the
    lowest class index); units that hurt no class (max drop <= 0) have no such class and are
    left out. Features are the attribute *vectors* (not their maxima), standardised on the
    training units. The ensemble averages the models' class probabilities.
    """
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
