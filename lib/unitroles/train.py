"""Deterministic training of the recipes of :mod:`unitroles.recipes` on the synthetic world, cached.

:func:`train` returns a :class:`Trained` model, training it only when the store holds no entry for
``(recipe, world, code version)``; a second call loads it. The recipes (names, fields, the models
the book uses) live in :mod:`unitroles.recipes` and are re-exported here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import __version__, scenes, zoo
from .recipes import BOOK_MODELS, GENERALIZATION_RECIPES, RECIPES, Recipe, book_recipes, recipe
from .scenes import SceneWorld, normalize
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


def cache_key(rec: Recipe, world: SceneWorld) -> str:
    """What a trained model depends on: the recipe, the world and this code."""
    fields = dataclasses.asdict(rec)
    fields.pop("description")
    return content_key(fields, world.fingerprint(), code_version(scenes, zoo, _this_module()))


def _this_module():
    import sys

    return sys.modules[__name__]


def build(rec: Recipe, num_classes: int) -> nn.Module:
    """The untrained model for ``rec`` (seeded by ``rec.seed``)."""
    torch.manual_seed(rec.seed)
    return zoo.build_model(
        rec.arch,
        num_classes,
        batchnorm=rec.batchnorm,
        channel_dropout=dict(rec.channel_dropout) or None,
        classifier_dropout=rec.classifier_dropout,
    )


def train(
    rec: Recipe | str,
    world: SceneWorld | None = None,
    *,
    store: Store | None = None,
    progress: bool = True,
) -> Trained:
    """Train ``rec`` on ``world`` or load it from the store if it was trained before.

    Returns a :class:`Trained` in eval mode. ``meta`` records train / val / test accuracy (on clean,
    un-augmented images), the training time on this machine, the per-epoch loss, the versions and
    ``weights_digest`` (:func:`weights_digest`), by which a reader compares their model with ours.

    Training always runs on :data:`TRAIN_THREADS` torch thread(s), whatever the caller's setting:
    a CPU kernel's summation order, and so the trained weights, depend on its thread count. To use
    several cores, train several models at once in separate processes (:func:`train_many`).
    """
    rec = recipe(rec) if isinstance(rec, str) else rec
    world = world or SceneWorld()
    store = store or Store()
    key = cache_key(rec, world)
    # Under the entry's lock: a second process asking for the same model waits for the first
    # to publish it, then loads it, instead of training it again.
    with store.lock("models", rec.name, key):
        if not store.has("models", rec.name, key):
            _train_and_publish(rec, world, store, key, progress=progress)
        model = build(rec, world.num_classes)
        path = store.path("models", rec.name, key)
        model.load_state_dict(
            torch.load(path / "weights.pt", map_location="cpu", weights_only=True)
        )
        return Trained(model.eval(), rec, world, store.load_meta("models", rec.name, key))


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
    with _threads(TRAIN_THREADS):
        history = _fit(model, rec, *data["train"], progress=progress)
    seconds = time.perf_counter() - start
    meta = {
        "recipe": dataclasses.asdict(rec),
        "world": world.fingerprint(),
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
            "threads": TRAIN_THREADS,
            "cpu": platform.processor() or platform.machine(),
        },
    }
    with store.writing("models", rec.name, key, meta) as tmp:
        torch.save(model.state_dict(), tmp / "weights.pt")


def _fit(
    model: nn.Module, rec: Recipe, images: torch.Tensor, labels: torch.Tensor, *, progress: bool
) -> list[float]:
    """SGD (Nesterov momentum 0.9), warm-up then cosine learning rate; mean loss per epoch.

    With ``rec.stop_train_acc`` set, training stops at the end of the first epoch whose clean
    (un-augmented, eval-mode) training accuracy reaches it; the schedule is still laid out over
    ``rec.epochs``, so the rule decides when to stop, not how fast to learn.
    """
    gen = torch.Generator().manual_seed(rec.seed)
    steps_per_epoch = math.ceil(len(labels) / rec.batch_size)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=rec.lr, momentum=0.9, nesterov=True, weight_decay=rec.weight_decay
    )
    total_steps = rec.epochs * steps_per_epoch
    warmup = max(1, total_steps // 5)

    def lr_factor(step: int) -> float:  # linear warm-up over 20% of the steps, then cosine to 0
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total_steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=rec.epochs, desc=f"train {rec.name} (seed {rec.seed})", unit="epoch")
    history = []
    model.train()
    with _flush_denormals():
        for _ in range(rec.epochs):
            order = torch.randperm(len(labels), generator=gen)
            total, count = 0.0, 0
            for start in range(0, len(labels), rec.batch_size):
                idx = order[start : start + rec.batch_size]
                x = normalize(images[idx])
                if rec.augment:
                    x = _augment(x, gen)
                loss = F.cross_entropy(model(x), labels[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
                total += loss.item() * len(idx)
                count += len(idx)
            history.append(round(total / count, 5))
            if bar is not None:
                bar.set_postfix(loss=f"{history[-1]:.3f}")
                bar.update()
            if (
                rec.stop_train_acc is not None
                and accuracy(model, images, labels) >= rec.stop_train_acc
            ):
                break  # the stopping rule: clean training accuracy has reached the target
            model.train()
    if bar is not None:
        bar.close()
    model.eval()
    return history


TRAIN_THREADS = 1
"""Torch threads used to train every model (see :func:`train`)."""


@contextlib.contextmanager
def _threads(n: int):
    """Run the body on ``n`` torch intra-op threads, then restore the caller's setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def weights_digest(model: nn.Module) -> str:
    """SHA-256 (first 16 hex digits) of the state dict: each tensor's name, dtype, shape and bytes.

    Two models have the same digest exactly when their weights and buffers are bit-identical.
    """
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{t.dtype}:{tuple(t.shape)}:".encode())
        digest.update(t.numpy().tobytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _flush_denormals():
    """Memorising recipes drive gradients into denormal floats, which are very slow on CPUs."""
    flushed = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if flushed:
            torch.set_flush_denormal(False)


def _augment(x: torch.Tensor, gen: torch.Generator, shift: int = 4) -> torch.Tensor:
    """Random horizontal flip and random translation by up to ``shift`` px (edge padding)."""
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None].expand(n, x.shape[1], h, w + 2 * shift)
    padded = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :].expand(n, x.shape[1], h, w)
    return padded.gather(3, cols)


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Predicted classes ``(images,)`` for ``uint8 (images, 3, H, W)`` scene images."""
    model.eval()
    return torch.cat(
        [
            model(normalize(images[s : s + batch_size])).argmax(1)
            for s in range(0, len(images), batch_size)
        ]
    )


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy (fraction in [0, 1])."""
    return round(float((predict(model, images) == labels).float().mean()), 5)


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

    Each process trains on :data:`TRAIN_THREADS` thread(s), so the weights do not depend on
    ``jobs``: it only sets how many models train at once. The slowest recipes start first.
    """
    store = store or Store()
    todo = [r for r in recipes if not store.has("models", r.name, cache_key(r, world))]
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
        from .distributed import main as paper_main  # full-size models, DDP under torchrun

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
        import yaml

        with open(args.profile) as f:
            prof = yaml.safe_load(f)
        if prof.get("profile") == "paper":
            print("the paper profile trains nothing here (its models are checkpoints)")
            return
        world = SceneWorld(size=prof.get("image_size", 48), seed=prof.get("world_seed", 0))
        recs = book_recipes(prof.get("data_scale", 1.0), prof.get("epoch_scale", 1.0))
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
    "cache_key",
    "predict",
    "TRAIN_THREADS",
    "book_recipes",
    "recipe",
    "summary",
    "train",
    "train_many",
    "weights_digest",
]


if __name__ == "__main__":
    main()
