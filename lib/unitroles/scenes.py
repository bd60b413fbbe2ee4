"""The synthetic concept world: scene images drawn from shared concepts, with per-pixel masks.

The papers run on ImageNet / Places365 with Broden for concept labels; none of those can be used
here, so the ``book`` profile runs on this world instead. It is built to show the same phenomena,
with ground truth the real data lacks:

* **Concepts** come in three Broden-like categories. *Objects* are parametric shapes (bed, lamp,
  window, wheel, ...), *textures* are background patterns (stripes, checker, dots, ...), *colors*
  are named palette entries. Every pixel carries one label per category (0 = none).
* **Classes are scenes.** A scene is a recipe: required and optional objects, and the textures and
  colors of its upper region (wall / sky) and lower region (floor / ground). Objects are shared
  across scenes (a bed appears in bedroom, hotel room and youth hostel; a wheel in street, parking
  lot and garage), so a unit that detects one concept matters for a subset of classes, as in Zhou
  et al. (2018), Fig. 1-2. Distractor objects, colour jitter and pixel noise keep it from being
  trivially separable.
* **Deterministic.** Image ``i`` of a split depends only on ``(seed, split, i)``; its class is
  ``i % num_classes``. Rendering is vectorised over a batch (see :func:`render_speed`).

Images are ``uint8`` tensors of shape ``(images, 3, size, size)``; masks are ``uint8`` tensors of
shape ``(images, size, size)`` holding 1-based concept indices into :data:`OBJECTS`,
:data:`TEXTURES` and :data:`COLORS` (0 = no concept of that category at the pixel).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch.utils.data import Dataset

# --------------------------------------------------------------------------------------------------
# Concepts

COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.80, 0.12, 0.10),
    "orange": (0.95, 0.55, 0.10),
    "yellow": (0.95, 0.85, 0.20),
    "green": (0.20, 0.58, 0.20),
    "blue": (0.15, 0.30, 0.80),
    "sky": (0.55, 0.75, 0.95),
    "purple": (0.50, 0.20, 0.60),
    "pink": (0.95, 0.60, 0.70),
    "brown": (0.50, 0.30, 0.15),
    "white": (0.95, 0.95, 0.95),
    "gray": (0.50, 0.50, 0.50),
    "black": (0.10, 0.10, 0.10),
}
COLOR_NAMES: tuple[str, ...] = tuple(COLORS)
TEXTURES: tuple[str, ...] = ("plain", "stripes", "checker", "dots", "grain", "grid")
OBJECTS: tuple[str, ...] = (
    "bed", "lamp", "window", "wheel", "door", "tree",
    "wave", "sun", "table", "bottle", "sign", "fence",
)  # fmt: skip
CATEGORIES: tuple[str, ...] = ("object", "texture", "color")

# Normalisation applied by :func:`normalize` (images in [0, 1] -> roughly zero mean, unit scale).
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)

SPLITS = {"train": 0, "val": 1, "test": 2, "dissect": 3}


# --------------------------------------------------------------------------------------------------
# Object shapes. Each takes object-centred coordinates (u, v) in units of the object's half-height
# (u to the right, v downwards) and returns (part1, part2) boolean masks; part1 is drawn in the
# object's first colour, part2 in its second.

Shape = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _box(u, v, u0, u1, v0, v1):
    return (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)


def _bed(u, v):
    frame = _box(u, v, -1.1, 1.1, 0.0, 0.45) | _box(u, v, 0.9, 1.1, -0.15, 0.8)
    frame |= _box(u, v, -1.1, -0.95, 0.45, 0.8)
    head = _box(u, v, -1.1, -0.8, -0.7, 0.0)
    pillow = _box(u, v, -0.75, -0.3, -0.2, 0.0)
    return frame, head | pillow


def _lamp(u, v):
    shade = (v >= -1.0) & (v <= -0.2) & (u.abs() <= 0.25 + 0.45 * (v + 1.0))
    stem = _box(u, v, -0.07, 0.07, -0.2, 0.85) | _box(u, v, -0.4, 0.4, 0.85, 1.0)
    return shade, stem


def _window(u, v):
    inside = _box(u, v, -0.8, 0.8, -0.9, 0.9)
    bars = (u.abs() <= 0.07) | (v.abs() <= 0.07) | (u.abs() >= 0.68) | (v.abs() >= 0.78)
    return inside & ~bars, inside & bars


def _wheel(u, v):
    r = torch.sqrt(u * u + v * v)
    tyre = (r >= 0.6) & (r <= 1.0)
    spokes = (r < 0.6) & ((u.abs() <= 0.08) | (v.abs() <= 0.08) | (r <= 0.22))
    return tyre, spokes


def _door(u, v):
    panel = _box(u, v, -0.5, 0.5, -1.0, 1.0)
    knob = ((u - 0.3) ** 2 + v**2) <= 0.1**2
    return panel & ~knob, knob


def _tree(u, v):
    crown = (u**2 + (v + 0.3) ** 2) <= 0.7**2
    trunk = _box(u, v, -0.15, 0.15, 0.2, 1.0) & ~crown
    return crown, trunk


def _wave(u, v):
    centre = 0.3 * torch.sin(u * math.pi * 1.5)
    body = ((v - centre).abs() <= 0.3) & (u.abs() <= 1.6)
    crest = body & (v - centre <= -0.15)
    return body & ~crest, crest


def _sun(u, v):
    r = torch.sqrt(u * u + v * v)
    angle = torch.atan2(v, u)
    rays = (r >= 0.65) & (r <= 1.0) & (torch.remainder(angle, math.pi / 4) <= 0.22)
    return (r <= 0.5) | rays, torch.zeros_like(rays)


def _table(u, v):
    top = _box(u, v, -1.2, 1.2, -0.35, -0.1)
    legs = _box(u, v, -1.05, -0.85, -0.1, 0.8) | _box(u, v, 0.85, 1.05, -0.1, 0.8)
    return top | legs, torch.zeros_like(top)


def _bottle(u, v):
    body = _box(u, v, -0.28, 0.28, -0.25, 1.0) | _box(u, v, -0.1, 0.1, -0.9, -0.25)
    label = _box(u, v, -0.28, 0.28, 0.2, 0.55)
    return body & ~label, label


def _sign(u, v):
    plate = (u.abs() + (v + 0.45).abs()) <= 0.55
    pole = _box(u, v, -0.06, 0.06, 0.1, 1.0) & ~plate
    return plate, pole


def _fence(u, v):
    pickets = (torch.remainder((u + 1.6) * 2.5, 1.0) <= 0.35) & _box(u, v, -1.6, 1.6, -0.7, 1.0)
    rails = _box(u, v, -1.6, 1.6, -0.3, -0.15) | _box(u, v, -1.6, 1.6, 0.45, 0.6)
    return pickets | rails, torch.zeros_like(pickets)


SHAPES: dict[str, Shape] = {
    "bed": _bed, "lamp": _lamp, "window": _window, "wheel": _wheel, "door": _door,
    "tree": _tree, "wave": _wave, "sun": _sun, "table": _table, "bottle": _bottle,
    "sign": _sign, "fence": _fence,
}  # fmt: skip
assert tuple(SHAPES) == OBJECTS


@dataclass(frozen=True)
class ObjectLayout:
    """Where an object sits by default: centre height range, half-height range (image units)."""

    y: tuple[float, float]
    size: tuple[float, float]
    colors: tuple[str, str]  # default (part1, part2) colour choices are drawn around these


LAYOUT: dict[str, ObjectLayout] = {
    "bed": ObjectLayout((0.68, 0.80), (0.14, 0.21), ("red", "white")),
    "lamp": ObjectLayout((0.45, 0.62), (0.16, 0.22), ("yellow", "black")),
    "window": ObjectLayout((0.25, 0.40), (0.13, 0.20), ("sky", "white")),
    "wheel": ObjectLayout((0.70, 0.84), (0.10, 0.16), ("black", "gray")),
    "door": ObjectLayout((0.50, 0.62), (0.23, 0.31), ("brown", "yellow")),
    "tree": ObjectLayout((0.45, 0.65), (0.18, 0.29), ("green", "brown")),
    "wave": ObjectLayout((0.66, 0.82), (0.12, 0.17), ("blue", "white")),
    "sun": ObjectLayout((0.12, 0.28), (0.10, 0.16), ("yellow", "yellow")),
    "table": ObjectLayout((0.68, 0.78), (0.13, 0.18), ("brown", "brown")),
    "bottle": ObjectLayout((0.52, 0.70), (0.12, 0.17), ("green", "white")),
    "sign": ObjectLayout((0.50, 0.62), (0.18, 0.23), ("red", "gray")),
    "fence": ObjectLayout((0.66, 0.78), (0.12, 0.17), ("white", "white")),
}

# Colour alternatives: an object drawn with base colour c may instead take one of these.
COLOR_VARIANTS: dict[str, tuple[str, ...]] = {
    "red": ("red", "orange", "pink", "purple"),
    "white": ("white", "gray", "pink", "yellow"),
    "yellow": ("yellow", "orange", "white"),
    "black": ("black", "gray", "brown"),
    "sky": ("sky", "blue", "white"),
    "gray": ("gray", "white", "black"),
    "brown": ("brown", "black", "orange", "gray"),
    "green": ("green", "brown", "blue"),
    "blue": ("blue", "sky"),
    "orange": ("orange",),
    "purple": ("purple",),
    "pink": ("pink",),
}


# --------------------------------------------------------------------------------------------------
# Scene recipes


@dataclass(frozen=True)
class Region:
    """A background region: its allowed textures and colours (a pattern uses two distinct ones)."""

    textures: tuple[str, ...]
    colors: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """An object in a scene recipe: ``count`` drawn uniformly in [lo, hi] with probability ``p``."""

    name: str
    count: tuple[int, int] = (1, 1)
    p: float = 1.0


@dataclass(frozen=True)
class SceneClass:
    """A scene class: background regions, a horizon range and its objects."""

    name: str
    upper: Region
    lower: Region
    parts: tuple[Part, ...]
    horizon: tuple[float, float] = (0.50, 0.62)


WALL = Region(("plain", "stripes", "dots"), ("white", "yellow", "pink", "sky", "gray"))
DARK_WALL = Region(("plain", "stripes", "grid"), ("brown", "black", "purple", "red"))
WOOD_FLOOR = Region(("grain", "plain"), ("brown", "orange", "black"))
TILE_FLOOR = Region(("checker", "grid"), ("white", "black", "gray", "sky"))
CARPET = Region(("plain", "dots", "grain"), ("red", "purple", "gray", "brown"))
SKY = Region(("plain",), ("sky", "blue", "white"))
DUSK = Region(("plain", "stripes"), ("orange", "pink", "purple", "red"))
GRASS = Region(("grain", "plain"), ("green", "yellow"))
ROAD = Region(("plain", "stripes", "grid"), ("gray", "black", "white"))
SAND = Region(("grain", "dots", "plain"), ("yellow", "orange", "white"))
WATER = Region(("stripes", "plain"), ("blue", "sky"))
FACADE = Region(("grid", "plain", "checker"), ("gray", "white", "brown"))
HIGHWAY = Region(("stripes",), ("gray", "black"))
FIELD = Region(("stripes", "grain"), ("yellow", "brown", "orange"))
PLAY = Region(("plain", "dots"), ("red", "blue", "purple"))
UNDERGROWTH = Region(("grain", "dots"), ("brown", "green", "black"))

P = Part
# Scenes that share objects differ in a required object or in a background region, so that every
# class can be told apart (the book's baseline reaches at least 30% on each) while a unit that
# detects one object still matters for several classes.
DEFAULT_CLASSES: tuple[SceneClass, ...] = (
    SceneClass("bedroom", WALL, CARPET, (P("bed"), P("window", p=0.5))),
    SceneClass("hotel_room", DARK_WALL, CARPET, (P("bed"), P("lamp"), P("table", p=0.5))),
    SceneClass("youth_hostel", WALL, WOOD_FLOOR, (P("bed", (2, 3)), P("window", p=0.3))),
    SceneClass("kitchen", WALL, TILE_FLOOR, (P("table"), P("bottle", (1, 2)), P("window", p=0.5))),
    SceneClass("dining_room", WALL, WOOD_FLOOR, (P("table"), P("lamp", p=0.6), P("bottle", p=0.3))),
    SceneClass(
        "bar", DARK_WALL, WOOD_FLOOR, (P("bottle", (2, 4)), P("lamp", p=0.5), P("table", p=0.3))
    ),
    SceneClass("office", WALL, CARPET, (P("table"), P("lamp"), P("window"))),
    SceneClass("living_room", WALL, WOOD_FLOOR, (P("lamp"), P("window", p=0.6), P("door", p=0.3))),
    SceneClass("corridor", WALL, TILE_FLOOR, (P("door", (2, 3)), P("lamp", p=0.3))),
    SceneClass("garage", FACADE, ROAD, (P("door"), P("wheel", (1, 2)))),
    SceneClass("street", SKY, ROAD, (P("wheel", (2, 2)), P("door"), P("sign", p=0.5))),
    SceneClass("parking_lot", SKY, ROAD, (P("wheel", (3, 4)), P("fence", p=0.4))),
    SceneClass("highway", SKY, HIGHWAY, (P("sign"), P("wheel", (1, 2), p=0.7))),
    SceneClass("forest", SKY, UNDERGROWTH, (P("tree", (3, 5)),)),
    SceneClass("park", SKY, GRASS, (P("tree", (1, 2)), P("fence", p=0.5), P("sun", p=0.3))),
    SceneClass("farm", SKY, FIELD, (P("fence"), P("tree", p=0.4), P("sun", p=0.4))),
    SceneClass("beach", SKY, SAND, (P("wave"), P("sun", p=0.7))),
    SceneClass("ocean", SKY, WATER, (P("wave", (2, 3)),)),
    SceneClass("lake", SKY, WATER, (P("wave"), P("tree", (1, 2)))),
    SceneClass("harbor", SKY, WATER, (P("wave"), P("window"), P("sign", p=0.5))),
    SceneClass("desert", SKY, SAND, (P("sun"), P("fence", p=0.2))),
    SceneClass("building_facade", FACADE, ROAD, (P("window", (3, 5)), P("door", p=0.5))),
    SceneClass("playground", SKY, PLAY, (P("fence"), P("wheel", p=0.5), P("tree", p=0.3))),
    SceneClass("sunset", DUSK, WATER, (P("sun"), P("wave", p=0.3))),
)
del P


# --------------------------------------------------------------------------------------------------
# The world


@dataclass(frozen=True)
class SceneWorld:
    """A deterministic generator of scene images with per-pixel concept masks.

    Parameters
    ----------
    size: image side in pixels.
    seed: world seed; image ``i`` of split ``s`` depends only on ``(seed, s, i)``.
    classes: scene recipes (default: :data:`DEFAULT_CLASSES`, 24 scenes).
    distractor_p: probability that an image also holds one object drawn from all objects.
    noise: standard deviation of per-pixel Gaussian noise, in [0, 1] intensity units.
    jitter: maximum per-channel multiplicative colour jitter (0.1 = +-10%).
    max_objects: objects drawn per image at most (extra ones are dropped).
    object_scale: factor on every object's size range in :data:`LAYOUT`. At 1.8 (the default) an
        object is about 17-54 px tall in a 48 px image, so that it fills at least one cell of
        alexnet-mini's 5 x 5 conv5 map; at 1.0 (the first version of this world) objects were
        10-30 px and few conv5 units became object detectors.
    """

    size: int = 48
    seed: int = 0
    classes: tuple[SceneClass, ...] = field(default=DEFAULT_CLASSES, repr=False)
    distractor_p: float = 0.35
    noise: float = 0.06
    jitter: float = 0.15
    max_objects: int = 6
    object_scale: float = 1.8

    def __post_init__(self):
        if self.size < 16:
            raise ValueError(f"SceneWorld size must be at least 16 px, got {self.size}")
        if len(self.classes) < 2:
            raise ValueError("SceneWorld needs at least two scene classes")
        for cls in self.classes:
            for part in cls.parts:
                if part.name not in SHAPES:
                    raise ValueError(
                        f"scene {cls.name!r} uses unknown object {part.name!r}; "
                        f"objects are: {', '.join(OBJECTS)}"
                    )

    # -- identity ---------------------------------------------------------------------------------

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def fingerprint(self) -> str:
        """A content hash of everything that determines the images (for caches)."""
        spec = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(spec.encode()).hexdigest()[:16]

    def label(self, index: int | np.ndarray) -> int | np.ndarray:
        """Class of image ``index`` (the same in every split): ``index % num_classes``."""
        return index % self.num_classes

    # -- sampling ---------------------------------------------------------------------------------

    def _rng(self, split: str, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, SPLITS[split], int(index)])

    def _sample(self, split: str, index: int) -> dict:
        """Draw one image's parameters (its recipe instance)."""
        rng = self._rng(split, index)
        cls = self.classes[index % self.num_classes]
        p = {"horizon": rng.uniform(*cls.horizon)}
        for key, region in (("upper", cls.upper), ("lower", cls.lower)):
            colors = rng.choice(len(region.colors), size=2, replace=len(region.colors) < 2)
            p[key] = (
                TEXTURES.index(region.textures[rng.integers(len(region.textures))]),
                COLOR_NAMES.index(region.colors[colors[0]]),
                COLOR_NAMES.index(region.colors[colors[1]]),
                rng.uniform(3.0, 7.0),  # pattern frequency, cycles per image
                rng.integers(3),  # orientation: 0 horizontal, 1 vertical, 2 diagonal
                rng.uniform(0.0, 1.0),  # phase
            )
        names = []
        for part in cls.parts:
            if rng.random() < part.p:
                names += [part.name] * int(rng.integers(part.count[0], part.count[1] + 1))
        if rng.random() < self.distractor_p:
            names.insert(0, OBJECTS[rng.integers(len(OBJECTS))])  # drawn first: behind the rest
        objects = []
        for name in names[: self.max_objects]:
            layout = LAYOUT[name]
            c1 = rng.choice(COLOR_VARIANTS[layout.colors[0]])
            c2 = rng.choice(COLOR_VARIANTS[layout.colors[1]])
            objects.append(
                (
                    OBJECTS.index(name),
                    rng.uniform(0.15, 0.85),  # centre x
                    rng.uniform(*layout.y),  # centre y
                    self.object_scale * rng.uniform(*layout.size),  # half-height
                    COLOR_NAMES.index(c1),
                    COLOR_NAMES.index(c2),
                    1.0 if rng.random() < 0.5 else -1.0,  # mirror
                )
            )
        p["objects"] = objects
        p["gain"] = 1.0 + rng.uniform(-self.jitter, self.jitter, size=3)
        p["noise"] = rng.standard_normal((3, self.size, self.size), dtype=np.float32)
        return p

    def sample(
        self, split: str, indices: Sequence[int] | np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Render images ``indices`` of ``split``.

        Returns ``(images, labels, masks)``: images ``uint8 (n, 3, size, size)``, labels
        ``int64 (n,)``, masks ``{category: uint8 (n, size, size)}`` with 1-based concept indices.
        """
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; splits are: {', '.join(SPLITS)}")
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if indices.size and indices.min() < 0:
            raise ValueError("image indices must be non-negative")
        params = [self._sample(split, int(i)) for i in indices]
        images, masks = _render(params, self.size, self.noise)
        labels = torch.from_numpy(self.label(indices)).long()
        return images, labels, masks

    def render_split(
        self, split: str, n_per_class: int, *, batch_size: int = 1024, progress: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Render the first ``n_per_class * num_classes`` images of ``split`` (balanced classes)."""
        if n_per_class < 1:
            raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
        n = n_per_class * self.num_classes
        chunks = range(0, n, batch_size)
        if progress:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, desc=f"render {split}", unit="batch", leave=False)
        parts = [self.sample(split, np.arange(s, min(s + batch_size, n))) for s in chunks]
        images = torch.cat([p[0] for p in parts])
        labels = torch.cat([p[1] for p in parts])
        masks = {c: torch.cat([p[2][c] for p in parts]) for c in CATEGORIES}
        return images, labels, masks

    def class_table(self) -> list[dict]:
        """The scene recipes as rows (for a table in the book)."""
        rows = []
        for i, cls in enumerate(self.classes):
            parts = ", ".join(
                (f"{p.name}×{p.count[0]}" + (f"–{p.count[1]}" if p.count[1] > p.count[0] else ""))
                + ("" if p.p >= 1 else f" (p={p.p:g})")
                for p in cls.parts
            )
            rows.append(
                {
                    "class": i,
                    "scene": cls.name,
                    "objects": parts,
                    "upper textures": "/".join(cls.upper.textures),
                    "upper colors": "/".join(cls.upper.colors),
                    "lower textures": "/".join(cls.lower.textures),
                    "lower colors": "/".join(cls.lower.colors),
                }
            )
        return rows


