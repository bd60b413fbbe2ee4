"""Datasets beyond the synthetic world: the Broden on-disk format and ImageFolder trees.

* :class:`BrodenDataset` reads a Broden-format folder (``index.csv``, ``label.csv``,
  ``category.csv``, images and mask PNGs), the format network dissection uses. The book profile
  reads the synthetic world's export (:func:`unitroles.scenes.export_broden`); the paper profile
  reads the real Broden.
* :func:`image_folder` opens an ImageNet / Places365 split in torchvision's ImageFolder layout
  (``root/<class>/<image>.jpg``) with the papers' evaluation transform.

Paths for the paper profile come from parameters or environment variables (:func:`require_path`);
a missing one is an error that names what to set.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

# The papers' evaluation transform for ImageNet / Places365 (torchvision conventions).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def imagenet_normalize(images: torch.Tensor) -> torch.Tensor:
    """``uint8 (n, 3, H, W)`` images -> float32 network input with the ImageNet mean and std."""
    x = images.float().div_(255)
    mean = torch.tensor(IMAGENET_MEAN, device=x.device)[:, None, None]
    std = torch.tensor(IMAGENET_STD, device=x.device)[:, None, None]
    return (x - mean) / std


def require_path(value: str | os.PathLike | None, *, parameter: str, env: str, what: str) -> Path:
    """Resolve a user-supplied path: the parameter if given, else ``$env``; it must exist.

    Raises ``FileNotFoundError`` naming the parameter and the variable to set.
    """
    raw = value if value not in (None, "") else os.environ.get(env)
    if raw in (None, ""):
        raise FileNotFoundError(
            f"{what} is not configured: pass the papermill parameter `{parameter}` "
            f"(e.g. `-p {parameter} /path/to/it`) or set the environment variable ${env}."
        )
    path = Path(raw).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"{what} not found at {path} (from `{parameter}` / ${env}); check the path."
        )
    return path


def image_folder(root: str | os.PathLike, *, image_size: int = 224, resize: int = 256):
    """An ImageFolder split with the standard evaluation transform (resize, centre crop, norm)."""
    from torchvision import datasets, transforms

    root = Path(root)
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
    dataset = datasets.ImageFolder(str(root), transform=transform)
    if len(dataset) == 0:
        raise FileNotFoundError(f"no images found under {root} (expected root/<class>/<image>)")
    return dataset


def subset_per_class(labels: list[int] | np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of at most ``per_class`` items of each class, chosen reproducibly by ``seed``."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    keep = [
        np.sort(rng.permutation(np.flatnonzero(labels == c))[:per_class]) for c in np.unique(labels)
    ]
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, np.int64)


# --------------------------------------------------------------------------------------------------
# Broden


@dataclass(frozen=True)
class BrodenLabel:
    number: int
    name: str
    category: str


def main_category(text: str) -> str:
    """The category a Broden label belongs to, from ``label.csv``'s ``category`` field.

    The field lists every category the label occurs in with its count, e.g.
    ``"object(1203);part(14)"``; as in network dissection, the label is assigned to the category
    where it occurs most (the first on a tie, or where no counts are given). An empty field (the
    unlabeled row 0) gives ``""``.
    """
    if not text.strip():
        return ""
    best, most = None, -1
    for entry in text.split(";"):
        match = re.fullmatch(r"\s*([^()]+?)\s*(?:\((\d+)\))?\s*", entry)
        if not match:
            continue
        count = int(match.group(2)) if match.group(2) else 0
        if best is None or count > most:
            best, most = match.group(1), count
    if best is None:
        raise ValueError(f"label.csv category field {text!r} names no category")
    return best


class BrodenDataset(Dataset):
    """A Broden-format dataset folder.

    ``dataset[i]`` is a dict: ``image`` uint8 ``(3, ih, iw)``; for each category present in the
    index, ``masks[category]`` is a list of int64 ``(sh, sw)`` label maps (global label numbers,
    0 = unlabeled; a mask PNG stores ``number = R + 256 * G``) and ``labels[category]`` a list of
    image-level label numbers (Broden writes scene and most texture labels this way).
    """

    CATEGORY_COLUMNS = ("color", "object", "part", "material", "scene", "texture")

    def __init__(self, root: str | os.PathLike, categories: tuple[str, ...] | None = None):
        self.root = Path(root)
        for name in ("index.csv", "label.csv", "category.csv"):
            if not (self.root / name).is_file():
                raise FileNotFoundError(
                    f"{self.root} is not a Broden folder: {name} is missing (expected index.csv, "
                    "label.csv, category.csv and images/)"
                )
        with open(self.root / "index.csv", newline="") as f:
            self.index = list(csv.DictReader(f))
        with open(self.root / "category.csv", newline="") as f:
            self.category_rows = list(csv.DictReader(f))
        with open(self.root / "label.csv", newline="") as f:
            self.labels = {}
            for row in csv.DictReader(f):
                number = int(row["number"])
                category = main_category(row["category"])
                self.labels[number] = BrodenLabel(number, row["name"], category)
        present = [c for c in self.CATEGORY_COLUMNS if self.index and c in self.index[0]]
        self.categories = tuple(c for c in present if categories is None or c in categories)

    def __len__(self) -> int:
        return len(self.index)

    def label_names(self) -> dict[int, str]:
        """Global label number -> name (0 = ``-``)."""
        return {n: lab.name for n, lab in self.labels.items()}

    def category_labels(self, category: str) -> list[BrodenLabel]:
        """The labels of one category, in number order."""
        return [lab for n, lab in sorted(self.labels.items()) if lab.category == category]

    def image(self, i: int) -> torch.Tensor:
        """Image ``i`` alone, uint8 ``(3, ih, iw)`` (no masks read)."""
        from PIL import Image

        path = self.root / "images" / self.index[i]["image"]
        return torch.from_numpy(np.asarray(Image.open(path).convert("RGB")).copy()).permute(2, 0, 1)

    def __getitem__(self, i: int) -> dict:
        from PIL import Image

        row = self.index[i]
        image = np.asarray(Image.open(self.root / "images" / row["image"]).convert("RGB"))
        item = {
            "image": torch.from_numpy(image.copy()).permute(2, 0, 1),
            "masks": {},
            "labels": {},
        }
        for cat in self.categories:
            maps, numbers = [], []
            for entry in filter(None, row.get(cat, "").split(";")):
                if entry.isdigit():
                    numbers.append(int(entry))
                else:
                    rgb = np.asarray(Image.open(self.root / "images" / entry).convert("RGB"))
                    rgb = rgb.astype(np.int64)
                    maps.append(torch.from_numpy(rgb[..., 0] + 256 * rgb[..., 1]))
            item["masks"][cat] = maps
            item["labels"][cat] = numbers
        return item
