"""Reading the user's images: ImageFolder splits, image files, paths, batches and subsets.

* :func:`image_folder` opens an ImageNet / Places365 split in torchvision's ImageFolder layout
  (``root/<class>/<image>.jpg``) with the papers' evaluation transform; :func:`iter_batches` and
  :func:`load_images` read a subset of it (:func:`subset_per_class`), leaving out images that do
  not decode when asked to (:class:`UnreadableImage`).
* :func:`read_image` decodes one image file (also for :mod:`unitroles.broden`, the Broden
  reader); :func:`imagenet_normalize` is the ImageNet normalisation of ``uint8`` images.

Paths for the paper profile come from parameters or environment variables (:func:`require_path`);
a missing one is an error that names what to set. The synthetic world is written in these
layouts by :mod:`unitroles.broden_export`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision import datasets

# The papers' evaluation transform for ImageNet / Places365 (torchvision conventions).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def imagenet_normalize(images: torch.Tensor) -> torch.Tensor:
    """``uint8 (n, 3, H, W)`` images -> float32 network input with the ImageNet mean and std."""
    x = images.float().div_(255)
    mean = torch.tensor(IMAGENET_MEAN, device=x.device)[:, None, None]
    std = torch.tensor(IMAGENET_STD, device=x.device)[:, None, None]
    return (x - mean) / std


def caller_cwd() -> Path:
    """The folder the user ran the command from: ``$UNITROLES_CALLER_CWD`` (set by
    :mod:`unitroles.execute`, whose notebooks run inside ``notebooks/``), else the current one."""
    return Path(os.environ.get("UNITROLES_CALLER_CWD") or os.getcwd())


def absolute(value: str | os.PathLike) -> Path:
    """``value`` with ``~`` expanded, relative paths taken from :func:`caller_cwd`."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else caller_cwd() / path


def require_path(value: str | os.PathLike | None, *, parameter: str, env: str, what: str) -> Path:
    """Resolve a user-supplied path: the parameter if given, else ``$env``; it must exist.

    A relative path is taken from the folder the command was run from (:func:`caller_cwd`), not
    the notebook's folder. Returns the absolute path. Raises ``FileNotFoundError`` naming the
    parameter and the variable to set, and the absolute path that was tried.
    """
    raw = value if value not in (None, "") else os.environ.get(env)
    if raw in (None, ""):
        raise FileNotFoundError(
            f"{what} is not configured: pass the papermill parameter `{parameter}` "
            f"(e.g. `-p {parameter} /path/to/it`) or set the environment variable ${env}."
        )
    path = absolute(raw)
    if not path.exists():
        given = "" if Path(raw).expanduser().is_absolute() else f" ({raw!r} from {caller_cwd()})"
        raise FileNotFoundError(
            f"{what} not found at {path}{given} (from `{parameter}` / ${env}); check the path."
        )
    return path


class UnreadableImage(ValueError):
    """An image file that cannot be decoded (truncated, not an image)."""