# --------------------------------------------------------------------------------------------------
# Rendering (vectorised over the batch)


def _pattern(name: str, freq, orient, phase, yy, xx) -> torch.Tensor:
    """Texture ``name`` as a (n, S, S) bool pattern, for per-image parameters of shape (n,)."""
    f, ph, o = freq[:, None, None], phase[:, None, None], orient[:, None, None]
    coord = torch.where(o == 0, yy, torch.where(o == 1, xx, (xx + yy) / math.sqrt(2)))
    if name == "plain":
        return torch.zeros(coord.shape, dtype=torch.bool)
    if name == "stripes":
        return torch.remainder(coord * f + ph, 1.0) < 0.5
    if name == "checker":
        return (torch.floor(xx * f + ph) + torch.floor(yy * f + ph)).remainder(2) == 1
    if name == "dots":
        dx = torch.remainder(xx * f * 1.5 + ph, 1.0) - 0.5
        dy = torch.remainder(yy * f * 1.5 + ph, 1.0) - 0.5
        return dx * dx + dy * dy < 0.09
    if name == "grain":
        wobble = 0.35 * torch.sin(2 * math.pi * (xx + yy) * 2.0 + ph * 6)
        return torch.remainder(coord * f * 1.5 + wobble, 1.0) < 0.3
    if name == "grid":
        return (torch.remainder(xx * f + ph, 1.0) < 0.15) | (
            torch.remainder(yy * f + ph, 1.0) < 0.15
        )
    raise ValueError(f"unknown texture {name!r}")


