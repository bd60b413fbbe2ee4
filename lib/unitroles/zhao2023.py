"""What Zhao et al. 2023 report for their five VGG16 models on ImageNet, and our runs beside it.

:data:`TABLE1` (accuracies and gaps), :data:`TABLE2` (role proportions over classes) and
:data:`TABLE3` (role shares over units) as the paper prints them, typed in once for every page
that compares with them; :func:`beside_paper` sets the paper's row of each model above ours, and
:func:`seed_table` writes a value of each model over the ladder's seeds. The Table 1 page's
checks, tables, captions and glue (claim R3, ``accuracy_*``, :func:`recipe_table`, judged in one
:class:`~unitroles.report.Judged` by :func:`judge` beside :data:`PAPER`), Table 2's
tables beside the paper's, and the closing page (:func:`read_pages`, :func:`side_by_side`,
:func:`closing_figure`), which reads the other pages back, are here too.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from . import study, tables
from .report import Judged
from .roles import format_mean_std, mean_std_table
from .verdicts import CLAIMS, over_seeds

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


def proportions_table(ours: pd.DataFrame, seed_means: pd.DataFrame, *, caption: str):
    """Table 2 (and Table 1's gaps) beside ours, styled for the page: :func:`beside_paper` of
    ``ours`` (:func:`~unitroles.roles.mean_std`, fractions) with our gaps the mean over seeds of
    ``seed_means`` (one row per (model, seed), ``gap``); ``caption`` says what ours are."""
    from .roles import ROLES

    side = beside_paper(
        TABLE2,
        ours,
        paper_gaps=TABLE1["gap"],
        our_gaps=seed_means.groupby("model", sort=False)["gap"].mean(),
    )
    return tables.table(
        side,
        headers={role: f"{role} (%)" for role in ROLES},
        caption="Role proportions in % of the layer's units, mean ± standard deviation over "
        "classes; gap: training minus test accuracy. Paper: VGG16 on ImageNet (Tables 1 and 2); "
        f"ours: {caption}.",
    )


def band_table(seed_means: pd.DataFrame):
    """Each model's mean role proportions (% of the layer) over seeds, as the mean and, in
    brackets, the range (:func:`seed_table` of ``seed_means``, one row per (model, seed)), with
    the paper's overfitted and confusing means beside ours; styled for the page."""
    from .roles import ROLES

    band = seed_table(seed_means, {r: f"{r} (%)" for r in ROLES}, fmt=".1f")
    paper = (100 * TABLE2.xs("mean", axis=1, level=1)).round(1)
    band.insert(2, "overfitted, paper (%)", paper["overfitted"].map("{:.1f}".format).to_numpy())
    band["confusing, paper (%)"] = paper["confusing"].map("{:.1f}".format).to_numpy()
    return tables.table(band)


# --- Table 1: the five models' accuracies (claim R3) ----------------------------------------------

GAP_RISES = "gap rises from A to E"
TEST_FALLS = "test accuracy falls at every step from A to E"


def accuracy_means(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Table 1's rows (:func:`accuracy_rows`) averaged over seeds: one row a model (A to E),
    ``train_acc``, ``test_acc``, ``gap`` and ``train_seconds``."""
    cols = ["train_acc", "test_acc", "gap", "train_seconds"]
    return per_seed.groupby("model", sort=False)[cols].mean()


def accuracy_outcomes(per_seed: pd.DataFrame) -> dict[str, list[bool]]:
    """Claim R3's checks on each seed of Table 1's rows (:func:`accuracy_rows`): the gap rises
    from A to E, the smallest gap is below 0.15 and the largest above 0.45 (R3's core), and test
    accuracy falls at every step. Check name -> its outcome per seed."""
    small, large = CLAIMS["R3"].core
    passes = {GAP_RISES: [], small: [], large: [], TEST_FALLS: []}
    for _, one in per_seed.groupby("seed"):
        g, t = one["gap"].to_numpy(), one["test_acc"].to_numpy()
        passes[GAP_RISES].append(bool((g[1:] > g[:-1]).all()))
        passes[small].append(bool(g.min() < 0.15))
        passes[large].append(bool(g.max() > 0.45))
        passes[TEST_FALLS].append(bool((t[1:] < t[:-1]).all()))
    return passes


def joined(values, fmt: str, sep: str = ", ") -> str:
    """``values`` each written with format spec ``fmt``, joined by ``sep``: ``"0.08, 0.13"``."""
    return sep.join(f"{v:{fmt}}" for v in values)


def accuracy_glue(ours: pd.DataFrame, seeds_n: int) -> dict:
    """Table 1 page's glue from :func:`accuracy_means`: model A's and E's gap and test accuracy,
    the best test accuracy, the test ladder, whether test accuracy falls at every step, and the
    gap and test series (fractions, A to E) the Zhao closing page reads."""
    gaps, test = ours["gap"].to_numpy(), ours["test_acc"].to_numpy()
    best = ours["test_acc"].idxmax()
    falls = (test[1:] < test[:-1]).all()
    return {
        "gap_A": f"{gaps[0]:.3f}", "gap_E": f"{gaps[-1]:.3f}",
        "test_A": f"{test[0]:.3f}", "test_E": f"{test[-1]:.3f}",
        "train_E": f"{ours['train_acc'].iloc[-1]:.3f}",
        "best_test_model": best, "best_test": f"{test.max():.3f}",
        "test_ladder": joined(test, ".2f", " → "), "seeds_n": seeds_n,
        "gap_series": [round(float(g), 4) for g in gaps],
        "test_series": [round(float(v), 4) for v in test],
        "test_falls": "falls at every step" if falls
        else f"does not fall at every step (the best test accuracy is {best}'s)",
    }  # fmt: skip


def accuracy_ours(ours: pd.DataFrame, seeds_n: int) -> str:
    """Claim R3's "ours" line: the gaps and the test accuracies, A to E."""
    return (
        f"{joined(ours['gap'], '.3f')} (A → E, mean of {seeds_n} seeds); test accuracy "
        + joined(ours["test_acc"], ".3f", " → ")
    )


def accuracy_takeaway(ours: pd.DataFrame) -> str:
    """Table 1's takeaway, this run's half: the range of the gaps and the test ladder."""
    gaps = ours["gap"]
    return (
        f"our gaps run from {gaps.min():.3f} to {gaps.max():.3f} (A → E: {joined(gaps, '.2f')}), "
        f"and test accuracy goes {joined(ours['test_acc'], '.2f', ' → ')}."
    )


PAPER = (
    "five VGG16 models with gaps from 0.075 (model A) to 0.604 (model E); test accuracy falls "
    "from 0.657 to 0.374 as the gap grows."
)
"""Zhao et al.'s Table 1, in words: the statement R3's takeaway quotes."""
NOTE = (
    "This is a setup claim: the recipes are built to span the range, so it is not evidence about "
    "units; the later pages are."
)
"""R3's takeaway's caveat."""


def judge(per_seed: pd.DataFrame) -> Judged:
    """Claim R3 judged on Table 1's rows (:func:`unitroles.ladder.accuracy_rows`, a (model,
    seed) a row), each check voted over the seeds (:func:`accuracy_outcomes`), with the numbers
    the prose reads (:func:`accuracy_glue` of the mean over seeds), the card's line, the
    takeaway and its caveat (:data:`NOTE`)."""
    ours, seeds_n = accuracy_means(per_seed), per_seed["seed"].nunique()
    checks, core = study.seed_checks(accuracy_outcomes(per_seed), core=CLAIMS["R3"].core)
    return Judged(
        checks, core, accuracy_ours(ours, seeds_n), accuracy_takeaway(ours),
        accuracy_glue(ours, seeds_n), note=NOTE,
    )  # fmt: skip


def accuracy_caption(paper: pd.DataFrame, ours: pd.DataFrame) -> dict[str, str]:
    """Caption and alt text (:func:`unitroles.plots.caption`'s ``text`` and ``alt``) of Table 1's
    figure (:func:`unitroles.role_figures.accuracy_panels`), the paper's panel beside ours."""
    return {
        "text": "Train and test accuracy (lines, fractions) and the generalization gap between "
        "them (grey bars) of the five models, A (left) to E: (a) the paper's VGG16s on ImageNet, "
        "(b) our vgg16-minis, the mean over seeds (small marks: each seed).",
        "alt": f"Two panels of accuracy against model A to E. Paper: gaps "
        f"{joined(paper['gap'], '.2f')}; ours: gaps {joined(ours['gap'], '.2f')}, test "
        f"accuracy {joined(ours['test_acc'], '.2f')}.",
    }


def recipe_table(ladders: Mapping[int, Mapping[str, object]] | None, ours: pd.DataFrame):
    """The recipes that trained the ladder (``{seed: {"model A": Trained, …}}``), one row a rung:
    training images, the train accuracy it stops at, the epochs each seed ran, augmentation,
    weight decay, dropout and the mean training time (``ours["train_seconds"]``). ``None`` (the
    paper profile): a note that the checkpoints are the user's."""
    if ladders is None:
        from IPython.display import HTML

        return HTML(
            "<p><em>Paper profile: the five models are your VGG16 checkpoints <code>gen-A.pth"
            "</code> … <code>gen-E.pth</code>; their recipes are yours.</em></p>"
        )
    seeds = sorted(ladders)
    runs = {m: [ladders[s][m] for s in seeds] for m in ladders[seeds[0]]}
    recipes = [ts[0].recipe for ts in runs.values()]  # a rung's seeds differ only in the seed
    table = pd.DataFrame(
        {
            "training images / class": [r.train_per_class for r in recipes],
            "stops at train acc": [f"{r.stop_train_acc:.3f}" for r in recipes],
            "epochs trained (each seed)": [
                ", ".join(str(t.meta.get("epochs_run", t.recipe.epochs)) for t in ts)
                + f" of {ts[0].recipe.epochs}"
                for ts in runs.values()
            ],
            "augmentation": ["flips, shifts ≤ 4 px" if r.augment else "—" for r in recipes],
            "weight decay": [f"{r.weight_decay:g}" for r in recipes],
            "classifier dropout": [f"{r.classifier_dropout:g}" for r in recipes],
            "training time (s, mean)": ours["train_seconds"].round(0).to_numpy(),
        },
        index=pd.Index([r.name for r in recipes], name="recipe"),
    )
    return tables.table(table, wrap=["augmentation"])


# --- The closing page: the claims side by side, read back from the executed pages ---------------

CLOSING_PAGES = {
    "table1": "zhao2023_table1_generalization",
    "fig3": "zhao2023_fig3_models",
    "fig4": "zhao2023_fig4_role_space",
    "table2": "zhao2023_table2_role_proportions",
}
"""The pages the closing page reads back (key -> notebook name)."""


def read_pages(folder) -> tuple[dict, dict[str, dict]]:
    """The Zhao claims (``R…``, id -> :class:`~unitroles.verdicts.Claim`) of the executed pages
    in ``folder`` and the glued values of each page of :data:`CLOSING_PAGES` (key -> glue); a
    missing page is an error that says to run the Zhao pages first."""
    from pathlib import Path

    from . import report

    folder = Path(folder)
    found = {k: folder / f"{p}.ipynb" for k, p in CLOSING_PAGES.items()}
    absent = [p.name for p in found.values() if not p.exists()]
    if absent:
        raise FileNotFoundError(
            f"{folder.resolve()} lacks {', '.join(absent)}: run the Zhao pages first "
            "(make book runs them before this one)"
        )
    claims = {c.id: c for c in report.claims_in(folder) if c.id.startswith("R")}
    return claims, {k: report.glued(p) for k, p in found.items()}


def claim_verdict(claims: Mapping, claim_id: str) -> str:
    """A claim's verdict as the side-by-side table shows it: mark, verdict, count and kind."""
    from .verdicts import MARKS

    c = claims.get(claim_id)
    if c is None:
        return "not run in this build"
    return f"{MARKS[c.verdict]} {c.verdict} ({c.count()}; {c.kind})"


def side_by_side(claims: Mapping, glued: Mapping[str, dict]):
    """The closing page's table: per claim R3–R6, what it is about, the paper's numbers, this
    run's (read from the pages' glue, :func:`read_pages`) and the verdict; styled."""
    t1, f3, f4, t2 = (glued[k] for k in ("table1", "fig3", "fig4", "table2"))
    rows = [
        ("R3", "the five models", "gaps 0.075 → 0.604; test accuracy 0.657 → 0.374 (A → E)",
         f"gaps {t1.get('gap_A')} → {t1.get('gap_E')}; test accuracy {t1.get('test_ladder')} "
         f"(means of {t1.get('seeds_n')} seeds)"),
        ("R4", "train vs test ROF curves",
         "similar for well-generalized models, diverge for poorly generalized ones",
         f"over {f3.get('seeds_n')} seeds: ρ of the shape divergence with the gap "
         f"{f3.get('shape_seeds')}; partial ρ with the ladder, loss gap held fixed, "
         f"{f3.get('partial_seeds')}; seed {f4.get('seed0')}: mean divergence {f3.get('div_A')} "
         f"(A) → {f3.get('div_E')} nats (E)"),
        ("R5", "overfitted and confusing units",
         "overfitted 3.1% → 61.4%, confusing 79.1% → 20.9% (A → E); generalizing ≤ 1.8%",
         f"overfitted {t2.get('over_A')} → {t2.get('over_E')}, confusing {t2.get('conf_A')} → "
         f"{t2.get('conf_E')}; generalizing ≤ {t2.get('gen_max')}"),
        ("R6", "the models in role space",
         "per-class proportions separate the models (by eye); A and B quite similar",
         f"nearest-centroid leave-one-out, A+B vs D+E {f4.get('loo_2_seeds')}; five models "
         f"{f4.get('loo_5_seeds')} (chance {f4.get('chance')}), over {f3.get('seeds_n')} seeds"),
    ]  # fmt: skip
    side = pd.DataFrame(
        [(c, what, paper, ours, claim_verdict(claims, c)) for c, what, paper, ours in rows],
        columns=["claim", "what", "the paper", "this run", "verdict"],
    ).set_index("claim")
    return tables.table(side)


def closing_figure(glued: Mapping[str, dict]):
    """The paper (dashed, squares) beside this run (solid, circles), models A to E: (left) gap
    and test accuracy (fractions, :data:`TABLE1`); (right) the mean overfitted, confusing and
    core proportions (%, :data:`TABLE2`), ours read from the Table 1 and Table 2 pages' glued
    series. Captioned; returns the figure."""
    import numpy as np

    from . import plots

    t1, t2 = glued["table1"], glued["table2"]
    paper = {"gap": TABLE1["gap"], "test": TABLE1["test_acc"]}
    paper |= {r: TABLE2[(r, "mean")] for r in ("overfitted", "confusing", "core")}
    ours = {"gap": t1.get("gap_series"), "test": t1.get("test_series")}
    ours |= {r: t2.get(f"{r}_series") for r in ("overfitted", "confusing", "core")}
    x = np.arange(5)
    fig, axes = plots.figure(2, width=7.0, height=4.0)
    styles = {
        "paper": {"ls": "--", "marker": "s", "alpha": 0.75},
        "ours": {"ls": "-", "marker": "o"},
    }
    colours = [(0, "gap", plots.PALETTE[0]), (0, "test", plots.PALETTE[1])]
    colours += [(1, r, plots.ROLE_COLORS[r]) for r in ("overfitted", "confusing", "core")]
    for who, values in (("paper", paper), ("ours", ours)):
        for panel, key, colour in colours:
            if values[key] is not None and len(values[key]):
                y = np.asarray(values[key], float) * (100 if panel else 1)
                axes[panel].plot(x, y, color=colour, label=f"{key} ({who})", **styles[who])
    axes[0].set(xlabel="model", ylabel="accuracy or gap (fraction)", ylim=(0, 1))
    axes[1].set(xlabel="model", ylabel="mean proportion (% of the layer)", ylim=(0, 100))
    for ax in axes:
        ax.set_xticks(x, list("ABCDE"))
        ax.legend(fontsize=plots.SMALL, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return plots.caption(
        fig,
        "The paper (dashed, squares) and this run (solid, circles), models A to E. Left: "
        "generalization gap and test accuracy (fractions). Right: mean proportion of the last "
        "conv layer's units that are overfitted, confusing and core (% of the layer).",
        alt="Two line charts over models A to E. Ours: gaps "
        + joined(ours["gap"] or [], ".2f")
        + "; overfitted "
        + ", ".join(f"{100 * v:.0f}%" for v in ours["overfitted"] or [])
        + "; confusing "
        + ", ".join(f"{100 * v:.0f}%" for v in ours["confusing"] or [])
        + ".",
    )


def closing_takeaway(tally: Mapping[str, int], glued: Mapping[str, dict]) -> str:
    """The closing page's takeaway, this run's half: the verdicts of R4–R6 (``tally``,
    :func:`unitroles.verdicts.tally`) and the overfitted and confusing proportions, A to E."""
    from .verdicts import in_words

    t2 = glued["table2"]
    return (
        f"of the {sum(tally.values())} claims that link roles to generalization (R4–R6), "
        f"{in_words(tally)} on our ladder. As the gap grows from A to E, overfitted units go from "
        f"{t2.get('over_A')} to {t2.get('over_E')} of the layer and confusing units from "
        f"{t2.get('conf_A')} to {t2.get('conf_E')}."
    )
