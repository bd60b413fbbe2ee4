"""Zhao's figures as the pages show them: drawn, captioned and with alt text."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from unitroles import role_figures  # noqa: E402
from unitroles.generalization import ModelRoles  # noqa: E402
from unitroles.rof import ROFCurves, rof_summary  # noqa: E402
from unitroles.roles import ROLES, Taxonomy  # noqa: E402

TRAIN = [[2.0, 1.5, 1.0, 0.5, 0.9], [2.0, 0.5, 0.8, 0.9, 1.0]]
TEST = [[2.0, 0.5, 0.8, 0.9, 1.0], [2.0, 1.0, 0.5, 0.7, 0.9]]


def _taxonomy():
    order, acc, images = np.tile(np.arange(4), (2, 1)), np.zeros((2, 5)), np.full(2, 10)
    return Taxonomy(
        ROFCurves(np.asarray(TRAIN), acc, order, images),
        ROFCurves(np.asarray(TEST), acc, order, images),
        ("big_cat", "dog"),
    )


def test_turning_points_and_taxonomy_figures_are_captioned():
    tax = _taxonomy()
    summary = {s: rof_summary(getattr(tax, s)) for s in ("train", "test")}
    fig = role_figures.turning_points_figure(tax, 0, summary, model="model A", layer="conv5_3")
    assert fig.axes[0].get_title() == "(a) big cat, model A"
    assert "class big cat in model A" in fig._unitroles_caption
    assert "n0 = 3 (train) and 1 (test) of 4 units" in fig._unitroles_alt
    models = {n: ModelRoles(n, "gen-A", tax) for n in ("model A", "model E")}
    matplotlib.pyplot.close(fig)
    fig = role_figures.taxonomy_figure(models, 0, ["model A", "model E"])
    assert len(fig.axes) == 4 and "in model A and model E" in fig._unitroles_caption
    assert "model E, big cat: 1 core, 2 overfitted, 0 generalizing, 1 confusing" in (
        fig._unitroles_alt
    )
    matplotlib.pyplot.close("all")


def test_role_space_and_shares_figures_are_captioned():
    points = pd.DataFrame(
        [{"model": f"model {m}", "core": 10.0 * i, "overfitted": 5.0, "confusing": 80.0}
         for i, m in enumerate("AB") for _ in range(3)]
    )  # fmt: skip
    fig = role_figures.role_space_figure(points)
    assert "model A: 0, 5, 80; model B: 10, 5, 80." in fig._unitroles_alt
    shares = {"model A": pd.DataFrame({r: [0.1, 0.5, 0.3] for r in ROLES})}
    fig = role_figures.shares_figure(shares)
    assert len(fig.axes) == 3 and fig._unitroles_alt.endswith("model A 30%.")
    matplotlib.pyplot.close("all")
