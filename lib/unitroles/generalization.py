"""Zhao et al.'s (2023) five models of Table 1 and what their roles say about generalization.

:func:`generalization_roles` gives the taxonomy of the last conv layer of each model ``A`` .. ``E``:
on the book profile the vgg16-mini ``gen-A`` .. ``gen-E`` recipes of :mod:`unitroles.recipes`, on
the paper profile VGG16 checkpoints on ImageFolder splits. The functions after it read the roles
across models (how far train and test curves diverge, how well the per-class proportions tell the
models apart).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from . import engine as engine_module
from . import zoo
from .rof import check_rank_by, chunks, make_engine
from .roles import RoleTest, Taxonomy, cached_taxonomy, code_key

# --------------------------------------------------------------------------------------------------
# The five models of Zhao et al. Table 1

ROF_TEST_PER_CLASS = 300
"""Test images a class behind each model's test ROF curves on the book profile (the world draws
them for free; the paper profile takes ``per_class`` from its val root)."""


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
    seed: int = 0  # the recipe's seed (the paper profile: 0, its one checkpoint a model)

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
    seed: int = 0,
) -> dict[str, ModelRoles]:
    """The taxonomy of ``layer`` in each of the five models of Zhao et al. Table 1, all classes.

    ``book`` / ``smoke``: the ``gen-A`` .. ``gen-E`` vgg16-mini models of :mod:`unitroles.train`
    of ``seed`` (published, cached or trained now; the book publishes seeds
    :data:`unitroles.recipes.LADDER_SEEDS`). The train curve runs on the very images each model was
    trained on (``train_per_class`` of the world's ``train`` split, clean: no augmentation), the
    test curve on the world's ``test`` split (:data:`ROF_TEST_PER_CLASS` images a class, times
    ``data_scale``: more than the models' own evaluation, so that a class's role proportions are
    not drowned in the noise of a few images). ``paper``: VGG16
    checkpoints ``gen-A.pth`` .. ``gen-E.pth`` in ``checkpoint_dir``, ``per_class`` images a class
    of the ImageFolder ``train_root`` (train curve) and ``val_root`` (test curve); both must hold
    the same class folders, and an image that does not decode stops the run with its path unless
    ``skip_unreadable`` (then it is left out, with a warning that counts such images); ``seed`` is
    ignored (one checkpoint a model).
    """
    check_rank_by(rank_by)
    if profile == "paper":
        return _paper_roles(
            checkpoint_dir, train_root, val_root, layer=layer, rank_by=rank_by,
            per_class=per_class, image_size=image_size, arch=arch, store=store, device=device,
            workers=workers, skip_unreadable=skip_unreadable,
        )  # fmt: skip
    if profile not in ("book", "smoke"):
        raise ValueError(f"unknown profile {profile!r}; profiles are smoke, book, paper")
    from . import concepts, scenes, train
    from .scenes import SceneWorld, normalize
    from .store import code_version, content_key

    recipes = {
        n: train.recipe(n, seed=seed).scaled(data_scale, epoch_scale)
        for n in train.GENERALIZATION_RECIPES
    }
    world = train.world_of(recipes["gen-A"], SceneWorld(size=image_size, seed=world_seed))
    scenes_code = code_version(concepts, scenes)
    test_per_class = max(2, round(ROF_TEST_PER_CLASS * data_scale))
    most = {
        "train": max(r.train_per_class for r in recipes.values()),
        "test": test_per_class,
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
        splits = (("train", rec.train_per_class), ("test", test_per_class))
        data_key = content_key(world.fingerprint(), [list(s) for s in splits], scenes_code)

        def load(splits=splits):
            return tuple(t for split, n in splits for t in split_images(split, n))

        tax = cached_taxonomy(
            trained.model, layer, load, world.num_classes, data_key=data_key, rank_by=rank_by,
            class_names=world.class_names, store=store, name=f"{recipe_name}-seed{seed}",
            device=device,
        )  # fmt: skip
        name = recipe_name.replace("gen-", "model ")
        out[name] = ModelRoles(
            name, recipe_name, tax,
            f"vgg16-mini `{recipe_name}` (seed {seed}): {rec.train_per_class} training images a "
            f"class ({rec.description}); test curve on {test_per_class} test images a class",
            seed,
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

    roots = paper.split_roots(train_root, val_root)
    train_dir, val_dir = roots["train"], roots["test"]
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
    """Run the ROF test of the models in ``todo`` class by class and publish each taxonomy.

    Before the long run, its plan: the images and curve points of every model, then (after the
    first class, which times it on this device) the estimated time; a bar over the classes shows
    the time left."""
    import time

    from tqdm.auto import tqdm

    from . import cost, data

    classes = len(class_names)
    tests = {
        n: RoleTest(make_engine(models[n], layer, device, "auto"), classes, rank_by, "auto")
        for n in todo
    }
    if not todo:
        return
    n = {split: len(picked[split]) for split in datasets}
    print(
        f"planned: the ROF test of {len(todo)} model(s) ({', '.join(todo)}) on "
        f"{n['train']:,} training and {n['test']:,} test images, {classes} classes, loaded class "
        f"by class; every image gets a curve of N + 1 points ({layer}'s N units switched on one "
        f"by one in its class's rank order): {len(todo) * (n['train'] + n['test']):,} image "
        "curves in all",
        flush=True,
    )
    bar = tqdm(range(classes), desc=f"ROF test {layer}", unit="class")
    start = time.perf_counter()
    for k in bar:
        images = {}
        for split, ds in datasets.items():
            idx = [int(i) for i in picked[split] if ds.targets[i] == k]
            if not idx:
                raise ValueError(f"class {class_names[k]!r} has no images in the {split} root")
            x, _, _ = data.load_images(
                ds, idx, batch_size=64, workers=workers, skip_unreadable=skip_unreadable
            )
            x = x.to(device)
            images[split] = list(chunks(x, torch.full((len(x),), k), 64))
        for test in tests.values():
            test.add(images["train"], images["test"])
        if k == 0:
            first = time.perf_counter() - start
            units = len(next(iter(tests.values())).order[0])
            bar.write(
                f"{units} units: {len(todo) * (n['train'] + n['test']) * (units + 1):,} curve "
                f"points; estimated {cost.duration(first * classes)} on {device} (timed on the "
                f"first of {classes} classes, image loading included)"
            )
    bar.close()
    for name in todo:
        tax = tests[name].taxonomy(class_names, layer)
        with store.writing("rof", f"paper-{name}-{layer}", keys[name], {"model": name}) as tmp:
            np.savez(tmp / "arrays.npz", **tax.arrays())


def curve_divergence(tax: Taxonomy) -> np.ndarray:
    """``(K,)`` mean over ``n = 0..N`` of ``|E_train(n) - E_test(n)|`` (nats): how far a class's
    train and test ROF curves lie apart."""
    return np.abs(tax.train.loss - tax.test.loss).mean(1)


def shape_divergence(tax: Taxonomy) -> np.ndarray:
    """``(K,)`` :func:`curve_divergence` after shifting each curve to end at 0 (``E(n) - E(N)``):
    how differently the two curves *fall and rise*, with the intact model's train–test loss gap
    (the curves' offset at ``n = N``) taken out."""
    train = tax.train.loss - tax.train.loss[:, -1:]
    test = tax.test.loss - tax.test.loss[:, -1:]
    return np.abs(train - test).mean(1)


def divergence_points(models: dict[str, ModelRoles]) -> pd.DataFrame:
    """One row per (model, class): the model's rank (0 = model A), the class's intact train–test
    loss gap ``E_test(N) - E_train(N)`` (nats), :func:`curve_divergence` and
    :func:`shape_divergence`."""
    frames = []
    for rank, (name, m) in enumerate(models.items()):
        tax = m.taxonomy
        frames.append(
            pd.DataFrame(
                {
                    "model": name, "rank": rank, "class": list(tax.class_names),
                    "loss_gap": tax.test.loss[:, -1] - tax.train.loss[:, -1],
                    "divergence": curve_divergence(tax), "shape_divergence": shape_divergence(tax),
                }
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def partial_spearman(x, y, z) -> float:
    """Spearman correlation of ``x`` and ``y`` with ``z`` held fixed: the Pearson correlation of
    the residuals of ``rank(x)`` and ``rank(y)`` after a least-squares line on ``rank(z)``. Near 0
    means what ``x`` and ``y`` share runs through ``z``."""
    ranks = [pd.Series(np.asarray(v, float)).rank().to_numpy() for v in (x, y, z)]
    design = np.column_stack([np.ones_like(ranks[2]), ranks[2]])
    residuals = [r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in ranks[:2]]
    denom = np.sqrt((residuals[0] ** 2).sum() * (residuals[1] ** 2).sum())
    return float((residuals[0] * residuals[1]).sum() / denom) if denom > 0 else 0.0


@dataclass
class Trend:
    """How the mean role proportions move from model A to model E (Table 2; claim R5).

    ``means``: models x :data:`~unitroles.roles.ROLES`, the mean proportion over classes
    (fractions). ``rho_over`` / ``rho_conf``: Spearman correlation of the overfitted / confusing
    mean with the model order (rounded to 6 digits: one adjacent swap of five is 0.9 exactly).
    ``gen_max``: the largest mean generalizing proportion; ``core_band``: max - min of the core
    means (fractions). ``tolerance``: of the turning points behind them.
    """

    means: pd.DataFrame
    rho_over: float
    rho_conf: float
    gen_max: float
    core_band: float
    tolerance: float = 0.0

    def checks(self) -> dict[str, bool]:
        """R5's four statements, keyed by short names: ``over_rises`` (ρ ≥ 0.9), ``conf_falls``
        (ρ ≤ -0.9), ``gen_rare`` (every mean < 5%), ``core_band`` (within 15 pts)."""
        return {
            "over_rises": self.rho_over >= 0.9,
            "conf_falls": self.rho_conf <= -0.9,
            "gen_rare": self.gen_max < 0.05,
            "core_band": self.core_band <= 0.15,
        }


def role_trend(models: dict[str, ModelRoles], tolerance: float = 0.0) -> Trend:
    """The :class:`Trend` of the models' roles with turning points taken at ``tolerance``."""
    from .roles import ROLES

    means = pd.DataFrame(
        {
            name: m.taxonomy.with_tolerance(tolerance).proportions().mean()
            for name, m in models.items()
        }
    ).T[list(ROLES)]
    order = pd.Series(np.arange(len(means)), index=means.index)
    rho = {
        r: round(float(order.corr(means[r], method="spearman")), 6)
        for r in ("overfitted", "confusing")
    }
    return Trend(
        means, rho["overfitted"], rho["confusing"], float(means["generalizing"].max()),
        float(means["core"].max() - means["core"].min()), tolerance,
    )  # fmt: skip


TOLERANCES = (0.0, 0.001, 0.01)
"""Turning-point tolerances (fractions of a curve's fall) the book reads R5 at: the paper's argmin
and two small ones that move ``n0`` off a flat floor."""


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
