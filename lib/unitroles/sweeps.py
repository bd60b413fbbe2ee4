"""Cached, resumable and distributed ablation sweeps on top of :mod:`unitroles.engine`.

:func:`cached_sweep` splits the ablations into shards of ``shard_size`` rows. Each finished shard
is written atomically into a partial folder of the store with the rows it holds and a checksum
(of the sweep's key, the rows and the arrays), so a killed sweep resumes where it stopped; a shard
that is damaged, holds other rows (written with another ``shard_size``) or belongs to another sweep
is computed again. When every shard is there, the result is published as one store entry and the
partial folder is removed. One process at a time runs a given sweep: it
holds the entry's lock (:meth:`unitroles.store.Store.lock`), so a second process running the same
sweep waits and then loads the result. The key hashes the model's weights, the layer, the data,
the ablations, the class count and the code of the engine, so a changed model, layer, dataset or
code version is a cache miss and never reuses a stale result.

Under ``torch.distributed`` (e.g. ``torchrun --nproc_per_node=2``; gloo on CPU, NCCL on GPU) the
shards are dealt round-robin to the processes and the counts are summed with ``all_reduce``:
every process returns the same result as one process would.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from . import cost, engine, zoo
from .engine import AblationCounts, Ablations
from .store import LOAD_ERRORS, Store, code_version, content_key

FIELDS = ("correct", "loss", "base_correct", "base_loss", "images")


def tensor_fingerprint(*tensors: torch.Tensor) -> str:
    """SHA-256 (16 hex digits) of tensors' dtypes, shapes and bytes."""
    digest = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        if t.dtype == torch.bfloat16:
            t = t.float()
        digest.update(t.numpy().tobytes())
    return digest.hexdigest()[:16]


def model_fingerprint(model: nn.Module) -> str:
    """A hash of the model's parameters and buffers (names, shapes, values) and its structure."""
    digest = hashlib.sha256(repr(model).encode())
    for name, t in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor_fingerprint(t).encode())
    return digest.hexdigest()[:16]


def ablations_fingerprint(ablations: Ablations) -> str:
    parts = [ablations.keep]
    if ablations.directions is not None:
        parts.append(ablations.directions)
    return tensor_fingerprint(*parts)


def sweep_key(model, layer, images, labels, ablations, num_classes) -> str:
    """What a sweep's result depends on."""
    from . import sweeps as this

    return content_key(
        model_fingerprint(model),
        zoo.resolve_layer(model, layer),
        tensor_fingerprint(images, labels),
        ablations_fingerprint(ablations),
        num_classes,
        code_version(engine, this),
    )


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``path`` atomically (temporary file, then rename); a full disk is an error naming
    the file and what to do."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp.npz")
    try:
        np.savez(tmp, **arrays)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if err.errno != errno.ENOSPC:
            raise
        raise OSError(
            errno.ENOSPC,
            f"no space left on the device while writing {path}: free some space, or point "
            "$UNITROLES_CACHE at a disk with room, and run again (finished shards are kept)",
            str(path),
        ) from err
    os.replace(tmp, path)


