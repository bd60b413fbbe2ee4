"""Checked notebook parameters: every papermill parameter against a declared type and range.

A page declares what each of its parameters accepts and checks them in the cell right after its
parameters cell::

    from unitroles import params

    params.check(globals(), {
        "profile": params.Choice("smoke", "book", "paper"),
        "eval_per_class": params.Int(min=1),
        "val_root": params.Path("dir"),
        ...
    })

A wrong type, a value out of range or an unknown name (``-p eval_per_clas 5``, which papermill
only warns about) stops the page with one message that names each parameter, what it got and what
it accepts. Path parameters are resolved against the folder the user ran the command from
(:func:`unitroles.data.caller_cwd`; :mod:`unitroles.execute` runs notebooks inside
``notebooks/``), written back as absolute paths, and reported as such when missing.

Values typed on a command line (``-p NAME VALUE``) are read as YAML by :func:`parse_overrides`,
except that a text YAML would cut at `` #`` (a comment) or turn into a mapping at ``: `` is kept
whole: ``-p val_root "/data/val #1"`` is that folder, not ``/data/val``. Profiles are read by
:func:`load_profile`, whose errors name the file and the line.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import types
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

# What IPython puts in a kernel's namespace: never a parameter.
_KERNEL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}

# Set by unitroles.execute: the names of the parameters it passed (JSON list).
PASSED_ENV = "UNITROLES_PARAMETERS"


class ParameterError(ValueError):
    """One or more notebook parameters are unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Int:
    """An integer (not a bool, not text) in ``[min, max]``; None allowed when ``optional``."""

    min: int | None = None
    max: int | None = None
    optional: bool = False

    def accepts(self) -> str:
        return _with_range("an integer", self.min, self.max, self.optional)

    def convert(self, value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError
        _in_range(value, self.min, self.max)
        return value


@dataclass(frozen=True)
class Float:
    """A number in ``[min, max]`` (``min_open``: strictly above ``min``), returned as a float."""

    min: float | None = None
    max: float | None = None
    min_open: bool = False
    optional: bool = False
    hint: str = ""  # why the range is what it is, said with it

    def accepts(self) -> str:
        text = _with_range("a number", None, self.max, self.optional)
        if self.min is not None:
            low = f"a number {'>' if self.min_open else '>='} {self.min}"
            text = text.replace("a number", low + (" and" if self.max is not None else ""))
        return text + (f" ({self.hint})" if self.hint else "")

    def convert(self, value: Any) -> Any:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError
        value = float(value)
        if value != value or (self.min_open and self.min is not None and value <= self.min):
            raise ValueError
        _in_range(value, self.min, self.max)
        return value


@dataclass(frozen=True)
class Bool:
    """True or False."""

    def accepts(self) -> str:
        return "True or False"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError
        return value


@dataclass(frozen=True)
class Choice:
    """One of ``values`` (None too when ``optional``)."""

    values: tuple
    optional: bool = False

    def __init__(self, *values, optional: bool = False):
        object.__setattr__(self, "values", tuple(values))
        object.__setattr__(self, "optional", optional)

    def accepts(self) -> str:
        shown = ", ".join(repr(v) for v in self.values)
        return f"one of {shown}" + (" or None" if self.optional else "")

    def convert(self, value: Any) -> Any:
        if not any(value == v and type(value) is type(v) for v in self.values):
            raise ValueError
        return value


@dataclass(frozen=True)
class Str:
    """Any non-empty text (None too when ``optional``)."""

    optional: bool = False

    def accepts(self) -> str:
        return "a non-empty text" + (" or None" if self.optional else "")

    def convert(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise ValueError
        return value


@dataclass(frozen=True)
class Path:
    """A path to an existing ``"file"``, ``"dir"`` or either (``"any"``), or None (then the page
    reads its environment variable). Relative paths are taken from the folder the command was run
    from; the value is replaced by the absolute path."""

    kind: str = "any"
    env: str | None = None

    def accepts(self) -> str:
        what = {"file": "file", "dir": "folder", "any": "file or folder"}[self.kind]
        unset = f"None (read ${self.env})" if self.env else "None"
        return f"the path of an existing {what}, or {unset}"

    def convert(self, value: Any) -> Any:
        from .data import absolute

        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise ValueError
        path = absolute(value)
        exists = {"file": path.is_file, "dir": path.is_dir, "any": path.exists}[self.kind]()
        if not exists:
            raise _Missing(path)
        return str(path)


@dataclass(frozen=True)
class List:
    """A list of at least ``min_len`` items, each accepted by ``item`` (any value if None), no
    item but None twice unless ``repeats`` (a seed, layer or model listed twice counts twice)."""

    item: Any = None
    min_len: int = 0
    repeats: bool = False

    def accepts(self) -> str:
        each = f", each {self.item.accepts()}" if self.item is not None else ""
        least = f"at least {self.min_len} item{'s' if self.min_len != 1 else ''}"
        text = f"a list of {least}{each}" if self.min_len else f"a list{each}"
        return text + ("" if self.repeats else ", none twice")

    def convert(self, value: Any) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) < self.min_len:
            raise ValueError
        items = list(value) if self.item is None else [self.item.convert(v) for v in value]
        if not self.repeats:
            seen: list = []
            twice = [v for v in items if v is not None and (v in seen or seen.append(v))]
            if twice:
                shown = ", ".join(dict.fromkeys(map(str, twice)))
                raise _Repeated(f"{shown} twice; each item counts once, so list it once")
        return items


class _Repeated(ValueError):
    pass


class _Missing(ValueError):
    def __init__(self, path):
        super().__init__(str(path))
        self.path = path


def _with_range(kind: str, low, high, optional: bool) -> str:
    if low is not None and high is not None:
        text = f"{kind} from {low} to {high}"
    elif low is not None:
        text = f"{kind} >= {low}"
    elif high is not None:
        text = f"{kind} <= {high}"
    else:
        text = kind
    return text + (" or None" if optional else "")


def _in_range(value, low, high) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError


def unknown_message(unknown: Iterable[str], accepted: Iterable[str], where: str = "") -> str:
    """The error for parameters a page does not declare: each with its closest accepted name, and
    the list of accepted names."""
    accepted = sorted(accepted)
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, accepted, n=1)
        parts.append(f"`{name}`" + (f" (did you mean `{close[0]}`?)" if close else ""))
    return (
        f"unknown parameter{'s' if len(parts) > 1 else ''} {', '.join(parts)}"
        + (f" for {where}" if where else "")
        + f"; it accepts: {', '.join(accepted)}"
    )


