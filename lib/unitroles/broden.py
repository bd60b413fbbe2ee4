"""Reading a Broden-format folder, the format network dissection uses.

A Broden folder holds ``index.csv`` (one row an image: its file and, per category, its mask PNGs
or image-level label numbers), ``label.csv`` (every label's number, name and categories),
``category.csv`` and ``images/``. :class:`BrodenDataset` reads one: the real Broden
(``broden1_224``) on the paper profile, the synthetic world's export
(:func:`unitroles.broden_export.write_broden_folder`) on the book profile. A file laid out
wrongly is an error naming the file and what to change.

Writing the world in this format is :mod:`unitroles.broden_export`; decoding image files is
:mod:`unitroles.data`.
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

from .data import UnreadableImage, read_image

__all__ = ["BrodenDataset", "BrodenLabel", "main_category"]


def _is_16_bit(image) -> bool:
    """Whether an opened (not yet loaded) PIL image holds 16 bits a sample: 16-bit grey opens as
    ``I;16`` (or ``I``), 16-bit RGB as ``RGB`` read from ``RGB;16B`` (only the tile says so)."""
    return (
        image.mode.startswith("I;16")
        or (image.mode == "I" and image.format == "PNG")
        or any(";16" in str(getattr(tile, "args", "")) for tile in image.tile)
    )


@dataclass(frozen=True)
class BrodenLabel:
    """One row of ``label.csv``: the global label number, its name and its main category
    (:func:`main_category`)."""

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
        self.index = self._read_csv("index.csv", ("image",))
        self.category_rows = self._read_csv("category.csv", ())
        self.labels = {}
        for line, row in enumerate(self._read_csv("label.csv", ("number", "name", "category")), 2):
            try:
                number = int(row["number"])
            except (TypeError, ValueError) as err:
                raise ValueError(
                    f"{self.root / 'label.csv'}, line {line}: label number {row['number']!r} is "
                    "not an integer (each row is number,name,category,...)"
                ) from err
            self.labels[number] = BrodenLabel(number, row["name"], main_category(row["category"]))
        # Broden's label.csv starts at 1: label 0 (unlabelled) is implicit
        self.labels.setdefault(0, BrodenLabel(0, "-", ""))
        present = [c for c in self.CATEGORY_COLUMNS if self.index and c in self.index[0]]
        self.categories = tuple(c for c in present if categories is None or c in categories)

    def _read_csv(self, name: str, required: tuple[str, ...]) -> list[dict]:
        """The rows of ``name``; a missing required column is an error naming the file."""
        path = self.root / name
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            columns = reader.fieldnames or []
        missing = [c for c in required if c not in columns]
        if missing:
            raise ValueError(
                f"{path} has no {', '.join(repr(c) for c in missing)} column (its columns: "
                f"{', '.join(columns) or 'none'}); a Broden {name} starts with a header row "
                f"naming {', '.join(required)}"
            )
        return rows

    def _read_png(self, entry: str, mask: bool = False) -> np.ndarray:
        path = self.root / "images" / entry
        try:
            if mask:
                self._check_mask_depth(path)
            return np.asarray(read_image(str(path)))
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f"{path} (listed in {self.root / 'index.csv'}) does not exist"
            ) from err
        except UnreadableImage as err:
            raise UnreadableImage(
                f"cannot read {path} (listed in {self.root / 'index.csv'}): {err.__cause__}; "
                "replace the file or remove its row"
            ) from err

    def _check_mask_depth(self, path: Path) -> None:
        """A mask stores a label number as ``R + 256 * G`` in 8-bit RGB; a 16-bit file would be
        read as other numbers (its high bytes) or as white, so it is an error naming it."""
        from PIL import Image

        try:
            with Image.open(path) as image:
                deep = _is_16_bit(image)
                mode = image.mode
        except OSError:
            return  # read_image reports it
        if deep:
            raise ValueError(
                f"mask {path} is a 16-bit image ({mode}), listed in {self.root / 'index.csv'}; "
                "Broden masks are 8-bit RGB, with a pixel's label number = R + 256 * G: save it "
                "as 8-bit RGB that way"
            )

    def _check_known(self, numbers, where: str) -> None:
        """Every label number must have its row in label.csv (else it names no concept and
        is silently dropped or mis-scored)."""
        unknown = sorted({int(n) for n in numbers} - self.labels.keys())
        if unknown:
            shown = ", ".join(map(str, unknown[:10])) + (" ..." if len(unknown) > 10 else "")
            raise ValueError(
                f"{where} holds label number(s) {shown}, which {self.root / 'label.csv'} does "
                "not list; add their rows (number,name,category,...) or use the label.csv that "
                "came with these masks"
            )

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
        return torch.from_numpy(self._read_png(self.index[i]["image"]).copy()).permute(2, 0, 1)

    def __getitem__(self, i: int) -> dict:
        row = self.index[i]
        image = self._read_png(row["image"])
        item = {
            "image": torch.from_numpy(image.copy()).permute(2, 0, 1),
            "masks": {},
            "labels": {},
        }
        size = None
        if row.get("sh", "").isdigit() and row.get("sw", "").isdigit():
            size = (int(row["sh"]), int(row["sw"]))
        for cat in self.categories:
            maps, numbers = [], []
            for entry in filter(None, (row.get(cat) or "").split(";")):
                if entry.isdigit():
                    self._check_known([entry], f"{self.root / 'index.csv'} ({row['image']})")
                    numbers.append(int(entry))
                    continue
                rgb = self._read_png(entry, mask=True).astype(np.int64)
                size = size or rgb.shape[:2]
                if rgb.shape[:2] != size:
                    raise ValueError(
                        f"mask {self.root / 'images' / entry} is {rgb.shape[0]}x{rgb.shape[1]} "
                        f"pixels, but the segmentation size of {row['image']} is "
                        f"{size[0]}x{size[1]} (index.csv sh, sw, or its first mask); every mask "
                        "of an image must have that size"
                    )
                numbers_map = rgb[..., 0] + 256 * rgb[..., 1]
                self._check_known(np.unique(numbers_map), f"mask {self.root / 'images' / entry}")
                maps.append(torch.from_numpy(numbers_map))
            item["masks"][cat] = maps
            item["labels"][cat] = numbers
        return item
