"""The book's published models: weights shipped with the repository, checked before every use.

Paper authors publish their checkpoints; so does this book. The trained weights of every model the
``book`` profile uses live in ``models/`` at the repository root as ``safetensors`` files (a
pickle-free format: loading one runs no code), with ``models/manifest.json`` beside them. For each
model the manifest records its recipe, the world's fingerprint, the training-code key
(:func:`unitroles.train.code_key`), the SHA-256 of its file, the weights digest
(:func:`unitroles.fit.weights_digest`), its train / val / test accuracy, training time, and the
CPU, torch version and thread count that trained it.

:func:`unitroles.train.train` asks :func:`find` first: a model whose cache key
(:func:`unitroles.train.cache_key`: recipe, world and training code) is in the manifest is loaded
from its file, after the file's SHA-256 matches the manifest's (a damaged or edited file is refused
with its path and the expected digest, never loaded). Only a model the manifest does not hold is
trained, into the cache. ``UNITROLES_MODELS=retrained`` makes every model come from the cache
instead (trained there on the reader's machine): that is how the book is replicated
(:mod:`unitroles.replication`, ``make retrain``).

Where the set is looked for: ``$UNITROLES_PUBLISHED`` (a folder holding ``manifest.json``) if set,
else ``models/`` of the checkout the library was installed from (``pip install -e lib``), so a
page run by ``make``, by ``python -m unitroles.execute``, by plain papermill from any directory or
in Jupyter finds the same set. :func:`describe` says where it looked.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from .store import checkout_root, file_digest

MANIFEST = "manifest.json"
MODES = ("published", "retrained")

_verified: dict[Path, tuple[int, int]] = {}  # files whose digest matched, with (size, mtime_ns)


class PublishedModelError(Exception):
    """A published model file that does not match its manifest entry (refused, never loaded)."""


@dataclass(frozen=True)
class Entry:
    """One published model: its manifest entry and the folder that holds its file."""

    folder: Path
    meta: dict

    @property
    def path(self) -> Path:
        return self.folder / self.meta["file"]


def folder() -> Path | None:
    """The published set's folder (``$UNITROLES_PUBLISHED`` or the checkout's ``models/``)."""
    env = os.environ.get("UNITROLES_PUBLISHED")
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    return root / "models" if root is not None else None


def mode() -> str:
    """``published`` (default): published models are used; ``retrained``: they are ignored and
    every model comes from the cache (``$UNITROLES_MODELS``)."""
    value = os.environ.get("UNITROLES_MODELS", "published").strip() or "published"
    if value not in MODES:
        raise ValueError(
            f"UNITROLES_MODELS={value!r} is not a models mode; use one of {', '.join(MODES)} "
            "(published: the repository's models; retrained: models trained on this machine)"
        )
    return value


def manifest(where: Path | None = None) -> dict | None:
    """The manifest of the set in ``where`` (default :func:`folder`), or None if there is none."""
    where = folder() if where is None else Path(where)
    if where is None or not (where / MANIFEST).is_file():
        return None
    try:
        data = json.loads((where / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise PublishedModelError(
            f"{where / MANIFEST} does not read as JSON ({err}); restore it from git "
            "(git checkout -- models/) or republish (make publish-models)"
        ) from err
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise PublishedModelError(f"{where / MANIFEST} has no 'models' list; restore it from git")
    return data


def find(key: str, where: Path | None = None) -> Entry | None:
    """The published entry whose cache key is ``key``, or None (also in ``retrained`` mode)."""
    if mode() != "published":
        return None
    where = folder() if where is None else Path(where)
    data = manifest(where)
    if data is None:
        return None
    for meta in data["models"]:
        if meta.get("key") == key:
            return Entry(where, meta)
    return None


def verify(entry: Entry) -> None:
    """Raise :class:`PublishedModelError`, naming the file and the expected digest, unless the
    file's SHA-256 is the manifest's. A file is hashed once per process while unchanged."""
    path = entry.path
    expected = entry.meta["sha256"]
    if not path.is_file():
        raise PublishedModelError(
            f"published model file {path} is missing (manifest {entry.folder / MANIFEST} lists it "
            f"with SHA-256 {expected}); restore it (git checkout -- {_shown(path)}) or republish "
            "(make publish-models)"
        )
    stat = path.stat()
    if _verified.get(path) == (stat.st_size, stat.st_mtime_ns):
        return
    found = file_digest(path)
    if found != expected:
        raise PublishedModelError(
            f"published model file {path} has SHA-256 {found}, but the manifest expects "
            f"{expected}: the file is damaged or was edited, so it was not loaded. Restore it "
            f"(git checkout -- {_shown(path)}) or, to publish new weights, run make publish-models"
        )
    _verified[path] = (stat.st_size, stat.st_mtime_ns)


def load(entry: Entry, model: nn.Module) -> nn.Module:
    """Load ``entry``'s verified weights into ``model`` (in place) and return it."""
    from safetensors.torch import load_file

    verify(entry)
    model.load_state_dict(load_file(str(entry.path), device="cpu"))
    return model


def save(model: nn.Module, path: Path) -> None:
    """Write ``model``'s state dict as a safetensors file."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path))


def describe() -> str:
    """One line: where the published models are looked for and whether they are used."""
    where = folder()
    if mode() == "retrained":
        return "models: UNITROLES_MODELS=retrained, every model comes from the cache (trained here)"
    if where is None:
        return (
            "models: no published set found (the library is not installed from a checkout); "
            "set UNITROLES_PUBLISHED to a folder with manifest.json, or models train here"
        )
    data = manifest(where)
    if data is None:
        return f"models: no manifest at {where / MANIFEST}; models not in the cache train here"
    return f"models: {len(data['models'])} published in {where} (digest-checked before use)"


def _shown(path: Path) -> str:
    root = checkout_root()
    try:
        return str(path.resolve().relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


__all__ = [
    "Entry",
    "MANIFEST",
    "PublishedModelError",
    "describe",
    "find",
    "folder",
    "load",
    "manifest",
    "mode",
    "save",
    "verify",
]
