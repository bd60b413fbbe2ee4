"""The ROF test again under other rank orders, on the first images of each class.

The exercises of Zhao et al.'s Fig. 1 and Fig. 2 pages ask what a unit's turning point and role
owe to the ranking. To stay quick they rerun the test on the first images a class of the page's
training and test sets (:func:`first_images`, :func:`exercise_sizes`), with the page's activation
ranking and with others (:func:`rerank`, :func:`weight_order`), so that rows differ in the
ranking alone; :func:`curve_row` and :func:`role_row` are the rows their tables show.
:class:`CurveExercises` (Fig. 1) and :class:`RoleExercises` (Fig. 2) run a page's exercises and
return the values their solutions glue ("n/a" under the paper profile, whose images are not
rendered here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import plots, tables
from .rof import rof_curves, rof_summary, unit_ranking
from .role_bands import core_flow, role_crosstab
from .roles import ROLES, Taxonomy
from .scenes import normalize

SPLITS = ("train", "test")

Images = dict[str, tuple[torch.Tensor, torch.Tensor]]
"""Per split, ``(images (n, 3, H, W) normalized, labels (n,))``."""


def exercise_sizes(tax: Taxonomy, most: int) -> dict[str, int]:
    """Images a class per split for an exercise: ``most``, or fewer where the page's sets have
    fewer for some class (``tax.train.images``, ``tax.test.images``)."""
    return {split: min(most, int(getattr(tax, split).images.min())) for split in SPLITS}


def first_images(world, per_class: Mapping[str, int]) -> Images:
    """The first ``per_class[split]`` images a class of each split of the synthetic ``world``,
    normalized for the model; image ``i`` depends on the split and ``i`` only, so these are the
    start of the page's image sets."""
    images = {}
    for split, n in per_class.items():
        x, y, _ = world.render_split(split, n)
        images[split] = (normalize(x), y)
    return images


def head(images: Images, per_class: Mapping[str, int], classes: int) -> Images:
    """The first ``per_class[split] * classes`` images of each split of ``images`` (rendered
    class-balanced, a whole round of the classes at a time: the first images a class)."""
    return {s: tuple(arr[: n * classes] for arr in images[s]) for s, n in per_class.items()}


def weight_order(model: nn.Module, layer: str, images: Images, classes: int) -> np.ndarray:
    """``(K, N)`` the units of ``layer`` ranked by their filter's L1 norm (the same order for
    every class), from the training images of ``images``."""
    return unit_ranking(model, layer, *images["train"], classes, rank_by="weight")


def rerank(
    model: nn.Module,
    layer: str,
    images: Images,
    order: np.ndarray,
    class_names: Sequence[str],
    rank_by: str = "activation",
) -> Taxonomy:
    """The ROF test of every class on ``images``' training and test split, units switched on
    in ``order`` ``(K, N)``; ``rank_by`` names the order."""
    curves = [rof_curves(model, layer, *images[s], order) for s in SPLITS]
    return Taxonomy(*curves, tuple(class_names), layer, rank_by)


def curve_row(s_train: pd.DataFrame, s_test: pd.DataFrame, units: int, early: float) -> dict:
    """One ranking's row of the Fig. 1 exercises from the train and test
    :func:`~unitroles.rof.rof_summary`: median turning points (% of the ``units``), the median
    part of the test fall made by the first ``early`` of the units, the median test minimum
    (nats) and the classes whose test curve rises after its turning point (%)."""
    return {
        "median n0, train (% of units)": 100 * s_train["n0_fraction"].median(),
        "median n0, test (% of units)": 100 * s_test["n0_fraction"].median(),
        f"median part of the test fall made by {early:.0%} of the units": s_test[
            "early_recovery"
        ].median(),
        "median E(n0), test (nats)": s_test["loss_min"].median(),
        "classes with n0 < N, test (%)": 100 * (s_test["n0"] < units).mean(),
    }


def role_row(tax: Taxonomy) -> dict:
    """One (model, ranking)'s row of the Fig. 2 exercises: the median turning points over classes
    (units) and the mean proportion of the layer's units in each role (%)."""
    proportions = tax.proportions()
    return {
        "median n0, train": np.median(tax.n0_train),
        "median n0, test": np.median(tax.n0_test),
    } | {f"{r} (%)": 100 * proportions[r].mean() for r in ROLES}


def largest_moves(before: Mapping[str, float], after: Mapping[str, float]) -> str:
    """Which role grows most and which shrinks most between two :func:`role_row` rows, in
    words with both proportions (% of the units)."""
    change = {r: after[f"{r} (%)"] - before[f"{r} (%)"] for r in ROLES}
    up, down = max(change, key=change.get), min(change, key=change.get)
    return (
        f"{up} grows most ({before[f'{up} (%)']:.0f}% → {after[f'{up} (%)']:.0f}% of the units) "
        f"and {down} shrinks most ({before[f'{down} (%)']:.0f}% → {after[f'{down} (%)']:.0f}%)"
    )


