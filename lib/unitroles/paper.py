"""The ``paper`` profile: the papers' torchvision models with your weights on your data.

Nothing here downloads anything. Checkpoints and ImageFolder roots are named by papermill
parameters or environment variables (see :func:`unitroles.data.require_path`); a missing one stops
the notebook with a message that names what to set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch
from torch import nn

from . import data, zoo
from .train import GENERALIZATION_RECIPES


def device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def checkpoint_models(
    checkpoint_dir: str | os.PathLike | None,
    *,
    names: tuple[str, ...] = GENERALIZATION_RECIPES,
    arch: str = "vgg16",
    num_classes: int = 1000,
) -> dict[str, nn.Module]:
    """Load ``<checkpoint_dir>/<name>.pth`` for each name into ``arch`` (eval mode)."""
    folder = data.require_path(
        checkpoint_dir, parameter="checkpoint_dir", env="UNITROLES_CHECKPOINTS",
        what="the folder of model checkpoints",
    )  # fmt: skip
    missing = [n for n in names if not (folder / f"{n}.pth").is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(f'{n}.pth' for n in missing)}; the paper profile expects "
            f"one checkpoint per model named {', '.join(f'{n}.pth' for n in names)}"
        )
    return {
        n: zoo.load_weights(zoo.build_model(arch, num_classes), folder / f"{n}.pth").eval()
        for n in names
    }


@torch.no_grad()
def accuracy(
    model: nn.Module, dataset, indices, *, batch_size: int = 128, workers: int = 4
) -> float:
    """Top-1 accuracy (fraction) of ``model`` on ``dataset[indices]`` (an ImageFolder)."""
    dev = device()
    model = model.to(dev).eval()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(dataset, list(map(int, indices))),
        batch_size=batch_size, num_workers=workers,
    )  # fmt: skip
    correct = total = 0
    for x, y in loader:
        correct += int((model(x.to(dev)).argmax(1).cpu() == y).sum())
        total += len(y)
    return correct / max(total, 1)


def generalization_table(
    checkpoint_dir: str | os.PathLike | None,
    train_root: str | os.PathLike | None,
    val_root: str | os.PathLike | None,
    *,
    per_class: int = 50,
    arch: str = "vgg16",
    image_size: int = 224,
    workers: int = 4,
) -> list[dict]:
    """Train / test accuracy and gap of the five checkpoints (rows like :func:`train.summary`)."""
    train_dir = data.require_path(
        train_root, parameter="train_root", env="UNITROLES_TRAIN_ROOT",
        what="the training split (ImageFolder)",
    )  # fmt: skip
    val_dir = data.require_path(
        val_root, parameter="val_root", env="UNITROLES_VAL_ROOT",
        what="the test split (ImageFolder)",
    )  # fmt: skip
    splits = {}
    for split, root in (("train", train_dir), ("test", val_dir)):
        ds = data.image_folder(Path(root), image_size=image_size)
        splits[split] = (ds, data.subset_per_class(ds.targets, per_class))
    num_classes = len(splits["train"][0].classes)
    rows = []
    for name, model in checkpoint_models(
        checkpoint_dir, arch=arch, num_classes=num_classes
    ).items():
        start = time.perf_counter()
        acc = {s: accuracy(model, ds, idx, workers=workers) for s, (ds, idx) in splits.items()}
        rows.append(
            {
                "model": name, "recipe": "checkpoint", "arch": arch, "seed": None,
                "train_acc": acc["train"], "val_acc": acc["test"], "test_acc": acc["test"],
                "gap": acc["train"] - acc["test"],
                "train_seconds": round(time.perf_counter() - start, 2),
            }
        )  # fmt: skip
    return rows


def checkpoint_setup(
    checkpoint: str | os.PathLike | None,
    val_root: str | os.PathLike | None,
    *,
    arch: str = "alexnet",
    per_class: int = 10,
    image_size: int = 224,
    workers: int = 4,
):
    """A :class:`unitroles.setups.Setup` from a checkpoint and an ImageFolder validation split.

    Loads ``per_class`` images of every class into memory (a seeded choice), so keep it small
    for the 365 classes of Places365 (10 a class is about 2 GB in float32 at 224 px).
    """
    from .setups import Setup

    path = data.require_path(
        checkpoint, parameter="checkpoint", env="UNITROLES_CHECKPOINT",
        what="the model checkpoint (.pth)",
    )  # fmt: skip
    val_dir = data.require_path(
        val_root, parameter="val_root", env="UNITROLES_VAL_ROOT",
        what="the validation split (ImageFolder)",
    )  # fmt: skip
    dataset = data.image_folder(val_dir, image_size=image_size)
    indices = data.subset_per_class(dataset.targets, per_class)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(dataset, list(map(int, indices))),
        batch_size=128, num_workers=workers,
    )  # fmt: skip
    xs, ys = zip(*loader)
    images, labels = torch.cat(xs), torch.cat(ys)
    model = zoo.load_weights(zoo.build_model(arch, len(dataset.classes)), path).eval()
    acc = accuracy(model, torch.utils.data.TensorDataset(images, labels), range(len(labels)),
                   workers=0)  # fmt: skip
    return Setup(
        model, images, labels, tuple(dataset.classes),
        f"{arch} from {path.name}, {len(labels)} validation images", acc,
    )  # fmt: skip
