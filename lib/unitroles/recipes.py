"""The training recipes: named, frozen descriptions of everything that determines a model.

A recipe is data. :func:`unitroles.train.cache_key` hashes its fields (with the world and the
training code), so editing one recipe retrains that recipe's models only.

Recipes (see :data:`RECIPES`):

* ``baseline`` — alexnet-mini, classifier dropout only, as the papers' AlexNet baseline. Use
  ``seed=`` for the several instances of Zhou et al. (2018), Table 1.
* ``batchnorm`` — the baseline with batch norm after every conv layer (Zhou et al., sec. 3.5).
* ``dropout-conv5`` — the baseline plus channel dropout (p = 0.5) on conv5 (Zhou et al., sec. 3.5).
* ``resnet18`` — resnet18-mini trained like the baseline (Zhou et al., sec. 3.4 and Fig. 7).

  These four share one schedule: 30 epochs at a peak learning rate of 0.02, long enough for the
  training loss to level off (the first version trained 10 epochs at 0.05: the loss was still
  falling, about a quarter of conv5 units were nearly dead, and at 0.05 the dropout model's loss
  jumped back up when the warm-up ended).
* ``gen-A`` … ``gen-E`` — vgg16-mini models from well to poorly generalised, as the five VGG16
  models of Zhao et al. (2023), Table 1. Each rung stops where the paper's model stands: at the
  end of the first epoch on which the model classifies the paper's training accuracy of its
  (clean) training images correctly (:attr:`Recipe.stop_train_acc`: 0.73, 0.73, 0.82, 0.83 and
  0.98 for A to E, Table 1's 0.732, 0.730, 0.818, 0.828, 0.978). The rungs differ in
  training-set size (the lever that moves test accuracy: 320, 160, 80, 48 and 32 images a class),
  augmentation, weight decay and dropout. Model E has 32 training images a class, so a class's
  train ROF curve averages 32 images and its accuracy moves in steps of 3.1 pts (the first ladder
  trained E on 16, steps of 6.3 pts, and every rung to 97% training accuracy, so that the gaps
  varied only through test accuracy). Three seeds a rung (:data:`LADDER_SEEDS`). They use batch
  norm (torchvision's ``vgg16_bn`` layout): without it, plain SGD on the narrow 13-conv network
  stalled at chance for some recipes. The units studied are the post-ReLU channels of the last
  conv layer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipe:
    """Everything that determines a trained model (besides the world it is trained on)."""

    name: str
    arch: str = "alexnet-mini"
    seed: int = 0
    # the scene catalogue of the world it is trained on (:data:`unitroles.scenes.CATALOGUES`);
    # ``None``: the world the caller gives, as it is
    world: str | None = "pairs48"
    conv5_units: int | None = None  # alexnet-mini's conv5 width (None: the architecture's, 96)
    train_per_class: int = 100  # training images per class
    eval_per_class: int = 100  # val and test images per class
    epochs: int = 30
    batch_size: int = 64
    lr: float = 0.02  # peak SGD learning rate (warm-up, then cosine decay), momentum 0.9
    weight_decay: float = 5e-4
    batchnorm: bool = False
    channel_dropout: tuple[tuple[str, float], ...] = ()  # ((layer alias, p), ...)
    classifier_dropout: float = 0.5
    augment: bool = False  # random horizontal flip and random translation by up to 4 px
    # Stop at the end of the first epoch whose clean training accuracy (fraction) reaches this;
    # ``None`` trains every epoch. ``epochs`` is then the most it may train (and sets the schedule).
    stop_train_acc: float | None = None
    description: str = field(default="", compare=False)

    def scaled(self, data: float = 1.0, epochs: float = 1.0) -> Recipe:
        """A cheaper copy (smoke runs): data sizes times ``data``, epochs times ``epochs``."""
        if data <= 0 or epochs <= 0:
            raise ValueError(f"scales must be positive, got data={data}, epochs={epochs}")
        return dataclasses.replace(
            self,
            train_per_class=max(2, round(self.train_per_class * data)),
            eval_per_class=max(2, round(self.eval_per_class * data)),
            epochs=max(1, round(self.epochs * epochs)),
        )


_BASE = Recipe(
    "baseline",
    conv5_units=64,
    description="alexnet-mini, conv5 64 wide; dropout on the classifier only",
)
ZHOU_WORLD, ZHAO_WORLD = "pairs48", "scenes24"  # the catalogues of Zhou's and Zhao's pages
# Zhou et al.'s AlexNet has 256 conv5 units for 365 classes (0.7 a class); the book's baseline
# 64 for 48 (1.3). The width sweep trains the baseline at these other conv5 widths.
WIDTHS = (24, 48, 96, 192)
WIDTH_SEEDS = 2
# Zhao et al.'s ladder: vgg16-mini with batch norm, each rung stopped at its model's training
# accuracy in the paper's Table 1; the rungs differ in training-set size, augmentation and
# regularisation.
_GEN = Recipe(
    "gen",
    arch="vgg16-mini",
    world=ZHAO_WORLD,
    batchnorm=True,
    lr=0.05,
    classifier_dropout=0.5,
    weight_decay=5e-4,
)
PAPER_TRAIN_ACC = {"gen-A": 0.732, "gen-B": 0.730, "gen-C": 0.818, "gen-D": 0.828, "gen-E": 0.978}
"""Zhao et al. (2023), Table 1: the training accuracy of models A to E; each rung stops there."""
LADDER_SEEDS = (0, 1, 2)
"""The seeds of every rung of Zhao et al.'s ladder that the book publishes."""
RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        _BASE,
        dataclasses.replace(
            _BASE, name="batchnorm", batchnorm=True, description="baseline + BN after every conv"
        ),
        dataclasses.replace(
            _BASE,
            name="dropout-conv5",
            channel_dropout=(("conv5", 0.5),),
            description="baseline + channel dropout (p=0.5) on conv5",
        ),
        dataclasses.replace(
            _BASE,
            name="resnet18",
            arch="resnet18-mini",
            conv5_units=None,
            description="resnet18-mini, trained like the baseline (Zhou et al. 2018, Fig. 7)",
        ),
        *(
            dataclasses.replace(
                _BASE, name=f"width-{w}", conv5_units=w, description=f"the baseline, conv5 {w} wide"
            )
            for w in WIDTHS
        ),
        dataclasses.replace(
            _GEN,
            name="gen-A",
            train_per_class=320,
            epochs=30,
            augment=True,
            stop_train_acc=PAPER_TRAIN_ACC["gen-A"],
            description="the largest training set, augmentation, weight decay, dropout",
        ),
        dataclasses.replace(
            _GEN,
            name="gen-B",
            train_per_class=160,
            epochs=30,
            stop_train_acc=PAPER_TRAIN_ACC["gen-B"],
            description="half of A's images, no augmentation",
        ),
        dataclasses.replace(
            _GEN,
            name="gen-C",
            train_per_class=80,
            epochs=40,
            stop_train_acc=PAPER_TRAIN_ACC["gen-C"],
            classifier_dropout=0.2,
            weight_decay=1e-4,
            description="a quarter of A's images, light regularisation",
        ),
        dataclasses.replace(
            _GEN,
            name="gen-D",
            train_per_class=48,
            epochs=60,
            stop_train_acc=PAPER_TRAIN_ACC["gen-D"],
            classifier_dropout=0.0,
            weight_decay=0.0,
            description="48 images a class, no regularisation",
        ),
        dataclasses.replace(
            _GEN,
            name="gen-E",
            train_per_class=32,
            epochs=120,
            stop_train_acc=PAPER_TRAIN_ACC["gen-E"],
            classifier_dropout=0.0,
            weight_decay=0.0,
            description="32 images a class, no regularisation, trained furthest",
        ),
    )  # fmt: skip
}
GENERALIZATION_RECIPES = ("gen-A", "gen-B", "gen-C", "gen-D", "gen-E")


