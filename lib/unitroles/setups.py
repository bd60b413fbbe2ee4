"""What a notebook ablates: a model and its evaluation images, for any profile.

``book`` / ``smoke``: a recipe trained (or loaded from the store) on the synthetic world, and the
world's validation split. ``paper``: a torchvision model with your checkpoint and a per-class
subset of your ImageFolder validation split (see :mod:`unitroles.paper`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from . import train
from .scenes import SceneDataset, SceneWorld


@dataclass
class Setup:
    """A model and its evaluation set: ``images`` are network inputs ``(n, 3, H, W)``."""

    model: nn.Module
    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    description: str
    accuracy: float  # top-1 on ``images``, a fraction
    raw_images: torch.Tensor | None = None  # uint8 images for display (synthetic world only)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def display_images(self, index) -> torch.Tensor:
        """``uint8 (k, 3, H, W)`` images to show: the rendered pixels when the world made them,
        else the network inputs with the ImageNet normalisation undone."""
        if self.raw_images is not None:
            return self.raw_images[index]
        from .data import IMAGENET_MEAN, IMAGENET_STD

        x = self.images[index].float()
        x = (
            x * torch.tensor(IMAGENET_STD)[:, None, None]
            + torch.tensor(IMAGENET_MEAN)[:, None, None]
        )
        return x.clamp(0, 1).mul(255).round().to(torch.uint8)


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
    """The model of ``recipe`` (book, smoke) or ``arch`` + ``checkpoint`` (paper) with its
    validation images."""
    if profile == "paper":
        from . import paper

        return paper.checkpoint_setup(
            checkpoint,
            val_root,
            arch=arch,
            per_class=eval_per_class,
            image_size=image_size,
            skip_unreadable=skip_unreadable,
        )
    if profile not in ("book", "smoke"):
        raise ValueError(f"unknown profile {profile!r}; profiles are smoke, book, paper")
    world = SceneWorld(size=image_size, seed=world_seed)
    rec = train.recipe(recipe, seed=seed).scaled(data_scale, epoch_scale)
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
):
    """The dissection set and its input transform: ``(BrodenDataset, transform)``.

    ``book`` / ``smoke``: ``per_class`` images a class of the world's ``dissect`` split, exported
    once in Broden's format into the store (keyed by the world and the code that draws it).
    ``paper``: the Broden folder at ``broden_root`` or ``$UNITROLES_BRODEN`` (e.g.
    ``broden1_224``), ImageNet normalisation.
    """
    from . import attributes, data, scenes
    from .store import Store, code_version, content_key

    if profile == "paper":
        root = data.require_path(
            broden_root, parameter="broden_root", env="UNITROLES_BRODEN", what="the Broden dataset"
        )
        return data.BrodenDataset(root), data.imagenet_normalize
    if profile not in ("book", "smoke"):
        raise ValueError(f"unknown profile {profile!r}; profiles are smoke, book, paper")
    world = SceneWorld(size=image_size, seed=world_seed)
    store = store or Store()
    key = content_key(world.fingerprint(), "dissect", per_class, code_version(scenes, data))

    def export(tmp):
        scenes.export_broden(world, tmp / "broden", split="dissect", n_per_class=per_class)
        (tmp / "broden" / attributes.FINGERPRINT).write_text(key + "\n")
        return {"per_class": per_class}

    folder = store.get_or_create("broden", "world", key, create=export, load=lambda p: p)
    return data.BrodenDataset(folder / "broden"), scenes.normalize