def _render(params: list[dict], size: int, noise: float):
    """Rasterise sampled parameters: uint8 images (n, 3, S, S) and uint8 masks (n, S, S)."""
    n = len(params)
    centres = (torch.arange(size, dtype=torch.float32) + 0.5) / size
    yy, xx = torch.meshgrid(centres, centres, indexing="ij")  # (S, S), image units

    color = torch.zeros(n, size, size, dtype=torch.uint8)  # 0-based index into COLORS
    texture = torch.zeros(n, size, size, dtype=torch.uint8)  # 1-based, 0 = none
    obj = torch.zeros(n, size, size, dtype=torch.uint8)  # 1-based, 0 = none
    horizon = torch.tensor([p["horizon"] for p in params], dtype=torch.float32)
    upper = yy < horizon[:, None, None]
    for key, region in (("upper", upper), ("lower", ~upper)):
        table = np.array([p[key] for p in params], dtype=np.float64)  # (n, 6)
        kinds = table[:, 0].astype(np.int64)
        for t in np.unique(kinds):
            idx = torch.from_numpy(np.flatnonzero(kinds == t))
            c1, c2, freq, orient, phase = (
                torch.from_numpy(table[idx.numpy(), j]) for j in range(1, 6)
            )
            pat = _pattern(TEXTURES[t], freq.float(), orient.long(), phase.float(), yy, xx)
            painted = torch.where(
                pat, c2.to(torch.uint8)[:, None, None], c1.to(torch.uint8)[:, None, None]
            )
            color[idx] = torch.where(region[idx], painted, color[idx])
            texture[idx] = texture[idx].masked_fill(region[idx], int(t) + 1)

    # Objects, painted back to front slot by slot; one vectorised call per (slot, object type).
    slots = max((len(p["objects"]) for p in params), default=0)
    for k in range(slots):
        rows = [(i, *p["objects"][k]) for i, p in enumerate(params) if len(p["objects"]) > k]
        table = np.array(rows, dtype=np.float64)  # (m, 8): image, kind, cx, cy, s, c1, c2, mirror
        for t in np.unique(table[:, 1]).astype(np.int64):
            sel = table[table[:, 1] == t]
            idx = torch.from_numpy(sel[:, 0].astype(np.int64))
            cx, cy, s, c1, c2, mirror = (
                torch.from_numpy(sel[:, j]).float()[:, None, None] for j in range(2, 8)
            )
            u = (xx - cx) / s * mirror
            v = (yy - cy) / s
            part1, part2 = SHAPES[OBJECTS[t]](u, v)
            inside = part1 | part2
            painted = torch.where(part2, c2.to(torch.uint8), c1.to(torch.uint8))
            color[idx] = torch.where(inside, painted, color[idx])
            obj[idx] = obj[idx].masked_fill(inside, int(t) + 1)
            texture[idx] = texture[idx].masked_fill(inside, 0)

    palette = torch.tensor(list(COLORS.values()), dtype=torch.float32)  # (colors, 3)
    image = palette[color.long()].permute(0, 3, 1, 2)  # (n, 3, S, S)
    gain = torch.from_numpy(np.stack([p["gain"] for p in params])).float()
    image = image * gain[:, :, None, None]
    image += noise * torch.from_numpy(np.stack([p["noise"] for p in params]))
    image = image.clamp_(0, 1).mul_(255).round_().to(torch.uint8)
    masks = {"object": obj, "texture": texture, "color": color + 1}
    return image, masks


