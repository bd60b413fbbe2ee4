"""Network dissection by NetDissect's rule on a partially labelled Broden folder, and the layout
of the synthetic world's Broden export."""

import csv
import re

import numpy as np
import torch
from PIL import Image
from torch import nn

from unitroles import broden, broden_export, scenes
from unitroles import dissection as D

Q = 0.2  # a large top quantile: regions of many pixels on these tiny images
LABELS = [  # number, name, category
    (1, "red", "color"),
    (2, "blue", "color"),
    (3, "cup", "object"),
    (4, "car", "object"),
    (5, "hall", "scene"),
    (6, "beach", "scene"),
]


def write_partial_broden(root, n=9, size=12, seed=0):
    """Images that label some categories only: an object mask on some images (all zero on one of
    them), a colour mask on others, a scene label on a third set."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    rows = []
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
            root / "images" / f"{i}.png"
        )
        row = {"image": f"{i}.png", "split": "t", "ih": size, "iw": size, "sh": size, "sw": size}
        row.update(color="", object="", scene="")
        masks = {}
        if i % 3 != 0:  # an object mask; image 1's labels no pixel
            m = rng.choice([0, 3, 4], size=(size, size), p=[0.5, 0.3, 0.2])
            masks["object"] = m * (i != 1)
        if i % 2 == 0:  # a colour mask
            masks["color"] = rng.choice([0, 1, 2], size=(size, size))
        if i % 4 == 1:
            row["scene"] = str(5 + (i % 8 == 1))
        for cat, m in masks.items():
            rgb = np.zeros((size, size, 3), np.uint8)
            rgb[..., 0] = m
            Image.fromarray(rgb).save(root / "images" / f"{i}_{cat}.png")
            row[cat] = f"{i}_{cat}.png"
        rows.append(row)
    with open(root / "index.csv", "w", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(root / "label.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "name", "category", "frequency", "coverage", "syns"])
        for number, name, cat in LABELS:  # Broden's layout: no row 0
            w.writerow([number, name, f"{cat}(3)", 3, 0.1, ""])
    with open(root / "category.csv", "w", newline="") as f:
        csv.writer(f).writerows([["name"], ["color"], ["object"], ["scene"]])
    return broden.BrodenDataset(root)


class Strided(nn.Module):
    """Four random units at half resolution (the maps are upsampled to the masks)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 2, stride=2)
        self.relu = nn.ReLU()
        self.head = nn.Sequential(nn.Flatten(), nn.LazyLinear(2))

    def forward(self, x):
        return self.head(self.relu(self.conv(x)))


def scaled(x):
    return x.float() / 255 - 0.5


def brute_force(model, ds):
    """IoU with every image's full masks, summing over the images that label the category."""
    from unitroles import engine

    items = [ds[i] for i in range(len(ds))]
    act = engine.Engine(model, "relu", device="cpu").activations(
        scaled(torch.stack([it["image"] for it in items]))
    )
    region = D.active_regions(act, D.top_quantile_thresholds(act, Q), (12, 12)).numpy()
    numbers, names, cats = D.broden_concepts(ds)
    iou = np.zeros((act.shape[1], len(numbers)))
    for j, (number, cat) in enumerate(zip(numbers, cats)):
        inter = union = 0
        for x, it in enumerate(items):
            masks = [m.numpy() for m in it["masks"].get(cat, [])]
            scene = it["labels"].get(cat, [])
            if not scene and not any(m.any() for m in masks):
                continue  # the category is not labelled on this image
            mask = np.full((12, 12), number in scene)
            for m in masks:
                mask |= m == number
            inter = inter + (region[x] & mask).sum((1, 2))
            union = union + (region[x] | mask).sum((1, 2))
        iou[:, j] = np.where(union > 0, inter / np.maximum(union, 1), 0)
    return iou, items


def test_union_counts_only_images_that_label_the_category(tmp_path):
    ds = write_partial_broden(tmp_path / "b")
    assert ds.label_names()[0] == "-"  # implicit in Broden's layout
    model = Strided()
    model(torch.zeros(1, 3, 12, 12))
    ref, items = brute_force(model, ds)
    labelled = {c: [D.labelled(it, c) for it in items] for c in ("color", "object", "scene")}
    assert not all(labelled["object"]) and "object" in items[1]["masks"]  # listed, unlabelled
    assert sum(labelled["scene"]) == 2
    for batch_size in (2, 9):
        d = D.dissect(model, "relu", ds, scaled, quantile=Q, batch_size=batch_size, device="cpu")
        assert d.concepts == tuple(name for _, name, _ in LABELS)
        np.testing.assert_allclose(d.iou, ref, atol=1e-12)
    assert (ref > 0).mean() > 0.5


def test_world_export_is_in_brodens_layout_and_labels_every_category(tmp_path):
    world = scenes.SceneWorld(size=32, seed=1)
    root = broden_export.write_broden_folder(world, tmp_path / "broden", n_per_class=1)
    with open(root / "label.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert int(rows[0]["number"]) == 1  # no row 0, as in broden1_224
    for r in rows:  # NetDissect's loader parses `category(count)` in every row
        assert all(re.match(r"^([^(]*)\(([^)]*)\)$", f) for f in r["category"].split(";"))
    ds = broden.BrodenDataset(root)
    assert ds.label_names()[0] == "-"
    # every image labels every category: both rules count the same images
    for i in range(len(ds)):
        item = ds[i]
        assert all(D.labelled(item, c) for c in ds.categories if c in ("color", "object",
                   "texture", "scene"))  # fmt: skip
    assert not list(tmp_path.glob(".*"))  # nothing left beside the export