def read_image(path: str):
    """Open and fully decode an RGB PIL image; a damaged file raises :class:`UnreadableImage` naming
    it. A 16-bit grey image is scaled to 8 bits (PIL's ``convert("RGB")`` clips it to white)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.mode.startswith("I;16") or (image.mode == "I" and image.format == "PNG"):
                grey = (np.asarray(image).astype(np.uint32) >> 8).clip(0, 255).astype(np.uint8)
                return Image.fromarray(grey, mode="L").convert("RGB")
            return image.convert("RGB")
    except FileNotFoundError:
        raise
    except OSError as err:  # PIL's truncated / unidentified image errors are OSErrors
        raise UnreadableImage(
            f"cannot read image {path}: {err}. Replace or delete the file, or pass "
            "skip_unreadable=True (papermill: -p skip_unreadable True) to leave such images out"
        ) from err


def class_folders(root: str | os.PathLike) -> list[str]:
    """The class folders of an ImageFolder root in label order (sorted), hidden ones (a name
    starting with ``.``, e.g. ``.ipynb_checkpoints``) left out."""
    with os.scandir(root) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))


def _walk(folder: str, ancestors: frozenset, found: list, loops: list) -> None:
    """Append ``(folder, image names)`` for ``folder`` and every non-hidden folder under it to
    ``found``, following links except into a folder whose real path is in ``ancestors`` (a loop:
    appended to ``loops``)."""
    real = os.path.realpath(folder)
    if real in ancestors:
        loops.append(folder)
        return
    files, dirs = [], []
    with os.scandir(folder) as entries:
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir():
                dirs.append(e.path)
            elif e.name.lower().endswith(datasets.folder.IMG_EXTENSIONS) and e.is_file():
                files.append(e.name)
    found.append((folder, files))
    for sub in dirs:
        _walk(sub, ancestors | {real}, found, loops)


def image_files(root: str | os.PathLike, class_to_idx: dict[str, int]) -> list[tuple[str, int]]:
    """``(path, label)`` of every image under each class folder of ``root``, as torchvision's
    ImageFolder lists them (folders in sorted order, symbolic links followed), except that hidden
    files and folders (``.ipynb_checkpoints``, ``.cache``) are left out and a link back to a
    folder it lies in (a loop, which would list the same images again and again) is not
    followed, with a warning naming it. A class folder with no image is an error naming it."""
    root = Path(root)
    samples, empty, loops = [], [], []
    for name, label in sorted(class_to_idx.items(), key=lambda kv: kv[1]):
        found: list[tuple[str, list[str]]] = []
        _walk(str(root / name), frozenset(), found, loops)
        before = len(samples)
        for folder, files in sorted(found):
            samples += [(os.path.join(folder, f), label) for f in sorted(files)]
        if len(samples) == before:
            empty.append(name)
    if loops:
        warnings.warn(
            f"not followed: {', '.join(loops[:5])} under {root} link back to a folder they lie "
            "in (each image would be counted again and again); remove the links",
            stacklevel=3,
        )
    if empty:
        raise FileNotFoundError(
            f"class folder(s) {', '.join(empty[:10])} under {root} hold no image "
            f"({', '.join(datasets.folder.IMG_EXTENSIONS)}); add images or remove the folders"
        )
    return samples


class ImageFolder(datasets.ImageFolder):
    """torchvision's ImageFolder with this module's class folders and image listing
    (:func:`class_folders`, :func:`image_files`)."""

    def find_classes(self, directory):
        classes = class_folders(directory)
        if not classes:
            raise FileNotFoundError(f"no class folders in {directory}")
        return classes, {c: i for i, c in enumerate(classes)}

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, **kw):
        return image_files(directory, class_to_idx)


def image_folder(root: str | os.PathLike, *, image_size: int = 224, resize: int = 256):
    """An ImageFolder split with the standard evaluation transform (resize, centre crop, norm).

    Class folders are the non-hidden folders of ``root`` (:func:`class_folders`); images are
    listed by :func:`image_files` (hidden files and folders left out, link loops not followed).
    An image that does not decode raises :class:`UnreadableImage` with its path (see
    :func:`iter_batches` to skip such images instead)."""
    from torchvision import transforms

    root = absolute(root)
    if not root.is_dir():
        raise FileNotFoundError(f"ImageFolder root {root} is not a folder")
    transform = transforms.Compose(
        [
            transforms.Resize(resize),
            transforms.CenterCrop(image_size),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
    try:
        dataset = ImageFolder(str(root), transform=transform, loader=read_image)
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f"no images found under {root} (expected root/<class>/<image>): {err}"
        ) from err
    if len(dataset) == 0:
        raise FileNotFoundError(f"no images found under {root} (expected root/<class>/<image>)")
    return dataset


def check_same_classes(train, val, train_root, val_root) -> None:
    """Raise ``ValueError`` unless two ImageFolder splits have the same class folders in the same
    order (a label is a folder's position, so any difference scores one class as another)."""
    a, b = list(train.classes), list(val.classes)
    if a == b:
        return
    only_train = [c for c in a if c not in b]
    only_val = [c for c in b if c not in a]
    parts = [f"the class folders of {train_root} ({len(a)}) and {val_root} ({len(b)}) differ"]
    if only_train:
        parts.append(f"only in the training split: {', '.join(only_train[:10])}")
    if only_val:
        parts.append(f"only in the validation split: {', '.join(only_val[:10])}")
    if not only_train and not only_val:
        parts.append("same names in a different order")
    raise ValueError(
        "; ".join(parts) + ". A label is the class folder's position, so both splits must hold "
        "the same class folders; make them match (or point both at the same dataset)."
    )


class _Picked(Dataset):
    """``dataset[indices[j]]`` as ``(image, label, "")``, or ``(None, -1, path)`` for an image
    that does not decode when skipping."""

    def __init__(self, dataset, indices, skip_unreadable: bool):
        self.dataset, self.indices, self.skip = dataset, [int(i) for i in indices], skip_unreadable

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, j: int):
        i = self.indices[j]
        try:
            x, y = self.dataset[i]
        except UnreadableImage:
            if not self.skip:
                raise
            return None, -1, str(self.dataset.samples[i][0])
        return x, y, ""


