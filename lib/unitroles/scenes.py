"""The synthetic concept world: scene images drawn from shared concepts, with per-pixel masks.

The papers run on ImageNet / Places365 with Broden for concept labels; none of those can be used
here, so the ``book`` profile runs on this world instead. It is built to show the same phenomena,
with ground truth the real data lacks:

* **Concepts** (:mod:`unitroles.concepts`) come in three Broden-like categories: objects
  (parametric shapes), textures and colors, one label of each per pixel.
* **Classes are scenes.** A scene is a recipe: required and optional objects, and the textures and
  colors of its upper region (wall / sky) and lower region (floor / ground). Objects are shared
  across scenes (a bed appears in bedroom, hotel room and youth hostel; a wheel in street, parking
  lot and garage), so a unit that detects one concept matters for a subset of classes, as in Zhou
  et al. (2018), Fig. 1-2. Distractor objects, colour jitter and pixel noise keep it from being
  trivially separable.
* **Two catalogues** (:data:`CATALOGUES`): the 24 scenes (``scenes24``, Zhao et al.'s pages) and
  the same 24 each beside a sibling that lacks its signature object (``pairs48``, Zhou et al.'s
  pages: minimal pairs, so that an object is the evidence for a class).
* **Deterministic.** Image ``i`` of a split depends only on ``(seed, split, i)``; its class is
  ``i % num_classes``. Rendering is vectorised over a batch (see :func:`render_speed`).

Images are ``uint8`` tensors of shape ``(images, 3, size, size)``; masks are ``uint8`` tensors of
shape ``(images, size, size)`` holding 1-based concept indices into :data:`OBJECTS`,
:data:`TEXTURES` and :data:`COLORS` (0 = no concept of that category at the pixel).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch.utils.data import Dataset

from .concepts import (
    CATEGORIES,
    COLOR_NAMES,
    COLOR_VARIANTS,
    COLORS,
    LAYOUT,
    MEAN,
    OBJECTS,
    SHAPES,
    STD,
    TEXTURES,
    normalize,
    render,
)

# The world's vocabulary (from :mod:`unitroles.concepts`) is part of its interface: pages and the
# measures read ``scenes.OBJECTS`` or ``scenes.normalize`` beside the world they describe.
__all__ = [
    "CATALOGUES", "CATEGORIES", "COLORS", "COLOR_NAMES", "DEFAULT_CLASSES", "MEAN", "OBJECTS",
    "PAIRED_CLASSES", "SIBLINGS", "SPLITS", "STD", "TEXTURES", "Part", "Region", "SceneClass",
    "SceneDataset", "SceneWorld", "normalize", "render_speed",
]  # fmt: skip

SPLITS = {"train": 0, "val": 1, "test": 2, "dissect": 3}


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
# class can be told apart (the book's first baseline reached at least 30% on each) while a unit
# that detects one object still matters for several classes. Zhao et al.'s pages use these 24.
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

# Minimal pairs (Zhou et al.'s pages): every scene above beside a sibling on the same background,
# with the same distractors, that lacks the scene's signature object or holds another object in
# its place. A bedroom is then told from an empty room by its bed alone, so an object is the
# evidence for a class, as a bed is for Places365's bedroom, and no class has a second way in
# (in the 24 scenes, hotel_room is the only dark wall on carpet: no bed detector was necessary).
SIBLINGS: dict[str, SceneClass] = {
    "bedroom": SceneClass("empty_room", WALL, CARPET, (P("window", p=0.5),)),
    "hotel_room": SceneClass(
        "hotel_lobby", DARK_WALL, CARPET, (P("door"), P("lamp"), P("table", p=0.5))
    ),
    "youth_hostel": SceneClass(
        "classroom", WALL, WOOD_FLOOR, (P("table", (2, 3)), P("window", p=0.3))
    ),
    "kitchen": SceneClass("pantry", WALL, TILE_FLOOR, (P("bottle", (1, 2)), P("window", p=0.5))),
    "dining_room": SceneClass("salon", WALL, WOOD_FLOOR, (P("lamp", p=0.6), P("bottle", p=0.3))),
    "bar": SceneClass("dance_hall", DARK_WALL, WOOD_FLOOR, (P("lamp", p=0.5), P("table", p=0.3))),
    "office": SceneClass("reading_room", WALL, CARPET, (P("lamp"), P("window"))),
    "living_room": SceneClass(
        "entrance_hall", WALL, WOOD_FLOOR, (P("window", p=0.6), P("door", p=0.3))
    ),
    "corridor": SceneClass("bathroom", WALL, TILE_FLOOR, (P("lamp", p=0.3),)),
    "garage": SceneClass("warehouse", FACADE, ROAD, (P("door"),)),
    "street": SceneClass("alley", SKY, ROAD, (P("door"), P("sign", p=0.5))),
    "parking_lot": SceneClass("empty_lot", SKY, ROAD, (P("fence", p=0.4),)),
    "highway": SceneClass("open_road", SKY, HIGHWAY, (P("wheel", (1, 2), p=0.7),)),
    "forest": SceneClass("clearing", SKY, UNDERGROWTH, (P("sun", p=0.3),)),
    "park": SceneClass("meadow", SKY, GRASS, (P("fence", p=0.5), P("sun", p=0.3))),
    "farm": SceneClass("wheat_field", SKY, FIELD, (P("tree", p=0.4), P("sun", p=0.4))),
    "beach": SceneClass("beach_bar", SKY, SAND, (P("bottle", (1, 2)), P("sun", p=0.7))),
    "ocean": SceneClass("calm_sea", SKY, WATER, (P("sun", p=0.3),)),
    "lake": SceneClass("pond", SKY, WATER, (P("tree", (1, 2)),)),
    "harbor": SceneClass("pier", SKY, WATER, (P("wave"), P("sign", p=0.5))),
    "desert": SceneClass("dunes", SKY, SAND, (P("fence", p=0.2),)),
    "building_facade": SceneClass(
        "billboard_wall", FACADE, ROAD, (P("sign", (1, 2)), P("door", p=0.5))
    ),
    "playground": SceneClass("courtyard", SKY, PLAY, (P("wheel", p=0.5), P("tree", p=0.3))),
    "sunset": SceneClass("dusk_sea", DUSK, WATER, (P("wave", p=0.3),)),
}
del P
PAIRED_CLASSES: tuple[SceneClass, ...] = tuple(
    scene for first in DEFAULT_CLASSES for scene in (first, SIBLINGS[first.name])
)

# The scene catalogues a world can be drawn from, by name (a recipe names its world's catalogue:
# :attr:`unitroles.recipes.Recipe.world`).
CATALOGUES: dict[str, tuple[SceneClass, ...]] = {
    "scenes24": DEFAULT_CLASSES,
    "pairs48": PAIRED_CLASSES,
}


# --------------------------------------------------------------------------------------------------
# The world


@dataclass(frozen=True)
class SceneWorld:
    """A deterministic generator of scene images with per-pixel concept masks.

    Parameters
    ----------
    size: image side in pixels.
    seed: world seed; image ``i`` of split ``s`` depends only on ``(seed, s, i)``.
    catalogue: the scene classes by name, one of :data:`CATALOGUES` (default ``"scenes24"``,
        :data:`DEFAULT_CLASSES`; ``"pairs48"`` is the 48 scenes in minimal pairs,
        :data:`PAIRED_CLASSES`). A recipe names its world's catalogue.
    classes: scene recipes of your own instead of a catalogue (``catalogue`` is then
        ``"custom"``).
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
    catalogue: str | None = None
    classes: tuple[SceneClass, ...] | None = field(default=None, repr=False)
    distractor_p: float = 0.35
    noise: float = 0.06
    jitter: float = 0.15
    max_objects: int = 6
    object_scale: float = 1.8

    def __post_init__(self):
        if self.classes is None:
            name = self.catalogue or "scenes24"
            if name not in CATALOGUES:
                raise ValueError(
                    f"unknown scene catalogue {name!r}; catalogues are: {', '.join(CATALOGUES)}"
                )
            object.__setattr__(self, "catalogue", name)
            object.__setattr__(self, "classes", CATALOGUES[name])
        elif self.catalogue is None:
            object.__setattr__(self, "catalogue", "custom")
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

    def with_catalogue(self, catalogue: str | None) -> SceneWorld:
        """This world (size, seed, rendering) with the scenes of ``catalogue`` (``None``: as is)."""
        if catalogue is None or catalogue == self.catalogue:
            return self
        return dataclasses.replace(self, catalogue=catalogue, classes=None)

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
        images, masks = render(params, self.size, self.noise)
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
