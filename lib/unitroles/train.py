"""The book's models: published weights, or deterministic training into the cache.

:func:`train` returns a :class:`Trained` model for a recipe of :mod:`unitroles.recipes` on a world.
It looks in this order: the published set shipped with the repository (:mod:`unitroles.published`,
digest-checked), then the cache (:class:`unitroles.store.Store`), and only then trains, saying so
first with an estimate of the time. What determines the weights, and so the cache key
(:func:`cache_key`), is the recipe, the world and the code of :mod:`unitroles.scenes`,
:mod:`unitroles.zoo` and :mod:`unitroles.fit` (:func:`code_key`); this module only finds, caches
and reports models, so editing it keeps every key.
"""

from __future__ import annotations

import dataclasses
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from . import __version__, concepts, fit, published, scenes, timing, zoo
from .fit import accuracy, build, predict, weights_digest
from .recipes import BOOK_MODELS, GENERALIZATION_RECIPES, RECIPES, Recipe, book_recipes, recipe
from .scenes import SceneWorld
from .store import Store, code_version, content_key


@dataclass
class Trained:
    """A trained model with its recipe and measured accuracies (fractions in [0, 1])."""

    model: nn.Module
    recipe: Recipe
    world: SceneWorld
    meta: dict

    @property
    def train_acc(self) -> float:
        return self.meta["train_acc"]

    @property
    def val_acc(self) -> float:
        return self.meta["val_acc"]

    @property
    def test_acc(self) -> float:
        return self.meta["test_acc"]

    @property
    def train_seconds(self) -> float:
        return self.meta["train_seconds"]


KEYED_MODULES = (concepts, scenes, zoo, fit)
"""The modules whose code determines a trained model's weights (see :func:`code_key`)."""


def code_key() -> str:
    """The version of the code that determines weights: :data:`KEYED_MODULES`, docstrings and
    comments aside (:func:`unitroles.store.code_version`)."""
    return code_version(*KEYED_MODULES)


def recipe_fields(rec: Recipe) -> dict:
    """The recipe's fields that determine its weights (all but the description)."""
    fields = dataclasses.asdict(rec)
    fields.pop("description")
    return fields


def world_of(rec: Recipe, world: SceneWorld | None = None) -> SceneWorld:
    """The world ``rec`` trains on: ``world``'s size, seed and rendering (default
    :class:`SceneWorld`'s) with the scenes of the recipe's catalogue (:attr:`Recipe.world`)."""
    return (world or SceneWorld()).with_catalogue(rec.world)


def cache_key(rec: Recipe, world: SceneWorld) -> str:
    """What a trained model depends on: the recipe, the world and the training code."""
    return content_key(recipe_fields(rec), world_of(rec, world).fingerprint(), code_key())


def available(rec: Recipe, world: SceneWorld, store: Store | None = None) -> bool:
    """Whether :func:`train` would load ``rec`` (published or cached) rather than train it."""
    key = cache_key(rec, world)
    return published.find(key) is not None or (store or Store()).has("models", rec.name, key)


def train(
    rec: Recipe | str,
    world: SceneWorld | None = None,
    *,
    store: Store | None = None,
    progress: bool = True,
) -> Trained:
    """The model of ``rec`` on ``world``: published, else cached, else trained now and cached.

    ``world`` gives the size, seed and rendering; the scenes are the recipe's catalogue
    (:func:`world_of`).

    Returns a :class:`Trained` in eval mode. ``meta`` records train / val / test accuracy (on clean,
    un-augmented images), the training time, the per-epoch loss, the versions and machine, and
    ``weights_digest`` (:func:`unitroles.fit.weights_digest`), by which a reader compares their
    model with ours. A published file is refused (:class:`unitroles.published.PublishedModelError`)
    unless its SHA-256 is the manifest's.

    Training always runs on :data:`unitroles.fit.TRAIN_THREADS` torch thread(s), whatever the
    caller's setting: a CPU kernel's summation order, and so the trained weights, depend on its
    thread count. To use several cores, train several models at once in separate processes
    (:func:`train_many`).
    """
    rec = recipe(rec) if isinstance(rec, str) else rec
    world = world_of(rec, world)
    store = store or Store()
    key = cache_key(rec, world)
    entry = published.find(key)
    if entry is not None:
        model = published.load(entry, build(rec, world.num_classes))
        meta = entry.meta | {"source": "published", "versions": _versions(entry.meta)}
        return Trained(model.eval(), rec, world, meta)
    # Under the entry's lock: a second process asking for the same model waits for the first
    # to publish it, then loads it, instead of training it again.
    with store.lock("models", rec.name, key):
        if not store.has("models", rec.name, key):
            print(announce(rec, store), file=sys.stderr, flush=True)
            _train_and_publish(rec, world, store, key, progress=progress)
        model = build(rec, world.num_classes)
        path = store.path("models", rec.name, key)
        model.load_state_dict(
            torch.load(path / "weights.pt", map_location="cpu", weights_only=True)
        )
        meta = store.load_meta("models", rec.name, key) | {"source": "cache"}
        return Trained(model.eval(), rec, world, meta)