N0_TEST = "median n0, test (% of units)"
"""The :func:`curve_row` columns the Fig. 1 exercises' prose reads."""
EARLY_FALL = "median part of the test fall made by {early:.0%} of the units"
RISES = "classes with n0 < N, test (%)"


class CurveExercises:
    """Fig. 1's exercises: the ROF test of one model again under other rank orders, on the
    first ``most`` images a class of each split, one :func:`curve_row` a ranking.

    ``run`` is the page's profile (``run.synthetic``: its images can be rendered here, else
    every ranking reads "n/a"; ``run.trained``, ``run.world_of``); ``chosen``: the page's
    :class:`~unitroles.generalization.ModelRoles`; ``summary``: the page's train and test
    :func:`~unitroles.rof.rof_summary` on all its images, the first row. :meth:`rank` adds a
    ranking, :meth:`glue` returns what the prose reads, :meth:`figure` draws the test curves.
    """

    def __init__(
        self,
        run,
        chosen,
        layer: str,
        early: float,
        summary: Mapping[str, pd.DataFrame],
        *,
        most: int = 20,
        world: str = "gen-A",
    ):
        self.tax, self.layer, self.early = chosen.taxonomy, layer, early
        self.synthetic = bool(run.synthetic)  # the paper profile's images are not rendered here
        self.rows: dict[str, dict] = {}
        self.curves: dict[str, Taxonomy] = {}
        self._pending: dict = {"ex_early": f"{early:.0%}"}
        if self.synthetic:
            self.model = run.trained(chosen.source).model
            sizes = exercise_sizes(self.tax, most)
            self.images = first_images(run.world_of(world), sizes)  # the page's sets, first
        else:
            sizes = {split: "n/a" for split in SPLITS}
        self._pending |= {f"ex_{split}_images": n for split, n in sizes.items()}
        self._add("activation, all images (the page)", "page", summary["train"], summary["test"])

    def _add(self, name: str, tag: str, s_train: pd.DataFrame, s_test: pd.DataFrame) -> None:
        row = self.rows[name] = curve_row(s_train, s_test, self.tax.units, self.early)
        self._pending |= {
            f"ex_{tag}_n0": f"{round(row[N0_TEST])}%",
            f"ex_{tag}_early": f"{round(100 * row[EARLY_FALL.format(early=self.early)])}%",
            f"ex_{tag}_rise": f"{round(row[RISES])}%",
        }

    def weight_order(self) -> np.ndarray:
        """The units ranked by their filter's L1 norm (:func:`weight_order`)."""
        return weight_order(self.model, self.layer, self.images, len(self.tax.class_names))

    def rank(self, name: str, order) -> None:
        """The ROF test of every class, units switched on in ``order`` (``(K, N)``, or a
        function that returns it, called only where the images are rendered); its row and
        curves under ``name``. Under the paper profile its numbers read "n/a"."""
        if not self.synthetic:
            self._pending |= {f"ex_{name}_{v}": "n/a" for v in ("n0", "early", "rise")}
            return
        order = order() if callable(order) else order
        curves = rerank(self.model, self.layer, self.images, order, self.tax.class_names, name)
        self.curves[name] = curves
        self._add(
            name, name, *(rof_summary(c, early=self.early) for c in (curves.train, curves.test))
        )

    def direction(self, a: str, b: str) -> str:
        """Where ranking ``b``'s median test turning point lies relative to ``a``'s: "later",
        "earlier", "at the same place" ("n/a" under the paper profile)."""
        if not self.synthetic:
            return "n/a"
        n0_a, n0_b = self.rows[a][N0_TEST], self.rows[b][N0_TEST]
        return "later" if n0_b > n0_a else "earlier" if n0_b < n0_a else "at the same place"

    def glue(self, name: str, than: tuple[str, str] | None = None) -> dict:
        """What exercise ``name``'s solution reads: ``<name>_table`` (every row so far, rounded
        to 2 decimals), ``<name>_direction`` where ``than`` = ``(a, b)`` is given
        (:meth:`direction`), and the values not returned before (the image counts, ``ex_early``,
        and each new ranking's ``ex_<tag>_n0``, ``ex_<tag>_early``, ``ex_<tag>_rise``)."""
        out, self._pending = self._pending | {f"{name}_table": self.table()}, {}
        if than is not None:
            out[f"{name}_direction"] = self.direction(*than)
        return out

    def table(self) -> pd.DataFrame:
        """One row a ranking (:func:`curve_row`), rounded to 2 decimals."""
        return pd.DataFrame(self.rows).T.round(2)

    def figure(self, k: int, title: str):
        """Class ``k``'s test curve under each ranking (nats against units switched on), or a
        note that the paper profile does not run them. Returns the figure."""
        fig, ax = plots.figure(1, width=5.5, height=3.2)
        if not self.synthetic:
            ax.text(0.5, 0.5, "not run under the paper profile", ha="center", va="center")
            return fig
        for i, (name, curves) in enumerate(self.curves.items()):
            n = np.arange(self.tax.units + 1)
            ax.plot(n, curves.test.loss[k], color=plots.PALETTE[i], label=name)
        ax.set(xlabel="units switched on, n", ylabel="cross-entropy E(n) (nats)", title=title)
        ax.legend(fontsize=plots.SMALL)
        return fig