def normalize(images: torch.Tensor) -> torch.Tensor:
    """``uint8 (n, 3, H, W)`` images -> float32 network input with :data:`MEAN` / :data:`STD`."""
    x = images.float().div_(255)
    mean = torch.tensor(MEAN, device=x.device)[:, None, None]
    std = torch.tensor(STD, device=x.device)[:, None, None]
    return (x - mean) / std


def render_speed(world: SceneWorld | None = None, n: int = 2048, repeats: int = 3) -> float:
    """Median images per second of :meth:`SceneWorld.sample` on this machine, masks included."""
    world = world or SceneWorld()
    world.sample("train", np.arange(64))  # warm-up
    rates = []
    for r in range(repeats):
        start = time.perf_counter()
        world.sample("train", np.arange(r * n, (r + 1) * n))
        rates.append(n / (time.perf_counter() - start))
    return float(np.median(rates))


# --------------------------------------------------------------------------------------------------
# Torch dataset


class SceneDataset(Dataset):
    """A balanced split of the world, rendered once into memory.

    ``dataset[i]`` is ``(image, label)`` with image normalised float32 ``(3, size, size)``.
    ``dataset.images`` (uint8), ``dataset.labels`` and, if ``masks=True``, ``dataset.masks`` hold
    the whole split.
    """

    def __init__(
        self,
        world: SceneWorld,
        split: str,
        n_per_class: int,
        *,
        masks: bool = False,
        progress: bool = False,
    ):
        self.world, self.split, self.n_per_class = world, split, n_per_class
        images, labels, all_masks = world.render_split(split, n_per_class, progress=progress)
        self.images, self.labels = images, labels
        self.masks = all_masks if masks else None

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return normalize(self.images[i : i + 1])[0], int(self.labels[i])

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole split as ``(normalised images (n, 3, S, S), labels (n,))``."""
        return normalize(self.images), self.labels

    def fingerprint(self) -> str:
        return f"{self.world.fingerprint()}-{self.split}-{self.n_per_class}"
