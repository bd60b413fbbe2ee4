"""Loading saved weights into the zoo's models: state dicts, checkpoint dicts, clear errors.

Apart from :mod:`unitroles.zoo` because it does not determine any trained model's weights: the
zoo's architectures key every model (:func:`unitroles.train.code_key`), this module keys none, so
its error messages and checkpoint layouts can change without making a model stale.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Mapping

import torch
from torch import nn

from .zoo import describe

__all__ = ["load_weights"]


def _strip_module(key: str) -> str:
    """Drop DataParallel's ``module`` components: ``features.module.0.weight`` ->
    ``features.0.weight``, ``module.conv1.weight`` -> ``conv1.weight``."""
    return ".".join(part for part in key.split(".") if part != "module")


def _listing(keys: list[str], limit: int = 10) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys) - limit} more)" if len(keys) > limit else "")


def load_weights(
    model: nn.Module,
    path: str | os.PathLike,
    *,
    strict: bool = True,
    classes_from: str | None = None,
) -> nn.Module:
    """Load a saved state dict into ``model`` in place and return ``model``.

    ``path`` may hold a plain state dict (``torch.save(model.state_dict(), path)``) or a
    checkpoint dict with it under ``"state_dict"`` (the Places365 CSAIL layout ``{"epoch",
    "arch", "state_dict", "best_prec1"}``). DataParallel's ``module.`` is removed wherever it
    appears in a key. BatchNorm ``num_batches_tracked`` buffers absent from old checkpoints are
    filled with 0. Loads with ``torch.load(..., map_location="cpu", weights_only=True)``.

    Args:
        strict: if False, missing and unexpected keys are tolerated (shape mismatches are not).
        classes_from: where the model's class count came from (e.g. an ImageFolder root), named
            in the error when the checkpoint's classifier has a different number of outputs.

    Raises:
        FileNotFoundError: if ``path`` is not a file.
        ValueError: if the file is empty, damaged or not a state dict, or its keys/shapes do not
            fit ``model``.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"no weights file at {path!r}; pass the path of a state dict saved with "
            "torch.save(model.state_dict(), path) or of a checkpoint dict holding one under "
            "'state_dict' (e.g. a Places365 CSAIL *.pth.tar)"
        )
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError(f"{path!r} is empty (0 bytes): not a checkpoint; save or copy it again")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "unsupported global" not in str(err).lower():  # random bytes, a damaged pickle
            found = re.search(r"WeightsUnpickler error:\s*(\S[^\n]*)", str(err))
            reason = f"unpickling failed: {found.group(1)}" if found else err
            raise ValueError(_not_a_checkpoint(path, size, reason)) from err
        raise ValueError(
            f"{path!r} could not be loaded with torch.load(weights_only=True): it holds objects "
            "other than tensors and plain containers, probably a whole pickled model rather "
            "than a state dict (save model.state_dict() instead; torch's reason is above)"
        ) from err
    except (EOFError, KeyError, RuntimeError, ValueError, IndexError, TypeError) as err:
        raise ValueError(_not_a_checkpoint(path, size, err)) from err
    if isinstance(obj, Mapping) and isinstance(obj.get("state_dict"), Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(
            f"{path!r} holds a {type(obj).__name__}, not a state dict (a mapping of names to "
            "tensors) or a checkpoint dict with one under 'state_dict'"
        )

    expected = model.state_dict()
    state: dict[str, torch.Tensor] = {}
    for key, value in obj.items():
        state[key if key in expected else _strip_module(key)] = value
    for key, value in expected.items():
        if key.endswith(".num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value, device="cpu")

    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if mismatched or (strict and (missing or unexpected)):
        parts = [f"weights in {path!r} do not fit this {describe(model)}:"]
        if mismatched:
            shapes = [
                f"{k} (file {tuple(state[k].shape)}, model {tuple(expected[k].shape)})"
                for k in mismatched
            ]
            parts.append(f"{len(mismatched)} shape-mismatched keys: {_listing(shapes)};")
        if missing:
            parts.append(f"{len(missing)} missing keys: {_listing(missing)};")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys: {_listing(unexpected)};")
        parts.append(_likely_cause(model, state, mismatched, missing, unexpected, classes_from))
        raise ValueError(" ".join(parts))

    model.load_state_dict(state, strict=strict)
    return model


def _not_a_checkpoint(path: str, size: int, err) -> str:
    reason = f"{type(err).__name__}: {err}" if isinstance(err, BaseException) else err
    return (
        f"{path!r} ({size} bytes) does not read as a torch checkpoint ({reason}); it is "
        "truncated, damaged or not a checkpoint at all: copy or save it again"
    )


def _likely_cause(
    model: nn.Module,
    state: Mapping[str, torch.Tensor],
    mismatched: list[str],
    missing: list[str],
    unexpected: list[str],
    classes_from: str | None = None,
) -> str:
    linears = [(path, m) for path, m in model.named_modules() if isinstance(m, nn.Linear)]
    if linears and not missing and not unexpected:
        last, layer = linears[-1]
        head = {f"{last}.weight", f"{last}.bias"}
        if set(mismatched) <= head and f"{last}.weight" in state:
            n_file = state[f"{last}.weight"].shape[0]
            n_model = layer.out_features
            if classes_from and n_model > n_file:
                return (
                    f"{classes_from} has {n_model} classes but the checkpoint has {n_file} "
                    f"outputs: {classes_from} holds classes the checkpoint does not have; use "
                    "the split the checkpoint was trained on"
                )
            if classes_from:
                return (
                    f"the checkpoint has {n_file} classes but {classes_from} only {n_model}: "
                    "use the split the checkpoint was trained on, with every class folder"
                )
            return (
                f"likely cause: wrong num_classes (the file's {last} has {n_file} outputs, the "
                f"model's {layer.out_features}); build the model with num_classes={n_file}"
            )
    return (
        "likely cause: the file was saved from a different architecture, or with different "
        "batchnorm / channel_dropout settings (which shift features indices), or with a "
        "different num_classes; check the arch and options passed to build_model"
    )
