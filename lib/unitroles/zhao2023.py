"""What Zhao et al. 2023 report for their five VGG16 models on ImageNet, and our runs beside it.

:data:`TABLE1` (accuracies and gaps), :data:`TABLE2` (role proportions over classes) and
:data:`TABLE3` (role shares over units) as the paper prints them, typed in once for every page
that compares with them; :func:`beside_paper` sets the paper's row of each model above ours, and
:func:`seed_table` writes a value of each model over the ladder's seeds.
"""

from __future__ import annotations

import pandas as pd

from . import tables
from .roles import format_mean_std, mean_std_table
from .verdicts import over_seeds

MODELS = ("model A", "model B", "model C", "model D", "model E")
"""The five models, best generalized (A) to worst (E)."""

TABLE1 = pd.DataFrame(
    {
        "train_acc": [0.732, 0.730, 0.818, 0.828, 0.978],
        "test_acc": [0.657, 0.600, 0.543, 0.444, 0.374],
        "gap": [0.075, 0.130, 0.275, 0.384, 0.604],
    },
    index=list(MODELS),
)
"""Zhao et al. 2023, Table 1: train and test accuracy and their gap (fractions), per model."""

TABLE2 = mean_std_table(
    {
        "model A": [(16.1, 9), (3.1, 1), (1.7, 1), (79.1, 10)],
        "model B": [(25.9, 16), (3.4, 1), (1.8, 1), (68.9, 17)],
        "model C": [(28.6, 20), (11.5, 4), (0.5, 0), (59.4, 22)],
        "model D": [(25.4, 17), (33.9, 11), (0.2, 0), (40.5, 24)],
        "model E": [(17.7, 14), (61.4, 18), (0.0, 0), (20.9, 20)],
    }
)
"""Zhao et al. 2023, Table 2: role proportions, mean and std over classes (fractions)."""

TABLE3 = mean_std_table(
    {
        "model A": [(16.1, 10), (3.1, 1), (1.7, 1), (79.1, 12)],
        "model B": [(25.9, 15), (3.4, 2), (1.8, 1), (68.9, 16)],
        "model C": [(28.6, 18), (11.5, 4), (0.5, 0), (59.4, 20)],
        "model D": [(25.4, 17), (33.9, 10), (0.2, 0), (40.5, 22)],
        "model E": [(17.7, 15), (61.4, 16), (0.0, 0), (20.9, 22)],
    }
)
"""Zhao et al. 2023, Table 3: role shares, mean and std over units (fractions)."""


def beside_paper(
    paper: pd.DataFrame,
    ours: pd.DataFrame,
    *,
    paper_gaps=None,
    our_gaps=None,
) -> pd.DataFrame:
    """The paper's row of each model, then ours: ``"16.1 ± 9"`` cells (in %, the ``%`` left to
    the headers) from two :func:`~unitroles.roles.mean_std` tables of fractions (the paper's
    std with no decimals, as printed), indexed ``(model, "paper" | "ours")``. ``paper_gaps`` and
    ``our_gaps`` (one a model) add a ``gap`` column, three decimals."""
    paper_cells = format_mean_std(paper, std_digits=0).replace("%", "", regex=True)
    our_cells = format_mean_std(ours).replace("%", "", regex=True)
    if paper_gaps is not None:
        paper_cells = paper_cells.assign(gap=[f"{g:.3f}" for g in paper_gaps])
        our_cells = our_cells.assign(gap=[f"{g:.3f}" for g in our_gaps])
    side = pd.concat({"paper": paper_cells, "ours": our_cells}, names=["", "model"]).swaplevel()
    return side.loc[sorted(side.index, key=lambda i: (i[0], i[1] != "paper"))]


def seed_table(per_seed: pd.DataFrame, columns, fmt: str = ".3f") -> pd.DataFrame:
    """Each model's value over the ladder's seeds, one column per quantity: its mean and, in
    brackets, its range (:func:`unitroles.verdicts.over_seeds`; one seed: the value alone).

    ``per_seed``: one row per (model, seed) with a ``model`` column; ``columns`` maps its
    columns to the headers shown. Models keep their first-seen order (A to E)."""
    columns = dict(columns) if not isinstance(columns, dict) else columns
    grouped = per_seed.groupby("model", sort=False)
    return pd.DataFrame(
        {
            header: grouped[col].apply(lambda v: over_seeds(v.to_numpy(), fmt, alone=True))
            for col, header in columns.items()
        }
    )


def _seeds(n: int) -> str:
    return f"{n} seed{'s' if n > 1 else ''}"


def accuracy_table(per_seed: pd.DataFrame, *, arch: str, profile: str):
    """Table 1 beside ours, styled for the page: the paper's train and test accuracy and gap
    (:data:`TABLE1`) and each model's over our seeds (:func:`seed_table` of ``per_seed``, one row
    per (model, seed)), fractions. ``arch`` and ``profile`` name our models in the caption."""
    columns = {"train_acc": "train acc", "test_acc": "test acc", "gap": "gap"}
    table = pd.concat(
        {
            "paper": TABLE1.rename(columns=columns).map("{:.3f}".format),
            "ours": seed_table(per_seed, columns),
        },
        axis=1,
    )
    seeds_n = per_seed["seed"].nunique()
    return tables.table(
        table,
        caption="Accuracies as fractions; gap = train − test. Paper: VGG16 on ImageNet; ours: "
        f"{arch}, {profile} profile, mean over {_seeds(seeds_n)} (range in brackets).",
    )