class RoleExercises:
    """Fig. 2's exercises 2 and 3: the ROF test of the models ``names`` again, each class's
    units switched on by activation (the page's order) and by their filter's L1 norm
    (:func:`weight_order`), on the first ``most`` images a class of each split, so that the
    roles differ in the ranking alone.

    ``run`` is the page's profile (``run.synthetic``: its images can be rendered here, else
    nothing runs and every answer reads "n/a"); ``models``: name ->
    :class:`~unitroles.generalization.ModelRoles`. ``taxa[name, ranking]`` holds each rerun,
    ``rows`` its :func:`role_row`.
    """

    RANKINGS = ("activation", "weight")

    def __init__(
        self,
        run,
        models: Mapping,
        names: Sequence[str],
        layer: str,
        *,
        most: int = 20,
        world: str = "gen-A",
    ):
        self.names, self.synthetic = list(names), bool(run.synthetic)
        self.taxa: dict[tuple[str, str], Taxonomy] = {}
        self.rows: dict[tuple[str, str], dict] = {}
        self.sizes: dict[str, dict[str, int]] = {}
        if not self.synthetic:  # the paper profile's images are not rendered here
            return
        self.sizes = {name: exercise_sizes(models[name].taxonomy, most) for name in names}
        largest = {split: max(s[split] for s in self.sizes.values()) for split in SPLITS}
        rendered = first_images(run.world_of(world), largest)
        for name in names:
            tax, model = models[name].taxonomy, run.trained(models[name].source).model
            K = len(tax.class_names)
            data = head(rendered, self.sizes[name], K)
            orders = {"activation": tax.train.order, "weight": weight_order(model, layer, data, K)}
            for rank, order in orders.items():
                self.taxa[name, rank] = rerank(model, layer, data, order, tax.class_names, rank)
                self.rows[name, rank] = role_row(self.taxa[name, rank])

    def glue(self) -> dict:
        """What exercise 2's solution reads: the models (``ex2_first``, ``ex2_last``), the images
        used (``ex2_images``), the table of :func:`role_row` rows (``ex2_table``) and the roles
        that move most in each model (``ex2_moves_first``, ``ex2_moves_last``,
        :func:`largest_moves`)."""
        table = pd.DataFrame(self.rows).T.round(1)
        if len(table):
            table.index.names = ["model", "ranking"]
        first, last = self.names[0], self.names[-1]
        images = "; ".join(
            f"{name}: {n['train']} training and {n['test']} test images"
            for name, n in self.sizes.items()
        )
        return {
            "ex2_first": first,
            "ex2_last": last,
            "ex2_images": images if self.synthetic else "n/a",
            "ex2_table": tables.table(  # in a solution box, narrower than the page's column
                table if self.synthetic else pd.DataFrame({"not run": ["paper profile"]}),
                decimals=1,
                headers={"median n0, train": "n0, train", "median n0, test": "n0, test"}
                | {f"{r} (%)": r for r in ROLES},
                caption="n0: the median turning point over classes (units); roles: the mean "
                "proportion of the layer's units (%).",
            ),
        } | {
            f"ex2_moves_{which}": (
                largest_moves(self.rows[name, "activation"], self.rows[name, "weight"])
                if self.synthetic
                else "n/a"
            )
            for which, name in (("first", first), ("last", last))
        }

    def crosstab(self, name: str) -> dict:
        """What exercise 3's solution reads for model ``name``: its (class, unit) pairs by role
        under the activation against the weight ranking (``ex3_table``,
        :func:`~unitroles.role_bands.role_crosstab`), the share of core pairs that stay core
        (``ex3_stay``) and where the weight ranking's core pairs come from (``ex3_origin``,
        :func:`~unitroles.role_bands.core_flow`)."""
        if not self.synthetic:
            return {
                "ex3_table": pd.DataFrame({"not run": ["paper profile"]}),
                "ex3_stay": "n/a",
                "ex3_origin": "n/a",
            }
        before = self.taxa[name, "activation"].roles().ravel()
        after = self.taxa[name, "weight"].roles().ravel()
        stay, origin = core_flow(before, after)
        return {"ex3_table": role_crosstab(before, after), "ex3_stay": stay, "ex3_origin": origin}
