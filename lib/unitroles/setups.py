"""What a notebook ablates: a model and its evaluation images, for any profile.

``book`` / ``smoke``: a recipe trained (or loaded from the store) on the synthetic world, and the
world's validation split. ``paper``: a torchvision model with your checkpoint and a per-class
subset of your ImageFolder validation split (see :mod:`unitroles.paper`). Both are a
:class:`unitroles.evaluation.Setup`.
"""

from __future__ import annotations

from . import paper, train
from .evaluation import Setup
from .recipes import ZHOU_WORLD
from .scenes import SceneDataset, SceneWorld

__all__ = ["dissection_data", "model_setup"]


def model_setup(
    profile: str,
    *,
    recipe: str = "baseline",
    seed: int = 0,
    data_scale: float = 1.0,
    epoch_scale: float = 1.0,
    world_seed: int = 0,
    image_size: int = 48,
    arch: str = "alexnet",
    checkpoint: str | None = None,
    val_root: str | None = None,
    eval_per_class: int = 10,
    skip_unreadable: bool = False,
) -> Setup:
    """The model of ``recipe`` (book, smoke) or ``arch`` + ``checkpoint`` (paper: built as
    ``recipe`` prescribes, e.g. batch norm; see :func:`unitroles.paper.checkpoint_setup`) with its
    validation images."""
    if profile == "paper":
        return paper.checkpoint_setup(
            checkpoint,
            val_root,
            arch=arch,
            recipe=recipe,
            per_class=eval_per_class,
            image_size=image_size,
            skip_unreadable=skip_unreadable,
        )
    if profile not in ("book", "smoke"):
        raise ValueError(f"unknown profile {profile!r}; profiles are smoke, book, paper")
    rec = train.recipe(recipe, seed=seed).scaled(data_scale, epoch_scale)
    world = train.world_of(rec, SceneWorld(size=image_size, seed=world_seed))
    trained = train.train(rec, world)
    val = SceneDataset(world, "val", rec.eval_per_class)
    images, labels = val.tensors()
    return Setup(
        trained.model,
        images,
        labels,
        world.class_names,
        f"{rec.arch} `{rec.name}` (seed {rec.seed}) on the synthetic world, "
        f"{len(labels)} validation images",
        trained.val_acc,
        val.images,
    )


def dissection_data(
    profile: str,
    *,
    world_seed: int = 0,
    image_size: int = 48,
    per_class: int = 50,
    broden_root: str | None = None,
    store=None,
    catalogue: str = ZHOU_WORLD,
):
    """The dissection set and its input transform: ``(BrodenDataset, transform)``.

    ``book`` / ``smoke``: ``per_class`` images a class of the ``dissect`` split of the world of
    ``catalogue`` (Zhou et al.'s pages' scenes by default), exported
    once in Broden's format into the store (keyed by the world and the code that draws it).
    ``paper``: the Broden folder at ``broden_root`` or ``$UNITROLES_BRODEN`` (e.g.
    ``broden1_224``), ImageNet normalisation.
    """
    from . import broden, broden_export, concepts, dissection, scenes
    from .store import Store, code_version, content_key

    if profile == "paper":
        return paper.broden_data(broden_root)
    if profile not in ("book", "smoke"):
        raise ValueError(f"unknown profile {profile!r}; profiles are smoke, book, paper")
    world = SceneWorld(size=image_size, seed=world_seed, catalogue=catalogue)
    store = store or Store()
    code = code_version(concepts, scenes, broden_export)  # what draws and writes the images
    key = content_key(world.fingerprint(), "dissect", per_class, code)

    def export(tmp):
        broden_export.write_broden_folder(
            world, tmp / "broden", split="dissect", n_per_class=per_class
        )
        (tmp / "broden" / dissection.FINGERPRINT).write_text(key + "\n")
        return {"per_class": per_class}

    folder = store.get_or_create("broden", "world", key, create=export, load=lambda p: p)
    return broden.BrodenDataset(folder / "broden"), scenes.normalize