def recipe(name: str, **overrides) -> Recipe:
    """The named recipe, optionally with fields replaced (e.g. ``seed=3``)."""
    if name not in RECIPES:
        import difflib

        lower = {k.lower(): k for k in RECIPES}
        close = [lower[k] for k in difflib.get_close_matches(name.lower(), lower, n=3)]
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown recipe {name!r}; recipes are: {', '.join(RECIPES)}{hint}")
    return dataclasses.replace(RECIPES[name], **overrides)


# The models the book's pages use: (recipe, seed). Zhou et al.'s claims on one model are read over
# five seeds of every recipe a claim compares; the width sweep has two seeds a width; Zhao et
# al.'s ladder has three seeds a rung.
ZHOU_RECIPES = ("baseline", "batchnorm", "dropout-conv5", "resnet18")
BOOK_MODELS: tuple[tuple[str, int], ...] = (
    *((name, s) for name in ZHOU_RECIPES for s in range(5)),
    *((f"width-{w}", s) for w in WIDTHS for s in range(WIDTH_SEEDS)),
    *((name, s) for name in GENERALIZATION_RECIPES for s in LADDER_SEEDS),
)


def book_recipes(data_scale: float = 1.0, epoch_scale: float = 1.0) -> list[Recipe]:
    """The recipes of :data:`BOOK_MODELS`, scaled as a profile scales them."""
    return [recipe(name, seed=seed).scaled(data_scale, epoch_scale) for name, seed in BOOK_MODELS]


__all__ = [
    "BOOK_MODELS", "GENERALIZATION_RECIPES", "LADDER_SEEDS", "PAPER_TRAIN_ACC", "RECIPES",
    "WIDTHS", "WIDTH_SEEDS", "ZHAO_WORLD", "ZHOU_RECIPES", "ZHOU_WORLD", "Recipe", "book_recipes",
    "recipe",
]  # fmt: skip
