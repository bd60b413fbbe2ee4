"""Tables for the book: a pandas ``Styler`` with readable headers and numbers.

:func:`table` is what every page shows its numbers with (``report.table``, re-exported there):
headers without underscores, whole numbers as integers, percentages, booleans as yes / no, and
short values that do not wrap. :func:`pretty` is how a page writes a class or concept name.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial


def _is_number(value) -> bool:
    """A finite real number, not a bool (``True`` is an int in Python)."""
    import numbers

    import numpy as np

    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and bool(np.isfinite(value))
    )


def _mixed(value, *, places: int, whole: bool, percent: bool, missing: str) -> str:
    """One cell of a column of numbers and text: a number formatted, text as it is."""
    if _is_number(value):
        if percent:
            return f"{value:.1%}"
        return f"{value:,.0f}" if whole else f"{value:,.{places}f}"
    if value is None or (isinstance(value, float) and value != value):
        return missing
    return str(value)


def pretty(name) -> str:
    """A class, concept or column name for readers: ``youth_hostel`` -> ``youth hostel``."""
    return str(name).replace("_", " ")


def _header(name: str) -> str:
    """A column name for readers: ``max_class_drop`` -> ``max class drop``."""
    return pretty(name) if isinstance(name, str) else str(name)


def table(
    frame,
    *,
    headers: dict[str, str] | None = None,
    decimals: int | dict[str, int] = 2,
    percent: Collection[str] = (),
    index: bool = True,
    missing: str = "—",
    caption: str | None = None,
    wrap: Collection[str] | bool = (),
):
    """A pandas ``Styler`` of ``frame`` for the book: readable headers, integers as integers.

    ``headers`` renames columns (others lose their underscores); a numeric column whose values
    are all whole numbers shows as integers with thousands separators (96, not 96.0), other
    numbers with ``decimals`` places (a dict gives them per column), columns in ``percent`` as
    ``12.3%`` of a fraction (one decimal), booleans as yes / no; NaN shows as ``missing``.
    Numbers and short values (up to 24 characters, such as ``25.1% ± 10.6%``) do not wrap; longer
    text and headers do.
    ``index=False`` hides the index. Units belong in the headers: ``"drop (pts)"``. ``wrap``
    names columns (or ``True``: all) whose values may wrap at their spaces, for a wide table
    whose short values read well on two lines (``12.5 (10.1–14.2)``).
    """
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(frame).copy()
    renamed = {c: (headers or {}).get(c, _header(c)) for c in frame.columns}
    frame = frame.rename(columns=renamed)
    if frame.index.name:
        frame.index.name = (headers or {}).get(frame.index.name, _header(frame.index.name))
    per_column = decimals if isinstance(decimals, dict) else {}
    places = {renamed.get(k, k): v for k, v in per_column.items()}
    shown_percent = {renamed.get(c, c) for c in percent}
    wrapped = set() if wrap is True else {renamed.get(c, c) for c in wrap}
    formats = {}
    for column in frame.columns:
        values = frame[column]
        d = places.get(column, decimals if isinstance(decimals, int) else 2)
        if values.dtype == object:  # numbers among text (a paper's "< 1" row): numbers formatted
            numbers = [_is_number(v) for v in values]
            if any(numbers):
                whole = all(float(v) == round(float(v)) for v, n in zip(values, numbers) if n)
                formats[column] = partial(
                    _mixed, places=d, whole=whole, percent=column in shown_percent, missing=missing
                )
            continue
        if values.dtype == bool:  # a reader's words, not Python's
            formats[column] = lambda v: "yes" if v else "no"
            continue
        if not pd.api.types.is_numeric_dtype(values):
            continue
        finite = values[np.isfinite(values.astype(float))]
        if column in shown_percent:
            formats[column] = "{:.1%}"
        elif len(finite) and (finite == finite.round()).all():
            formats[column] = "{:,.0f}"
        else:
            formats[column] = f"{{:,.{d}f}}"
    styler = frame.style.format(formats, na_rep=missing, escape="html").format_index(
        lambda v: _header(v) if isinstance(v, str) else v, axis=1
    )
    short = [  # values that read as one token ("25.1% ± 10.6%") stay on one line
        column
        for column in frame.columns
        if (frame[column].astype(str).str.len().max() <= 24 or column in formats)
        and not (wrap is True or column in wrapped)
    ]
    if short:
        styler = styler.set_properties(subset=short, **{"white-space": "nowrap"})
    # room between columns: values that do not wrap would otherwise run into each other
    styler = styler.set_table_styles(
        [{"selector": "td, th", "props": "padding: 0.15em 0.4em;"}], overwrite=False
    )
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler
