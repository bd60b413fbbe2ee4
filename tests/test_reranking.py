"""The exercises of Zhao Fig. 1 and Fig. 2 on a tiny random model: reruns, rows and glue."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from unitroles import reranking  # noqa: E402
from unitroles.generalization import ModelRoles  # noqa: E402
from unitroles.rof import rof_summary  # noqa: E402

CLASSES, LAYER = 3, "conv5"


class World:
    """A stand-in for a scene world: image ``i`` of a split depends on the split and ``i``."""

    def render_split(self, split, n):
        gen = torch.Generator().manual_seed(len(split))
        x = torch.randint(0, 256, (n * CLASSES, 3, 32, 32), dtype=torch.uint8, generator=gen)
        return x, torch.arange(CLASSES).repeat(n), {}


class Run:
    """A stand-in for a page's profile."""

    def __init__(self, model, synthetic=True):
        self.synthetic, self._model = synthetic, model

    def trained(self, source):
        return type("Trained", (), {"model": self._model})()

    def world_of(self, name):
        return World()


@pytest.fixture(autouse=True)
def one_thread():
    """A model this small gains nothing from intra-op threads (and waits on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def setup():
    from unitroles import zoo

    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", CLASSES).eval()
    images = reranking.first_images(World(), {"train": 4, "test": 4})
    units = 96
    order = np.stack([np.random.default_rng(k).permutation(units) for k in range(CLASSES)])
    tax = reranking.rerank(model, LAYER, images, order, ("a", "b", "c"))
    return model, ModelRoles("model A", "gen-A", tax)


def test_curve_exercises_add_a_row_and_glue_values_once(setup):
    model, chosen = setup
    tax = chosen.taxonomy
    summary = {s: rof_summary(getattr(tax, s), early=0.1) for s in reranking.SPLITS}
    ex = reranking.CurveExercises(Run(model), chosen, LAYER, 0.1, summary, most=2)
    ex.rank("activation", tax.train.order)
    ex.rank("weight", ex.weight_order)  # a function: called only where images are rendered
    glued = ex.glue("ex1", than=("activation", "weight"))
    assert glued["ex_train_images"] == 2 and glued["ex_early"] == "10%"
    assert {"ex_page_n0", "ex_activation_rise", "ex_weight_early"} <= set(glued)
    assert glued["ex1_direction"] in ("later", "earlier", "at the same place")
    assert list(glued["ex1_table"].index) == [
        "activation, all images (the page)", "activation", "weight"
    ]  # fmt: skip
    ex.rank("reversed", tax.train.order[:, ::-1].copy())
    again = ex.glue("ex2")
    assert "ex_page_n0" not in again and "ex_reversed_n0" in again and len(again["ex2_table"]) == 4
    assert len(ex.figure(0, "t").axes[0].get_lines()) == 3


def test_curve_exercises_under_the_paper_profile_read_not_run(setup):
    model, chosen = setup
    tax = chosen.taxonomy
    summary = {s: rof_summary(getattr(tax, s), early=0.1) for s in reranking.SPLITS}
    ex = reranking.CurveExercises(Run(model, synthetic=False), chosen, LAYER, 0.1, summary)
    ex.rank("weight", lambda: pytest.fail("not called under the paper profile"))
    glued = ex.glue("ex1", than=("page", "weight"))
    assert glued["ex_weight_n0"] == "n/a" and glued["ex1_direction"] == "n/a"
    assert glued["ex_test_images"] == "n/a" and len(glued["ex1_table"]) == 1


def test_role_exercises_rerun_both_rankings_and_cross_tabulate(setup):
    model, chosen = setup
    models = {"model A": chosen, "model E": chosen}
    ex = reranking.RoleExercises(Run(model), models, list(models), LAYER, most=2)
    assert set(ex.taxa) == {(n, r) for n in models for r in ("activation", "weight")}
    glued = ex.glue()
    assert glued["ex2_first"] == "model A" and glued["ex2_last"] == "model E"
    assert glued["ex2_images"].startswith("model A: 2 training and 2 test images")
    assert "grows most" in glued["ex2_moves_first"]
    cross = ex.crosstab("model A")
    assert cross["ex3_table"].to_numpy().sum() == CLASSES * 96
    none = reranking.RoleExercises(Run(model, synthetic=False), models, list(models), LAYER)
    assert none.glue()["ex2_moves_last"] == "n/a" and none.crosstab("model A")["ex3_stay"] == "n/a"