def _versions(entry: dict) -> dict:
    """A published entry's machine fields in the shape a cached model's meta has them."""
    return {k: entry[k] for k in ("torch", "threads", "cpu") if k in entry}


def estimate_seconds(rec: Recipe) -> tuple[float, str]:
    """An estimate of ``rec``'s training time, and what it rests on: the published model of the
    same recipe (scaled by images x epochs) on the machine that published it, else a rough rate."""
    work = rec.train_per_class * rec.epochs
    data = published.manifest() if published.folder() is not None else None
    for meta in (data or {}).get("models", []):
        if meta["recipe"]["name"] == rec.name:
            epochs = meta.get("epochs_run", meta["recipe"]["epochs"])
            done = meta["recipe"]["train_per_class"] * epochs
            seconds = meta["train_seconds"] * work / max(done, 1)
            return seconds, f"as the published {rec.name} took on its machine, {meta['cpu']}"
    rough = 2e-3 * _ARCH_COST.get(rec.arch, 1.0) * work * 24  # s per image-epoch on a slow core
    return rough, "a rough guess for a slow CPU core"


def announce(rec: Recipe, store: Store | None = None) -> str:
    """The line printed before a model trains: which one, why, and about how long it takes."""
    seconds, basis = estimate_seconds(rec)
    why = (
        "UNITROLES_MODELS=retrained"
        if published.mode() == "retrained"
        else "no published or cached model has its key (recipe, world and training code)"
    )
    return (
        f"training {rec.name} (seed {rec.seed}): {why}; about {seconds / 60:.1f} min on one "
        f"thread ({basis}). Models are cached in {(store or Store()).root / 'models'}; "
        f"{published.describe()}."
    )


def _train_and_publish(rec: Recipe, world: SceneWorld, store: Store, key: str, *, progress: bool):
    """Train ``rec`` and publish its weights and meta as the store's entry ``key``."""
    model = build(rec, world.num_classes)
    data = {
        split: world.render_split(split, n)[:2]
        for split, n in (
            ("train", rec.train_per_class),
            ("val", rec.eval_per_class),
            ("test", rec.eval_per_class),
        )
    }
    start = time.perf_counter()
    with fit.threads(fit.TRAIN_THREADS):
        history = fit.fit(model, rec, *data["train"], progress=progress)
    seconds = time.perf_counter() - start
    meta = {
        "recipe": dataclasses.asdict(rec),
        "world": world.fingerprint(),
        "code_key": code_key(),
        "key": key,
        "train_seconds": round(seconds, 2),
        "loss_per_epoch": history,
        "epochs_run": len(history),
        **{f"{split}_acc": accuracy(model, *data[split]) for split in data},
        "weights_digest": weights_digest(model),
        "versions": {
            "unitroles": __version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "threads": fit.TRAIN_THREADS,
            "cpu": timing.cpu_name(),
        },
    }
    with store.writing("models", rec.name, key, meta) as tmp:
        torch.save(model.state_dict(), tmp / "weights.pt")


def summary(trained: dict[str, Trained]) -> list[dict]:
    """One row per model: recipe, accuracies (fractions), gap and training time."""
    return [
        {
            "model": name,
            "recipe": t.recipe.name,
            "arch": t.recipe.arch,
            "seed": t.recipe.seed,
            "train_acc": t.train_acc,
            "val_acc": t.val_acc,
            "test_acc": t.test_acc,
            "gap": round(t.train_acc - t.test_acc, 5),
            "train_seconds": t.train_seconds,
        }
        for name, t in trained.items()
    ]


