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

from . import broden, checkpoints, data, evaluation, zoo
from .recipes import GENERALIZATION_RECIPES


def device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# --------------------------------------------------------------------------------------------------
# Which network a checkpoint holds

# How the book's recipe names translate to the full-size models of the papers: the options of
# zoo.build_model that change a state dict's keys (batch norm layers, a channel-dropout module
# after conv5), so that a checkpoint trained with them loads.
RECIPE_BUILD: dict[str, dict] = {
    "baseline": {},
    "batchnorm": {"batchnorm": True},
    "dropout-conv5": {"channel_dropout": {"conv5": 0.5}},
    "resnet18": {"arch": "resnet18"},
}

BUILD_KEY = (
    "unitroles"  # checkpoints written by unitroles.paper_training describe their network here
)


def recorded_build(path: str | os.PathLike) -> dict | None:
    """The build options (``arch``, ``batchnorm``, ``channel_dropout``) that a checkpoint written
    by ``python -m unitroles.train --paper`` records under ``"unitroles"``; None for any other
    file (a plain state dict, a Places365 CSAIL checkpoint), or one that does not read (then
    :func:`unitroles.checkpoints.load_weights` reports why)."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # legacy (non-zip) files do not memory-map; load_weights reports damage
        return None
    info = obj.get(BUILD_KEY) if isinstance(obj, dict) else None
    if not isinstance(info, dict):
        return None
    return {k: info[k] for k in ("arch", "batchnorm", "channel_dropout") if k in info}


def recorded_classes(path: str | os.PathLike) -> list[str] | None:
    """The class names a checkpoint written by ``python -m unitroles.train --paper`` records (its
    training split's class folders, in label order); None for any other file."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # as in recorded_build: load_weights reports a damaged file
        return None
    names = obj.get("classes") if isinstance(obj, dict) else None
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        return None
    return list(names)


def check_classes(path: str | os.PathLike, class_names, root: str | os.PathLike) -> None:
    """Raise ``ValueError`` when checkpoint ``path`` records the class names it was trained on
    (:func:`recorded_classes`) and they are not ``class_names``, the class folders of ``root`` in
    label order: label k would be scored as another class, and the accuracy would be wrong."""
    recorded = recorded_classes(path)
    names = list(class_names)
    if recorded is None or recorded == names:
        return
    parts = [f"{path} was trained on {len(recorded)} classes that are not the {len(names)} class "
             f"folders of {root}"]  # fmt: skip
    only_ckpt = [c for c in recorded if c not in names]
    only_here = [c for c in names if c not in recorded]
    if only_ckpt:
        parts.append(f"only in the checkpoint: {', '.join(only_ckpt[:10])}")
    if only_here:
        parts.append(f"only in {root}: {', '.join(only_here[:10])}")
    if not only_ckpt and not only_here:
        parts.append("the same names in another order")
    raise ValueError(
        "; ".join(parts) + ". A label is a class folder's position, so every image would be "
        "scored against another class; point the data at the split of the dataset the "
        "checkpoint was trained on, or use a checkpoint trained on this one"
    )


def load_model(
    path: str | os.PathLike,
    num_classes: int,
    *,
    arch: str = "alexnet",
    recipe: str | None = None,
    classes_from: str | None = None,
    class_names=None,
) -> nn.Module:
    """The network of checkpoint ``path`` (eval mode), built as the checkpoint records
    (:func:`recorded_build`) or else as ``arch`` with ``recipe``'s options (:data:`RECIPE_BUILD`:
    batch norm, channel dropout on conv5).

    ``class_names`` (the class folders of ``classes_from``; read from that folder when it is one
    and they are not given) are checked against the names the checkpoint records
    (:func:`check_classes`)."""
    if class_names is None and classes_from is not None and Path(classes_from).is_dir():
        class_names = data.class_folders(classes_from)
    if class_names is not None:
        check_classes(path, class_names, classes_from or "the data")
    options = recorded_build(path)
    if options is None:
        options = {"arch": arch, **RECIPE_BUILD.get(recipe or "baseline", {})}
    options = dict(options)
    model = zoo.build_model(options.pop("arch", arch), num_classes, **options)
    return checkpoints.load_weights(model, path, classes_from=classes_from).eval()


def instance_checkpoints(
    instances_dir: str | os.PathLike | None, seeds, *, pattern: str = "alexnet-seed{seed}.pth"
) -> dict[int, Path]:
    """``{seed: <instances_dir>/alexnet-seed<seed>.pth}`` for Zhou et al.'s model instances
    (Table 1, Fig. 6): one network trained from each seed, as ``python -m unitroles.train --paper
    instance --seed N`` writes them. A missing folder or file is an error naming the parameter."""
    folder = data.require_path(
        instances_dir, parameter="instances_dir", env="UNITROLES_INSTANCES",
        what="the folder of model instances (alexnet-seed0.pth, alexnet-seed1.pth, ...)",
    )  # fmt: skip
    files = {int(s): folder / pattern.format(seed=int(s)) for s in seeds}
    missing = [p.name for p in files.values() if not p.is_file()]
    if missing:
        found = sorted(p.name for p in folder.glob(pattern.format(seed="*")))
        raise FileNotFoundError(
            f"instances_dir {folder} lacks {', '.join(missing)} (it holds "
            f"{', '.join(found) or 'no ' + pattern.format(seed='*')}); train them with "
            "`python -m unitroles.train --paper instance --seed N` (README, the paper profile) "
            "or set train_seeds / test_seeds to the seeds you have"
        )
    return files


# The papermill parameter that names each recipe's checkpoint on the paper profile (Zhou et al.
# Fig. 8 and 9 compare the baseline with its regularised siblings).
RECIPE_PARAMETER = {
    "baseline": "checkpoint",
    "batchnorm": "batchnorm_checkpoint",
    "dropout-conv5": "dropout_checkpoint",
}


def recipe_setup(recipe: str, checkpoints: dict, val_root, **kwargs) -> evaluation.Setup:
    """:func:`checkpoint_setup` for the checkpoint of ``recipe`` (``baseline``, ``batchnorm``,
    ``dropout-conv5``), taken from ``checkpoints``, a mapping of the page's parameters
    (:data:`RECIPE_PARAMETER`: ``checkpoint``, ``batchnorm_checkpoint``, ``dropout_checkpoint``)
    to their values; a missing one is an error naming its parameter and variable."""
    if recipe not in RECIPE_PARAMETER:
        raise ValueError(
            f"no paper-profile checkpoint parameter for recipe {recipe!r}; the paper profile "
            f"compares {', '.join(RECIPE_PARAMETER)}"
        )
    name = RECIPE_PARAMETER[recipe]
    return checkpoint_setup(
        checkpoints.get(name), val_root, recipe=recipe, parameter=name, env=INPUTS[name], **kwargs
    )


def broden_data(broden_root: str | os.PathLike | None):
    """The Broden folder at ``broden_root`` or ``$UNITROLES_BRODEN`` (e.g. ``broden1_224``) and
    the ImageNet normalisation: ``(BrodenDataset, transform)``."""
    root = data.require_path(
        broden_root, parameter="broden_root", env="UNITROLES_BRODEN", what="the Broden dataset"
    )
    return broden.BrodenDataset(root), data.imagenet_normalize


def checkpoint_models(
    checkpoint_dir: str | os.PathLike | None,
    *,
    names: tuple[str, ...] = GENERALIZATION_RECIPES,
    arch: str = "vgg16",
    num_classes: int = 1000,
    classes_from: str | None = None,
) -> dict[str, nn.Module]:
    """Load ``<checkpoint_dir>/<name>.pth`` for each name into ``arch`` (eval mode).

    ``classes_from`` (e.g. the ImageFolder root that gave ``num_classes``) is named in the error
    when a checkpoint has a different number of classes."""
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
        n: load_model(folder / f"{n}.pth", num_classes, arch=arch, classes_from=classes_from)
        for n in names
    }