def _is_parameter(name: str, value: Any) -> bool:
    """Whether a name in a notebook's namespace can be a papermill parameter (not IPython's, not a
    module, function or class)."""
    if name.startswith("_") or name in _KERNEL_NAMES:
        return False
    return not isinstance(value, (types.ModuleType, types.FunctionType, type))


def check(namespace: MutableMapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """Check a notebook's parameters against ``spec`` and return them, paths made absolute.

    ``namespace`` is the page's ``globals()`` (call this right after the parameters cell, so it
    holds only the parameters) or a plain dict of parameters. Every name in ``spec`` must be
    present and accepted; any other parameter-like name, and any name that
    :mod:`unitroles.execute` says it passed (``$UNITROLES_PARAMETERS``), must be in ``spec``.
    Converted values (absolute paths, floats) are written back into ``namespace``.

    Raises :class:`ParameterError` listing every problem: the parameter, the value it got, and
    what it accepts.
    """
    problems = []
    names = {n for n, v in namespace.items() if _is_parameter(n, v)}
    passed = os.environ.get(PASSED_ENV)
    if passed:
        names |= set(json.loads(passed))
    unknown = names - set(spec)
    if unknown:
        problems.append(unknown_message(unknown, spec))
    values = {}
    for name, rule in spec.items():
        if name not in namespace:
            problems.append(f"`{name}` is not set (it accepts {rule.accepts()})")
            continue
        value = namespace[name]
        if value is None and getattr(rule, "optional", False):
            values[name] = None
            continue
        try:
            values[name] = rule.convert(value)
        except _Missing as err:
            from .data import caller_cwd

            raw = os.fspath(value)
            origin = "" if os.path.isabs(os.path.expanduser(raw)) else f" from {caller_cwd()}"
            problems.append(
                f"`{name}` = {raw!r}: nothing at {err.path} (resolved{origin}); it accepts "
                f"{rule.accepts()}"
            )
        except _Repeated as err:
            problems.append(f"`{name}` = {value!r} lists {err}")
        except (ValueError, TypeError):
            problems.append(
                f"`{name}` = {value!r} ({type(value).__name__}): it accepts {rule.accepts()}; "
                f"set it with -p {name} VALUE" + _quote_hint(name, value)
            )
    if problems:
        raise ParameterError("bad notebook parameters: " + "; ".join(problems))
    namespace.update(values)
    return values


def _quote_hint(name: str, value: Any) -> str:
    """For a mapping where a text was expected: YAML read ``a: b`` as one; say to quote it."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if not any(isinstance(v, dict) for v in items):
        return ""
    return (
        f". YAML reads text holding ': ' as a mapping (and cuts it at ' #'): quote it, in a "
        f'YAML file as {name}: "/data/a: b", on a command line as -p {name} \'"/data/a: b"\''
    )


def parse_value(name: str, text: str) -> Any:
    """A value typed on a command line (``-p NAME VALUE``), read as YAML (``null``, ``0.5``,
    ``[0, 1]``), except that text YAML would cut at `` #`` (a comment) or read as a mapping (it
    holds ``: ``) is kept whole. A list or number followed by `` #`` is an error saying to quote
    (it is not clear what was meant)."""
    import yaml

    comment = re.search(r"(^|\s)#", text) is not None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        if text.lstrip()[:1] in ("[", "{", "'", '"'):
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise ParameterError(
                f"`{name}` = {text!r} does not read as YAML ({problem}); quote each text in it "
                f"that holds ': ' or ' #', e.g. -p {name} '[\"/data/a #1.pth\", \"b.pth\"]'"
            ) from err
        return text  # e.g. "/data/a: b: c": plain text YAML cannot read
    if isinstance(value, str) and text.lstrip()[:1] in ("'", '"'):
        return value  # quoted as YAML quotes: YAML's reading is the value
    if isinstance(value, dict) or (comment and (value is None or isinstance(value, str))):
        return text
    if comment:
        raise ParameterError(
            f"`{name}` = {text!r}: YAML reads ' #' as the start of a comment and would drop what "
            f"follows; quote each text that holds ' #' (e.g. -p {name} '[\"a #1\", \"b\"]'), "
            "or leave the comment out"
        )
    return value


def parse_overrides(pairs) -> dict:
    """``-p NAME VALUE`` pairs as parameters, each value read by :func:`parse_value`."""
    return {name: parse_value(name, value) for name, value in pairs}


def load_profile(path: str | os.PathLike) -> dict:
    """Read a profile (a YAML mapping of papermill parameters, e.g. ``notebooks/profiles/book.yml``
    or a ``-f`` parameter file). A file that is not YAML is an error naming it, the line and the
    column; one that is not a mapping is an error naming it."""
    import pathlib

    import yaml

    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"profile {path} not found; profiles live in notebooks/profiles/")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        tabs = "; indent with spaces, not tabs" if "\\t" in problem or "\t" in problem else ""
        raise ParameterError(
            f"{path}{where}: not valid YAML ({problem}){tabs}. A profile holds one `name: value` "
            "a line, starting at the first column; quote a value that holds ': ' or ' #'"
        ) from err
    if not isinstance(values, dict):
        raise ParameterError(f"profile {path} must be a mapping of parameter names to values")
    return values


# The parameters every page declares (the profiles set them all).
COMMON = {
    "profile": Choice("smoke", "book", "paper"),
    "data_scale": Float(
        min=0,
        min_open=True,
        max=10,
        hint="it multiplies every model's images a class (100 to train Zhou et al.'s models and "
        "100 to evaluate in the book, which uses 1); 10 already renders and trains on ten "
        "times as many",
    ),
    "epoch_scale": Float(min=0, min_open=True),
    "world_seed": Int(min=0),
    "image_size": Int(min=32, max=1024),
}

# The paper-profile inputs of the Zhao et al. pages.
ZHAO_PAPER = {
    "checkpoint_dir": Path("dir", env="UNITROLES_CHECKPOINTS"),
    "train_root": Path("dir", env="UNITROLES_TRAIN_ROOT"),
    "val_root": Path("dir", env="UNITROLES_VAL_ROOT"),
    "eval_per_class": Int(min=1),
    "skip_unreadable": Bool(),
}

# The role-taxonomy settings of the Zhao et al. figure pages.
ROF = {"layer": Str(), "rank_by": Choice("activation", "weight")}
MODELS = ("model A", "model B", "model C", "model D", "model E")

# The paper-profile inputs of the Zhou et al. pages (one checkpoint, a validation split, Broden).
ZHOU_PAPER = {
    "checkpoint": Path("file", env="UNITROLES_CHECKPOINT"),
    "val_root": Path("dir", env="UNITROLES_VAL_ROOT"),
    "eval_per_class": Int(min=1),
}
BRODEN = {"broden_root": Path("dir", env="UNITROLES_BRODEN"), "dissect_per_class": Int(min=1)}
# The paper-profile inputs of the pages on several instances of one network (Zhou et al. Table 1,
# Fig. 6): a folder of alexnet-seed<N>.pth, one per training seed, as python -m unitroles.train
# --paper instance writes them.
ZHOU_INSTANCES = {
    "instances_dir": Path("dir", env="UNITROLES_INSTANCES"),
    "val_root": Path("dir", env="UNITROLES_VAL_ROOT"),
    "eval_per_class": Int(min=1),
    **BRODEN,
}
# The regularised AlexNets of Zhou et al. Fig. 8 (the baseline is `checkpoint`).
ZHOU_REGULARIZED = {
    **ZHOU_PAPER,
    "batchnorm_checkpoint": Path("file", env="UNITROLES_BATCHNORM_CHECKPOINT"),
    "dropout_checkpoint": Path("file", env="UNITROLES_DROPOUT_CHECKPOINT"),
}