def _train_one(args: tuple[Recipe, SceneWorld, str | None]) -> dict:
    rec, world, root = args
    t = train(rec, world, store=Store(root) if root else None, progress=False)
    return {"name": rec.name, "seed": rec.seed, **{k: t.meta[k] for k in ("key", "train_seconds")}}


def train_many(
    recipes: Sequence[Recipe],
    world: SceneWorld,
    *,
    jobs: int = 1,
    store: Store | None = None,
    progress: bool = True,
) -> dict[tuple[str, int], Trained]:
    """Train (or load) every recipe, ``jobs`` at a time in separate processes; return them all.

    Each process trains on :data:`unitroles.fit.TRAIN_THREADS` thread(s), so the weights do not
    depend on ``jobs``: it only sets how many models train at once. The slowest recipes start
    first. Published models (:mod:`unitroles.published`) are loaded, never trained.
    """
    store = store or Store()
    todo = [r for r in recipes if not available(r, world, store)]
    todo.sort(key=lambda r: -r.epochs * r.train_per_class * _ARCH_COST.get(r.arch, 1.0))
    if todo and jobs > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from tqdm.auto import tqdm

        with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=mp.get_context("spawn")) as pool:
            futures = [pool.submit(_train_one, (r, world, str(store.root))) for r in todo]
            done = as_completed(futures)
            if progress:
                done = tqdm(
                    done, total=len(futures), desc=f"train {len(todo)} models", unit="model"
                )
            for future in done:
                future.result()  # re-raises a worker's error
    return {(r.name, r.seed): train(r, world, store=store, progress=progress) for r in recipes}


# Rough training cost of one image-epoch relative to alexnet-mini (for the order of train_many).
_ARCH_COST = {"alexnet-mini": 1.0, "vgg16-mini": 1.6, "resnet18-mini": 2.0}


def profile_models(path) -> tuple[SceneWorld, list[Recipe]] | None:
    """The world and the recipes of every model a profile's pages use (``None`` for the paper
    profile, whose models are checkpoints)."""
    from .params import load_profile

    prof = load_profile(path)  # YAML that does not read: an error naming the file and line
    if prof.get("profile") == "paper":
        return None
    world = SceneWorld(size=prof.get("image_size", 48), seed=prof.get("world_seed", 0))
    return world, book_recipes(prof.get("data_scale", 1.0), prof.get("epoch_scale", 1.0))


def main(argv: list[str] | None = None) -> None:
    """``python -m unitroles.train [recipe ...] [--seeds N] [--profile YML] [--jobs N]``.

    Trains (or loads) the named recipes, or with ``--profile`` every model the book's pages use at
    that profile's scale, and prints a table with each model's accuracies and weights digest.
    """
    import argparse
    import sys

    import pandas as pd

    args_in = sys.argv[1:] if argv is None else list(argv)
    if any(a == "--paper" or a.startswith("--paper=") for a in args_in):
        from .paper_training import main as paper_main  # full-size models, DDP under torchrun

        return paper_main(args_in)
    parser = argparse.ArgumentParser(description="Train the book's recipes (cached) and report.")
    parser.add_argument("recipes", nargs="*", help="recipe names (default: all)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 of each named recipe")
    parser.add_argument("--size", type=int, default=48, help="image size of the world")
    parser.add_argument(
        "--profile", help="a profile .yml: train every model of BOOK_MODELS at its scale"
    )
    parser.add_argument("--jobs", type=int, default=1, help="models trained at once (processes)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.profile:
        found = profile_models(args.profile)
        if found is None:
            print("the paper profile trains nothing here (its models are checkpoints)")
            return
        world, recs = found
    else:
        world = SceneWorld(size=args.size)
        names = args.recipes or list(RECIPES)
        recs = [recipe(n, seed=s) for n in names for s in range(args.seeds)]
    runs = train_many(recs, world, jobs=args.jobs)
    rows = pd.DataFrame(summary({f"{n}/{s}": t for (n, s), t in runs.items()}))
    rows["digest"] = [t.meta.get("weights_digest", "") for t in runs.values()]
    print(rows.set_index("model").to_string())


__all__ = [
    "BOOK_MODELS",
    "GENERALIZATION_RECIPES",
    "RECIPES",
    "Recipe",
    "Trained",
    "accuracy",
    "build",
    "available",
    "world_of",
    "cache_key",
    "code_key",
    "predict",
    "profile_models",
    "book_recipes",
    "recipe",
    "summary",
    "train",
    "train_many",
    "weights_digest",
]


if __name__ == "__main__":
    main()