@torch.no_grad()
def top1_accuracy(
    model: nn.Module,
    dataset,
    indices,
    *,
    batch_size: int = 128,
    workers: int = 4,
    skip_unreadable: bool = False,
    skipped: list | None = None,
) -> float:
    """Top-1 accuracy (fraction) of ``model`` on ``dataset[indices]``, read in batches: an
    ImageFolder split (or any dataset of network inputs and labels). The synthetic world's
    counterpart, on its ``uint8`` images in memory, is :func:`unitroles.fit.accuracy`.

    An image that does not decode stops with its path, unless ``skip_unreadable``: then it is
    left out of the count and its path appended to ``skipped``."""
    dev = device()
    model = model.to(dev).eval()
    correct = total = 0
    for x, y in data.iter_batches(
        dataset, indices, batch_size=batch_size, workers=workers,
        skip_unreadable=skip_unreadable, skipped=skipped,
    ):  # fmt: skip
        correct += int((model(x.to(dev)).argmax(1).cpu() == y).sum())
        total += len(y)
    return correct / max(total, 1)


def split_roots(train_root, val_root) -> dict[str, Path]:
    """The ImageFolder roots ``{"train": ..., "test": ...}`` of Zhao et al.'s pages: the
    parameters ``train_root`` / ``val_root``, else ``$UNITROLES_TRAIN_ROOT`` /
    ``$UNITROLES_VAL_ROOT``; each must exist (:func:`unitroles.data.require_path`)."""
    return {
        "train": data.require_path(
            train_root, parameter="train_root", env="UNITROLES_TRAIN_ROOT",
            what="the training split (ImageFolder)",
        ),
        "test": data.require_path(
            val_root, parameter="val_root", env="UNITROLES_VAL_ROOT",
            what="the test split (ImageFolder)",
        ),
    }  # fmt: skip


