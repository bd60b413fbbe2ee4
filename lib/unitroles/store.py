"""A content-addressed, atomic cache for trained models and computed results.

Every entry lives in ``<root>/<kind>/<name>-<key>/`` where ``key`` hashes everything that
determines the entry (a recipe, a data fingerprint, the code version). A changed input therefore
never reuses a stale entry: it is simply a different key. Entries are written into a temporary
folder and renamed into place in one step, so an interrupted run never leaves a half-written entry
that later looks complete.

The root is ``$UNITROLES_CACHE`` if set, else ``~/.cache/unitroles`` (``make book`` points it at
the repository's ``.cache/``).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import inspect
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any


def cache_root() -> Path:
    """The cache root: ``$UNITROLES_CACHE`` or ``~/.cache/unitroles``."""
    env = os.environ.get("UNITROLES_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "unitroles"


def content_key(*parts: Any, length: int = 16) -> str:
    """A short SHA-256 hex digest of JSON-serialisable ``parts`` (dict keys sorted)."""
    text = json.dumps(parts, sort_keys=True, default=_jsonable)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot hash a {type(value).__name__} into a cache key: {value!r}")


def code_version(*modules: ModuleType) -> str:
    """A hash of what ``modules`` compute: editing their code changes every key that uses it.

    The hash is taken over each module's syntax tree without docstrings, so comments, docstrings
    and formatting can change without invalidating trained models and results.
    """
    digest = hashlib.sha256()
    for module in modules:
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (
                isinstance(body, list)
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
        digest.update(ast.dump(tree, include_attributes=False).encode())
    return digest.hexdigest()[:16]


class Store:
    """A folder of content-addressed entries (see the module docstring)."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else cache_root()

    def path(self, kind: str, name: str, key: str) -> Path:
        return self.root / kind / f"{name}-{key}"

    def has(self, kind: str, name: str, key: str) -> bool:
        return (self.path(kind, name, key) / "meta.json").is_file()

    def load_meta(self, kind: str, name: str, key: str) -> dict:
        return json.loads((self.path(kind, name, key) / "meta.json").read_text())

    @contextlib.contextmanager
    def writing(self, kind: str, name: str, key: str, meta: dict) -> Iterator[Path]:
        """Yield a temporary folder to fill; on success write ``meta.json`` and move it in place.

        If the body raises, the temporary folder is removed and nothing is published.
        ``meta.json`` is written last, so an entry without it is never treated as complete.
        """
        final = self.path(kind, name, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            yield tmp
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
            if final.exists():  # a concurrent writer finished first; its entry is equivalent
                shutil.rmtree(tmp)
            else:
                os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