def _shard_digest(key: str, rows: slice, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of a shard: the sweep's key, its rows and every field's dtype, shape and bytes."""
    digest = hashlib.sha256(f"{key}:{rows.start}:{rows.stop}".encode())
    for f in FIELDS:
        a = np.ascontiguousarray(arrays[f])
        digest.update(f"{f}{a.dtype}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _save_shard(path: Path, key: str, rows: slice, arrays: dict[str, np.ndarray]) -> None:
    """A finished shard, with the rows it holds and its checksum (:func:`_read_shard`)."""
    extra = {
        "rows": np.array([rows.start, rows.stop], dtype=np.int64),
        "digest": np.array(_shard_digest(key, rows, arrays)),
    }
    _save_npz(path, {**arrays, **extra})


def _counts_arrays(counts: AblationCounts) -> dict[str, np.ndarray]:
    return {f: getattr(counts, f).numpy() for f in FIELDS}


def _counts_from(arrays, names) -> AblationCounts:
    return AblationCounts(*(torch.from_numpy(np.asarray(arrays[f])) for f in FIELDS), tuple(names))


def _rank_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def cached_sweep(
    model: nn.Module,
    layer: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    ablations: Ablations,
    num_classes: int,
    *,
    name: str = "sweep",
    store: Store | None = None,
    shard_size: int = 16,
    device=None,
    fast: bool = True,
    chunk_images: int = 256,
    chunk_ablations: int = 64,
    progress: bool = True,
    on_shard: Callable[[int], None] | None = None,
) -> AblationCounts:
    """:meth:`engine.Engine.sweep`, cached in ``store`` by content, resumable, distributable.

    ``images`` are network inputs ``(n, 3, H, W)``, ``labels`` ``(n,)``. ``on_shard(i)`` is called
    after shard ``i`` is saved (used by tests to simulate a kill).
    """
    if shard_size < 1:
        raise ValueError(f"shard_size must be at least 1, got {shard_size}")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    store = store or Store()
    key = sweep_key(model, layer, images, labels, ablations, num_classes)
    path = store.path("sweeps", name, key)
    if store.has("sweeps", name, key):
        try:
            return _load_counts(path)
        except LOAD_ERRORS as err:
            with store.lock("sweeps", name, key):
                store.discard("sweeps", name, key, f"cache entry {path} does not read ({err!r})")

    rank, world = _rank_world()
    # One process: hold the entry's lock, so a second process running the same sweep waits and
    # then loads this one's result. Distributed ranks share the sweep by design (shards dealt
    # round-robin), so they coordinate with barriers instead.
    lock = store.lock("sweeps", name, key) if world == 1 else contextlib.nullcontext()
    with lock:
        if world == 1 and store.has("sweeps", name, key):
            return _load_counts(path)
        partial = store.root / "sweeps" / f".partial-{name}-{key}"
        partial.mkdir(parents=True, exist_ok=True)
        n_shards = (len(ablations) + shard_size - 1) // shard_size
        mine = [i for i in range(n_shards) if i % world == rank]

        def rows(i: int) -> slice:
            return slice(i * shard_size, min((i + 1) * shard_size, len(ablations)))

        done = {}
        for i in mine:
            shard = _read_shard(partial / f"shard-{i:05d}.npz", key, rows(i), num_classes)
            if shard is not None:
                done[i] = shard
        todo = [i for i in mine if i not in done]
        eng = engine.Engine(model, layer, device=device, fast=fast) if todo else None
        bar = None
        if progress and todo and cost.is_full_size(images):  # the paper profile: say the cost
            left = sum(len(range(len(ablations))[rows(i)]) for i in todo)
            print(
                f"{name} {layer}:",
                cost.plan_sweep(eng, images, labels, ablations[rows(todo[0])], num_classes,
                                total=left, chunk_images=chunk_images),
                flush=True,
            )  # fmt: skip
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(mine), initial=len(done), desc=f"{name} {layer}", unit="shard")
        for i in todo:
            counts = eng.sweep(
                images, labels, ablations[rows(i)], num_classes,
                chunk_images=chunk_images, chunk_ablations=chunk_ablations,
            )  # fmt: skip
            done[i] = _counts_arrays(counts)
            _save_shard(partial / f"shard-{i:05d}.npz", key, rows(i), done[i])
            if bar is not None:
                bar.update()
            if on_shard is not None:
                on_shard(i)
        if bar is not None:
            bar.close()

        total = AblationCounts.empty(len(ablations), num_classes, labels, ablations.names)
        for i in mine:
            total.correct[rows(i)] = torch.from_numpy(done[i]["correct"])
            total.loss[rows(i)] = torch.from_numpy(done[i]["loss"])
            if i == 0:  # every shard holds the same baseline; take it once
                total.base_correct = torch.from_numpy(done[i]["base_correct"])
                total.base_loss = torch.from_numpy(done[i]["base_loss"])
        if world > 1:
            for field in ("correct", "loss", "base_correct", "base_loss"):
                tensor = getattr(total, field)
                dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
            dist.barrier()
        if rank == 0:
            meta = {
                "layer": zoo.resolve_layer(model, layer),
                "ablations": len(ablations),
                "num_classes": num_classes,
                "images": len(labels),
                "names": list(ablations.names),
            }
            with store.writing("sweeps", name, key, meta) as tmp:
                np.savez(tmp / "counts.npz", **_counts_arrays(total))
            shutil.rmtree(partial, ignore_errors=True)
        if world > 1:
            dist.barrier()
    return total


def _read_shard(
    path: Path, key: str, rows: slice, num_classes: int
) -> dict[str, np.ndarray] | None:
    """A finished shard's arrays, or None if it is not there. A shard that does not read, holds
    other rows than ``rows`` (written with another ``shard_size``), does not match its checksum
    (damaged, or copied from another shard or sweep) or has the wrong shape is removed with a
    warning naming it, to be computed again."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as shard:
            arrays = {f: shard[f] for f in FIELDS}
            held = tuple(int(r) for r in shard["rows"])
            recorded = str(shard["digest"])
        if held != (rows.start, rows.stop):
            raise _Unusable(
                f"it holds rows {held[0]}-{held[1] - 1}, not {rows.start}-{rows.stop - 1} "
                "(written with another shard_size)"
            )
        if recorded != _shard_digest(key, rows, arrays):
            raise _Unusable("it does not match its checksum (damaged, or another shard's file)")
        if arrays["correct"].shape != (rows.stop - rows.start, num_classes):
            raise ValueError(f"shape {arrays['correct'].shape} does not fit this sweep")
    except _Unusable as err:
        warnings.warn(
            f"sweep shard {path} is not this shard: {err}; computing it again", stacklevel=3
        )
        path.unlink(missing_ok=True)
        return None
    except LOAD_ERRORS as err:
        warnings.warn(
            f"sweep shard {path} does not read ({err!r}); computing it again", stacklevel=3
        )
        path.unlink(missing_ok=True)
        return None
    return arrays


class _Unusable(ValueError):
    """A shard file that reads but holds other rows or fails its checksum."""


def _load_counts(path: Path) -> AblationCounts:
    meta = json.loads((path / "meta.json").read_text())
    with np.load(path / "counts.npz") as arrays:
        return _counts_from(arrays, meta["names"])


def load_sweep(store: Store, name: str, key: str) -> AblationCounts:
    """A published sweep from the store."""
    return _load_counts(store.path("sweeps", name, key))


def cached_arrays(
    store: Store, kind: str, name: str, key_parts: tuple, compute: Callable[[], dict]
) -> dict[str, np.ndarray]:
    """Load the arrays stored under ``content_key(*key_parts)`` or compute and store them.

    Computed under the entry's lock (:meth:`Store.get_or_create`): a second process asking for
    the same arrays waits and loads them; a damaged entry is moved aside and computed again.
    """

    def create(tmp: Path) -> dict:
        arrays = {k: np.asarray(v) for k, v in compute().items()}
        np.savez(tmp / "arrays.npz", **arrays)
        return {"fields": sorted(arrays)}

    def load(path: Path) -> dict[str, np.ndarray]:
        with np.load(path / "arrays.npz") as f:
            return {k: f[k] for k in f.files}

    return store.get_or_create(kind, name, content_key(*key_parts), create=create, load=load)


def layer_units(model: nn.Module, layer: str, example: torch.Tensor) -> int:
    """Number of units (output channels) of ``layer`` for inputs shaped like ``example``."""
    eng = engine.Engine(model, layer, device="cpu" if example.device.type == "cpu" else None)
    return eng.activations(example[:1]).shape[1]


def unit_sweep(
    model: nn.Module, layer: str, images, labels, num_classes: int, **kwargs
) -> AblationCounts:
    """:func:`cached_sweep` of every single unit of ``layer`` (one ablation per unit)."""
    units = layer_units(model, layer, images)
    kwargs.setdefault("name", f"units-{zoo.resolve_layer(model, layer)}")
    return cached_sweep(
        model, layer, images, labels, engine.single_units(units), num_classes, **kwargs
    )