def _collate(items):
    good = [(x, y) for x, y, bad in items if not bad]
    images = torch.stack([x for x, _ in good]) if good else None
    return images, torch.tensor([y for _, y in good], dtype=torch.long), [b for *_, b in items if b]


def iter_batches(
    dataset,
    indices,
    *,
    batch_size: int = 128,
    workers: int = 4,
    skip_unreadable: bool = False,
    skipped: list | None = None,
):
    """Yield ``(images, labels)`` batches of ``dataset[indices]`` (an ImageFolder).

    An image that does not decode stops with :class:`UnreadableImage` naming it, unless
    ``skip_unreadable``: then it is left out and its path appended to ``skipped``.
    """
    loader = torch.utils.data.DataLoader(
        _Picked(dataset, indices, skip_unreadable),
        batch_size=batch_size, num_workers=workers, collate_fn=_collate,
    )  # fmt: skip
    for images, labels, bad in loader:
        if skipped is not None:
            skipped.extend(bad)
        if images is not None:
            yield images, labels


def load_images(
    dataset, indices, *, batch_size: int = 128, workers: int = 4, skip_unreadable: bool = False
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """``(images, labels, skipped_paths)`` of ``dataset[indices]`` in memory (:func:`iter_batches`);
    warns with the count when images were skipped."""
    skipped: list[str] = []
    batches = list(
        iter_batches(
            dataset, indices, batch_size=batch_size, workers=workers,
            skip_unreadable=skip_unreadable, skipped=skipped,
        )
    )  # fmt: skip
    report_skipped(skipped, dataset)
    if not batches:
        raise ValueError(f"none of the {len(indices)} images chosen from {dataset.root} reads")
    return torch.cat([x for x, _ in batches]), torch.cat([y for _, y in batches]), skipped


def report_skipped(skipped: list[str], dataset) -> None:
    """Warn how many unreadable images were left out, naming the first few."""
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} unreadable image(s) under {dataset.root} "
            f"(skip_unreadable=True): {', '.join(skipped[:5])}"
            + (f", ... ({len(skipped) - 5} more)" if len(skipped) > 5 else ""),
            stacklevel=2,
        )


def files_fingerprint(paths) -> list:
    """``[path, size, mtime_ns]`` of each file: part of a cache key that reads these files, so a
    replaced or edited file is a cache miss."""
    out = []
    for p in paths:
        st = os.stat(p)
        out.append([str(p), st.st_size, st.st_mtime_ns])
    return out


def subset_per_class(labels: list[int] | np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of at most ``per_class`` items of each class, chosen reproducibly by ``seed``."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    keep = [
        np.sort(rng.permutation(np.flatnonzero(labels == c))[:per_class]) for c in np.unique(labels)
    ]
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, np.int64)
