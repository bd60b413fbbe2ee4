"""Datasets beyond the synthetic world: the Broden on-disk format and ImageFolder trees.

* :class:`BrodenDataset` reads a Broden-format folder (``index.csv``, ``label.csv``,
  ``category.csv``, images and mask PNGs), the format network dissection uses. The book profile
  reads the synthetic world's export (:func:`export_broden`); the paper profile reads the real
  Broden.
* :func:`image_folder` opens an ImageNet / Places365 split in torchvision's ImageFolder layout
  (``root/<class>/<image>.jpg``) with the papers' evaluation transform.

Paths for the paper profile come from parameters or environment variables (:func:`require_path`);
a missing one is an error that names what to set.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
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


def _is_16_bit(image) -> bool:
    """Whether an opened (not yet loaded) PIL image holds 16 bits a sample: 16-bit grey opens as
    ``I;16`` (or ``I``), 16-bit RGB as ``RGB`` read from ``RGB;16B`` (only the tile says so)."""
    return (
        image.mode.startswith("I;16")
        or (image.mode == "I" and image.format == "PNG")
        or any(";16" in str(getattr(tile, "args", "")) for tile in image.tile)
    )


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


def broden_layout(root: str | os.PathLike) -> None:
    """Rewrite ``root/label.csv`` in Broden's own layout: label 0 (unlabelled) has no row, so
    every row names a category with its count, as NetDissect's loaders require (they parse
    ``category(count)`` in every row). A file already in that layout is left as it is."""
    path = Path(root) / "label.csv"
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames or [], list(reader)
    kept = [r for r in rows if str(r.get("number", "")).strip() != "0"]
    if len(kept) == len(rows):
        return
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(kept)
    os.replace(tmp, path)


def export_broden(world, root: str | os.PathLike, **kwargs) -> Path:
    """:func:`unitroles.broden_export.write_broden` (same arguments), with ``label.csv`` in Broden's
    own layout (:func:`broden_layout`), published whole: the folder appears at ``root`` only when
    complete.

    Every image of the world labels every category (an object, the background textures and
    colours cover every image, the scene is an image-level label), so NetDissect's rule on which
    images count in a category's union (:func:`unitroles.attributes.labelled`) keeps them all."""
    import shutil

    from . import broden_export

    root = Path(root)
    if (root / "index.csv").exists():
        raise FileExistsError(f"{root} already holds a Broden export; remove it or pick another")
    tmp = root.with_name(f".{root.name}.export{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        broden_export.write_broden(world, tmp, **kwargs)
        broden_layout(tmp)
        if root.exists():
            root.rmdir()  # an empty folder left by the caller; a non-empty one raises here
        os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def export_image_folder(world, root: str | os.PathLike, *, split: str, n_per_class: int) -> Path:
    """Write ``n_per_class`` images of every class of the world's ``split`` in ImageFolder layout
    (``root/<class>/<i>.png``, lossless), published whole at ``root``: the synthetic world as the
    paper profile reads ImageNet or Places365 (used by the rehearsal of the paper path)."""
    import shutil

    from PIL import Image

    root = Path(root)
    if root.exists():
        raise FileExistsError(f"{root} exists; remove it or pick another folder")
    tmp = root.with_name(f".{root.name}.export{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        images, labels, _ = world.render_split(split, n_per_class)
        for name in world.class_names:
            (tmp / name).mkdir(parents=True)
        for i, (image, label) in enumerate(zip(images, labels.tolist())):
            path = tmp / world.class_names[label] / f"{split}-{i:06d}.png"
            Image.fromarray(image.permute(1, 2, 0).numpy()).save(path)
        root.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


# --------------------------------------------------------------------------------------------------
# What a notebook ablates (built by unitroles.setups for the book profiles, unitroles.paper for
# the paper profile)


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
        x = self.images[index].float()
        x = (
            x * torch.tensor(IMAGENET_STD)[:, None, None]
            + torch.tensor(IMAGENET_MEAN)[:, None, None]
        )
        return x.clamp(0, 1).mul(255).round().to(torch.uint8)