def generalization_table(
    checkpoint_dir: str | os.PathLike | None,
    train_root: str | os.PathLike | None,
    val_root: str | os.PathLike | None,
    *,
    per_class: int = 50,
    arch: str = "vgg16",
    image_size: int = 224,
    workers: int = 4,
    skip_unreadable: bool = False,
) -> list[dict]:
    """Train / test accuracy and gap of the five checkpoints (rows like :func:`train.summary`).

    The two splits must hold the same class folders in the same order
    (:func:`data.check_same_classes`). With ``skip_unreadable``, images that do not decode are
    left out, with a warning that counts them; each row's ``skipped`` says how many."""
    roots = split_roots(train_root, val_root)
    train_dir, val_dir = roots["train"], roots["test"]
    splits = {}
    for split, root in roots.items():
        ds = data.image_folder(Path(root), image_size=image_size)
        splits[split] = (ds, data.subset_per_class(ds.targets, per_class))
    data.check_same_classes(splits["train"][0], splits["test"][0], train_dir, val_dir)
    num_classes = len(splits["train"][0].classes)
    rows = []
    for name, model in checkpoint_models(
        checkpoint_dir, arch=arch, num_classes=num_classes, classes_from=str(train_dir)
    ).items():
        start = time.perf_counter()
        skipped: dict[str, list] = {s: [] for s in splits}
        acc = {
            s: top1_accuracy(model, ds, idx, workers=workers, skip_unreadable=skip_unreadable,
                             skipped=skipped[s])
            for s, (ds, idx) in splits.items()
        }  # fmt: skip
        for s, (ds, _) in splits.items():
            if not rows:  # the same images for every model: report once
                data.report_skipped(skipped[s], ds)
        rows.append(
            {
                "model": name, "recipe": "checkpoint", "arch": arch, "seed": None,
                "train_acc": acc["train"], "val_acc": acc["test"], "test_acc": acc["test"],
                "gap": acc["train"] - acc["test"],
                "train_seconds": round(time.perf_counter() - start, 2),
                "skipped": sum(len(v) for v in skipped.values()),
            }
        )  # fmt: skip
    return rows


def checkpoint_setup(
    checkpoint: str | os.PathLike | None,
    val_root: str | os.PathLike | None,
    *,
    arch: str = "alexnet",
    recipe: str | None = None,
    per_class: int = 10,
    image_size: int = 224,
    workers: int = 4,
    skip_unreadable: bool = False,
    parameter: str = "checkpoint",
    env: str = "UNITROLES_CHECKPOINT",
) -> evaluation.Setup:
    """A :class:`unitroles.evaluation.Setup` from a checkpoint and an ImageFolder validation split.

    The network is built as the checkpoint records, else as ``arch`` with ``recipe``'s options
    (:func:`load_model`). ``parameter`` / ``env`` name the papermill parameter and environment
    variable that give ``checkpoint`` (e.g. ``batchnorm_checkpoint``), for the error when it is
    missing.

    An image that does not decode stops with its path, unless ``skip_unreadable`` (then it is
    left out, with a warning that counts such images, and the description says how many).

    Loads ``per_class`` images of every class into memory (a seeded choice), so keep it small
    for the 365 classes of Places365 (10 a class is about 2 GB in float32 at 224 px).
    """
    path = data.require_path(
        checkpoint, parameter=parameter, env=env, what="the model checkpoint (.pth)"
    )
    val_dir = data.require_path(
        val_root, parameter="val_root", env="UNITROLES_VAL_ROOT",
        what="the validation split (ImageFolder)",
    )  # fmt: skip
    dataset = data.image_folder(val_dir, image_size=image_size)
    indices = data.subset_per_class(dataset.targets, per_class)
    images, labels, skipped = data.load_images(
        dataset, indices, workers=workers, skip_unreadable=skip_unreadable
    )
    model = load_model(
        path, len(dataset.classes), arch=arch, recipe=recipe, classes_from=str(val_dir),
        class_names=dataset.classes,
    )  # fmt: skip
    acc = top1_accuracy(model, torch.utils.data.TensorDataset(images, labels), range(len(labels)),
                        workers=0)  # fmt: skip
    left_out = f" ({len(skipped)} unreadable images skipped)" if skipped else ""
    return evaluation.Setup(
        model, images, labels, tuple(dataset.classes),
        f"{getattr(model, 'unitroles_arch', arch)} from {path.name}, {len(labels)} validation "
        f"images{left_out}", acc,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------
# The paper profile's inputs: papermill parameter -> the environment variable read when it is
# None (unitroles.input_stamps stamps their state for make)
INPUTS = {
    "checkpoint": "UNITROLES_CHECKPOINT",
    "resnet_checkpoint": "UNITROLES_RESNET_CHECKPOINT",
    "checkpoint_dir": "UNITROLES_CHECKPOINTS",
    "instances_dir": "UNITROLES_INSTANCES",
    "batchnorm_checkpoint": "UNITROLES_BATCHNORM_CHECKPOINT",
    "dropout_checkpoint": "UNITROLES_DROPOUT_CHECKPOINT",
    "train_root": "UNITROLES_TRAIN_ROOT",
    "val_root": "UNITROLES_VAL_ROOT",
    "broden_root": "UNITROLES_BRODEN",
}
