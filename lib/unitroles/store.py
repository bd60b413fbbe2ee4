"""A content-addressed, atomic cache for trained models and computed results.

Every entry lives in ``<root>/<kind>/<name>-<key>/`` where ``key`` hashes everything that
determines the entry (a recipe, a data fingerprint, the code version). A changed input therefore
never reuses a stale entry: it is simply a different key. Entries are written into a temporary
folder and renamed into place in one step, so an interrupted run never leaves a half-written entry
that later looks complete.

Every entry also records the SHA-256 of each of its files (``checksums.json``, written at publish
time by :meth:`Store.writing`). :meth:`Store.has` checks them: an entry whose files no longer match
(truncated, bit-flipped, emptied) is reported with its path, moved aside into ``<kind>/.corrupt/``
and treated as absent, so the caller recomputes it. Entries published before checksums existed are
accepted as long as their ``meta.json`` reads.

Two processes that need the same entry at once (two pages sharing a sweep under ``make -j``, a page
run while ``make book`` runs) coordinate through a lock file per entry (``fcntl.flock``,
:meth:`Store.lock`): :meth:`Store.get_or_create` computes under it, so the second process waits and
then loads the first one's result.

The root is ``$UNITROLES_CACHE`` if set, else ``.cache/unitroles`` of the checkout the library was
installed from (else ``~/.cache/unitroles``): see :func:`cache_root`.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import fcntl
import hashlib
import inspect
import json
import os
import shutil
import sys
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar


class CorruptEntry(Exception):
    """A cache entry whose files do not match the checksums recorded when it was published."""


# What a damaged file raises when numpy, json or torch read it.
LOAD_ERRORS = (OSError, EOFError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile)

CHECKSUMS = "checksums.json"  # in every entry: SHA-256 and size of each of its other files

_held: dict[Path, int] = {}  # lock files this process holds, with their nesting depth
_verified: dict[Path, tuple] = {}  # entries checked by this process, with their files' stat

T = TypeVar("T")


def file_digest(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS)


def _checksums(folder: Path) -> dict:
    files = {
        p.relative_to(folder).as_posix(): {"sha256": file_digest(p), "bytes": p.stat().st_size}
        for p in _files(folder)
    }
    return {"files": files, "self": content_key(files, length=64)}


def checkout_root() -> Path | None:
    """The repository checkout this library was installed from (``pip install -e lib``), or None
    when it was installed some other way."""
    root = Path(__file__).resolve().parents[2]
    if (root / "lib" / "pyproject.toml").is_file() and (root / "_config.yml").is_file():
        return root
    return None


def cache_root() -> Path:
    """The cache root: ``$UNITROLES_CACHE``, else ``.cache/unitroles`` of the checkout the library
    was installed from, else ``~/.cache/unitroles``. The checkout's folder is the default so that
    ``make``, ``python -m unitroles.execute``, plain papermill run from any directory and a
    notebook opened in Jupyter share one cache."""
    env = os.environ.get("UNITROLES_CACHE")
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    return root / ".cache" / "unitroles" if root else Path.home() / ".cache" / "unitroles"


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
        """Whether the entry is published and intact.

        An entry that fails :meth:`verify` is moved aside (:meth:`discard`, with a warning naming
        its path) and reported absent, so the caller computes it again.
        """
        path = self.path(kind, name, key)
        if not (path / "meta.json").is_file():
            return False
        try:
            self.verify(kind, name, key)
        except CorruptEntry:
            with self.lock(kind, name, key):  # another process may be replacing it right now
                try:
                    self.verify(kind, name, key)
                except CorruptEntry as err:
                    self.discard(kind, name, key, str(err))
                    return False
        return (path / "meta.json").is_file()

    def verify(self, kind: str, name: str, key: str) -> None:
        """Raise :class:`CorruptEntry` (naming the entry's path) unless every file of the entry
        matches its recorded checksum and ``meta.json`` reads. Entries published before checksums
        were recorded are checked for a readable ``meta.json`` only."""
        path = self.path(kind, name, key)
        stamp = tuple(
            (p.relative_to(path).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(path.rglob("*"))
        )
        if _verified.get(path) == stamp:
            return
        try:
            json.loads((path / "meta.json").read_text())
        except (OSError, ValueError) as err:
            raise CorruptEntry(f"cache entry {path}: meta.json does not read ({err})") from err
        if (path / CHECKSUMS).is_file():
            try:
                recorded = json.loads((path / CHECKSUMS).read_text())
                files = recorded["files"]
                intact = recorded["self"] == content_key(files, length=64)
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise CorruptEntry(
                    f"cache entry {path}: {CHECKSUMS} does not read ({err})"
                ) from err
            if not intact:
                raise CorruptEntry(f"cache entry {path}: {CHECKSUMS} was altered")
            present = {p.relative_to(path).as_posix() for p in _files(path)}
            for rel, want in files.items():
                if rel not in present:
                    raise CorruptEntry(f"cache entry {path}: {rel} is missing")
                file = path / rel
                if file.stat().st_size != want["bytes"] or file_digest(file) != want["sha256"]:
                    raise CorruptEntry(
                        f"cache entry {path}: {rel} does not match its checksum "
                        f"({file.stat().st_size} bytes, {want['bytes']} when written)"
                    )
        _verified[path] = stamp

    def discard(self, kind: str, name: str, key: str, reason: str) -> Path | None:
        """Move a damaged entry aside into ``<root>/<kind>/.corrupt/`` (kept for inspection, never
        read again) and warn with both paths; return where it went (None if already gone)."""
        path = self.path(kind, name, key)
        aside = self.root / kind / ".corrupt" / f"{path.name}-{uuid.uuid4().hex[:8]}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        _verified.pop(path, None)
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return None  # another process moved it first
        warnings.warn(f"{reason}; moved it aside to {aside} and computing it again", stacklevel=3)
        return aside

    def load_meta(self, kind: str, name: str, key: str) -> dict:
        path = self.path(kind, name, key) / "meta.json"
        try:
            return json.loads(path.read_text())
        except ValueError as err:
            raise CorruptEntry(
                f"cache entry {path.parent}: meta.json does not read ({err}); delete the folder "
                "and run again"
            ) from err

    @contextlib.contextmanager
    def lock(self, kind: str, name: str, key: str) -> Iterator[None]:
        """Hold the entry's lock file (``<kind>/.lock-<name>-<key>``, ``fcntl.flock``) for the
        block; another process asking for the same lock waits. Re-entrant within a process.
        The lock is released when the block ends, or when the process dies."""
        path = self.root / kind / f".lock-{name}-{key}"
        if path in _held:
            _held[path] += 1
            try:
                yield
            finally:
                _held[path] -= 1
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            # Wait for another process's hold; after a few seconds, say once what for.
            start, pause, said = time.monotonic(), 0.01, False
            notice = getattr(self, "lock_notice_seconds", 3.0)
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
                if not said and time.monotonic() - start >= notice:
                    holder = ""
                    with contextlib.suppress(OSError):
                        holder = path.read_text().strip()
                    by = f"process {holder}" if holder.isdigit() else "another process"
                    print(
                        f"waiting for {path}: {by} is computing {kind} {name} (the same entry); "
                        "this run goes on with its result when it finishes",
                        file=sys.stderr,
                        flush=True,
                    )
                    said = True
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
            with contextlib.suppress(OSError):  # say who holds it, for a run that waits
                handle.truncate(0)
                handle.write(f"{os.getpid()}\n")
                handle.flush()
            _held[path] = 1
            try:
                yield
            finally:
                del _held[path]
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def writing(self, kind: str, name: str, key: str, meta: dict) -> Iterator[Path]:
        """Yield a temporary folder to fill; on success write ``meta.json`` (``meta`` as it is
        when the block ends) and the checksums of every file, and move the folder in place under
        the entry's lock.

        If the body raises, the temporary folder is removed and nothing is published. If an
        intact entry appeared meanwhile (a concurrent writer finished first; its entry is
        equivalent), the new one is dropped; a damaged one is moved aside and replaced.
        """
        final = self.path(kind, name, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            yield tmp
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
            (tmp / CHECKSUMS).write_text(json.dumps(_checksums(tmp), indent=1, sort_keys=True))
            with self.lock(kind, name, key):
                if final.exists() and self.has(kind, name, key):
                    shutil.rmtree(tmp)
                else:
                    if final.exists():  # meta.json missing: an unfinished legacy entry
                        self.discard(kind, name, key, f"cache entry {final} is incomplete")
                    os.replace(tmp, final)
        except BaseException as err:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(err, OSError) and err.errno == errno.ENOSPC:
                raise OSError(
                    errno.ENOSPC,
                    f"no space left on the device of the cache {self.root} while writing "
                    f"{final}: free some space there (entries under {self.root} may be deleted; "
                    "they are computed again when needed) or set $UNITROLES_CACHE to a folder "
                    "on a disk with room, and run again",
                ) from err
            raise

    def get_or_create(
        self,
        kind: str,
        name: str,
        key: str,
        *,
        create: Callable[[Path], dict],
        load: Callable[[Path], T],
    ) -> T:
        """``load(entry_path)`` of the entry, computing it first if needed.

        ``create(tmp)`` fills a temporary folder and returns the entry's meta; it runs under the
        entry's lock, so a second process asking for the same entry waits and then loads the
        first one's result. An entry that fails its checksums, or whose files ``load`` cannot read
        (an entry published before checksums existed), is moved aside and computed again.
        """
        path = self.path(kind, name, key)
        if self.has(kind, name, key):
            try:
                return load(path)
            except LOAD_ERRORS as err:
                with self.lock(kind, name, key):
                    self.discard(kind, name, key, f"cache entry {path} does not read ({err!r})")
        with self.lock(kind, name, key):
            if not self.has(kind, name, key):  # else another process made it while we waited
                meta: dict = {}
                with self.writing(kind, name, key, meta) as tmp:
                    meta.update(create(tmp))
            return load(path)
