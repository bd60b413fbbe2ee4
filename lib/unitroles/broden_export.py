"""The synthetic world written in Broden's on-disk format (the raw writer).

Apart from :mod:`unitroles.scenes` because it does not determine any model's weights: the scenes
module (concepts and rendering) keys every trained model (:func:`unitroles.train.code_key`), this
one keys none. :func:`unitroles.data.export_broden` is what callers use: it adds Broden's own
``label.csv`` layout and publishes the folder whole.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np

from .scenes import CATEGORIES, COLOR_NAMES, OBJECTS, TEXTURES, SceneWorld

__all__ = ["write_broden"]


def write_broden(
    world: SceneWorld,
    root: str | os.PathLike,
    *,
    split: str = "dissect",
    n_per_class: int = 10,
    progress: bool = False,
) -> Path:
    """Write ``n_per_class * num_classes`` images of ``split`` in Broden's on-disk format.

    Layout (as in the Broden dataset used by network dissection)::

        root/index.csv      image,split,ih,iw,sh,sw,color,object,part,material,scene,texture
        root/category.csv   name,first,last,count,frequency
        root/label.csv      number,name,category,frequency,coverage,syns
        root/c_<cat>.csv    code,number,name,frequency,coverage
        root/images/scenes/<i>.png, <i>_object.png, <i>_color.png, <i>_texture.png

    Label numbers are global (0 = unlabeled); a mask PNG stores ``number = R + 256 * G``. Scene
    classes are written as image-level labels in the ``scene`` column. Images are PNG (lossless),
    so a reader recovers the pixels exactly. Written to a temporary folder, then renamed, so an
    interrupted export leaves nothing that looks complete.
    """
    root = Path(root)
    if (root / "index.csv").exists():
        raise FileExistsError(f"{root} already holds a Broden export; remove it or pick another")
    tmp = root.with_name(root.name + f".tmp{os.getpid()}")
    (tmp / "images" / "scenes").mkdir(parents=True, exist_ok=True)
    try:
        _write_broden(world, tmp, split, n_per_class, progress)
        root.parent.mkdir(parents=True, exist_ok=True)
        if root.exists():
            root.rmdir()  # an empty folder left by the caller; a non-empty one raises here
        os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def _write_broden(world: SceneWorld, tmp: Path, split: str, n_per_class: int, progress: bool):
    """The body of :func:`write_broden`: render and write every file into ``tmp``."""
    from PIL import Image

    # Global label numbering: colours, objects, textures, then scenes (0 = unlabeled).
    names = {"color": COLOR_NAMES, "object": OBJECTS, "texture": TEXTURES}
    names["scene"] = world.class_names
    first, number = {}, 1
    for cat in ("color", "object", "texture", "scene"):
        first[cat] = number
        number += len(names[cat])

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
    label_rows = [{"number": 0, "name": "-", "category": "", "frequency": 0, "coverage": 0}]
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
