"""The synthetic world written to disk in the layouts real data comes in: the one home for exports.

* :func:`write_broden_folder`: a split in Broden's format, the format network dissection reads
  (:class:`unitroles.broden.BrodenDataset`); the book profile dissects it
  (:func:`unitroles.setups.dissection_data`).
* :func:`write_image_folder`: a split in torchvision's ImageFolder layout, as the paper profile
  reads ImageNet or Places365 (the rehearsal of the paper path trains and evaluates on it).

Each writes into a hidden temporary folder beside ``root`` and renames it to ``root`` when
complete, so an interrupted export leaves nothing, and nothing that looks complete. Images are
PNG (lossless): a reader recovers the rendered pixels exactly.

Apart from :mod:`unitroles.scenes` because it determines no model's weights: the scenes module
(concepts and rendering) keys every trained model (:func:`unitroles.train.code_key`), this one keys
none. It keys the book's exported dissection set (:func:`unitroles.setups.dissection_data`).
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .scenes import CATEGORIES, COLOR_NAMES, OBJECTS, TEXTURES, SceneWorld

__all__ = ["write_broden_folder", "write_image_folder"]


def write_broden_folder(
    world: SceneWorld,
    root: str | os.PathLike,
    *,
    split: str = "dissect",
    n_per_class: int = 10,
    progress: bool = False,
) -> Path:
    """Write ``n_per_class * num_classes`` images of ``split`` in Broden's on-disk format.

    Layout (as in the Broden dataset used by network dissection, e.g. ``broden1_224``)::

        root/index.csv      image,split,ih,iw,sh,sw,color,object,part,material,scene,texture
        root/category.csv   name,first,last,count,frequency
        root/label.csv      number,name,category,frequency,coverage,syns
        root/c_<cat>.csv    code,number,name,frequency,coverage
        root/images/scenes/<i>.png, <i>_object.png, <i>_color.png, <i>_texture.png

    Label numbers are global (0 = unlabelled); a mask PNG stores ``number = R + 256 * G``. Scene
    classes are image-level labels in the ``scene`` column. ``label.csv`` is in Broden's own
    layout: label 0 has no row, and every row names its category with a count
    (``object(12)``), as NetDissect's loaders require.

    Every image labels every category (an object, the background textures and colours cover
    every image, the scene is an image-level label), so NetDissect's rule on which images count
    in a category's union (:func:`unitroles.dissection.labelled`) keeps them all. ``root`` must
    not exist or be an empty folder.
    """
    return _publish(root, lambda tmp: _write_broden(world, tmp, split, n_per_class, progress))


def write_image_folder(
    world: SceneWorld, root: str | os.PathLike, *, split: str, n_per_class: int
) -> Path:
    """Write ``n_per_class`` images of every class of the world's ``split`` in torchvision's
    ImageFolder layout, ``root/<class>/<split>-<i>.png``: the synthetic world as the paper
    profile reads ImageNet or Places365. ``root`` must not exist or be an empty folder."""
    from PIL import Image

    def write(tmp: Path) -> None:
        images, labels, _ = world.render_split(split, n_per_class)
        for name in world.class_names:
            (tmp / name).mkdir()
        for i, (image, label) in enumerate(zip(images, labels.tolist())):
            path = tmp / world.class_names[label] / f"{split}-{i:06d}.png"
            Image.fromarray(image.permute(1, 2, 0).numpy()).save(path)

    return _publish(root, write)


def _publish(root: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp)`` on a fresh hidden folder beside ``root``, then rename it to ``root``;
    on any failure (an interrupt included) remove it. An existing ``root`` that is not an empty
    folder is an error (checked before anything is written)."""
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(f"{root} exists and is not empty; remove it or pick another folder")
    tmp = root.with_name(f".{root.name}.export{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        write(tmp)
        if root.exists():
            root.rmdir()  # the empty folder checked above
        os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def _write_broden(world: SceneWorld, tmp: Path, split: str, n_per_class: int, progress: bool):
    """The body of :func:`write_broden_folder`: render and write every file into ``tmp``."""
    from PIL import Image

    # Global label numbering: colours, objects, textures, then scenes (0 = unlabeled).
    names = {"color": COLOR_NAMES, "object": OBJECTS, "texture": TEXTURES}
    names["scene"] = world.class_names
    first, number = {}, 1
    for cat in ("color", "object", "texture", "scene"):
        first[cat] = number
        number += len(names[cat])

    (tmp / "images" / "scenes").mkdir(parents=True)
    images, labels, masks = world.render_split(split, n_per_class, progress=progress)
    n = len(labels)
    size = world.size
    pixel_freq = {cat: np.zeros(len(names[cat]) + 1, np.int64) for cat in CATEGORIES}
    image_freq = {cat: np.zeros(len(names[cat]) + 1, np.int64) for cat in names}
    rows = []
    for i in range(n):
        stem = f"scenes/{i:06d}"
        Image.fromarray(images[i].permute(1, 2, 0).numpy()).save(tmp / "images" / f"{stem}.png")
        row = {"image": f"{stem}.png", "split": split, "ih": size, "iw": size}
        row.update({"sh": size, "sw": size, "part": "", "material": ""})
        for cat in CATEGORIES:
            local = masks[cat][i].numpy().astype(np.int64)
            counts = np.bincount(local.ravel(), minlength=len(names[cat]) + 1)
            pixel_freq[cat] += counts
            image_freq[cat] += counts > 0
            glob = np.where(local > 0, local - 1 + first[cat], 0)
            rgb = np.zeros((size, size, 3), np.uint8)
            rgb[..., 0], rgb[..., 1] = glob % 256, glob // 256
            Image.fromarray(rgb).save(tmp / "images" / f"{stem}_{cat}.png")
            row[cat] = f"{stem}_{cat}.png"
        scene = int(labels[i])
        image_freq["scene"][scene + 1] += 1
        row["scene"] = str(first["scene"] + scene)
        rows.append(row)

    columns = ["image", "split", "ih", "iw", "sh", "sw"]
    columns += ["color", "object", "part", "material", "scene", "texture"]
    _write_csv(tmp / "index.csv", columns, rows)
    _write_csv(
        tmp / "category.csv",
        ["name", "first", "last", "count", "frequency"],
        [
            {
                "name": cat,
                "first": first[cat],
                "last": first[cat] + len(names[cat]) - 1,
                "count": len(names[cat]),
                "frequency": int((image_freq[cat][1:] > 0).sum()),
            }
            for cat in ("color", "object", "texture", "scene")
        ],
    )
    label_rows = []  # Broden's own layout: label 0 (unlabelled) has no row
    for cat in ("color", "object", "texture", "scene"):
        cat_rows = []
        for j, name in enumerate(names[cat]):
            freq = int(image_freq[cat][j + 1])
            coverage = float(pixel_freq[cat][j + 1] / (size * size)) if cat != "scene" else freq
            label_rows.append(
                {
                    "number": first[cat] + j,
                    "name": name,
                    "category": f"{cat}({freq})",
                    "frequency": freq,
                    "coverage": round(coverage, 4),
                }
            )
            cat_rows.append(
                {
                    "code": j + 1,
                    "number": first[cat] + j,
                    "name": name,
                    "frequency": freq,
                    "coverage": round(coverage, 4),
                }
            )
        _write_csv(
            tmp / f"c_{cat}.csv", ["code", "number", "name", "frequency", "coverage"], cat_rows
        )
    for r in label_rows:
        r["syns"] = ""
    _write_csv(
        tmp / "label.csv",
        ["number", "name", "category", "frequency", "coverage", "syns"],
        label_rows,
    )


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
