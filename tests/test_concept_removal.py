"""Units chosen without ablation (Bau et al. 2020, claim W2): which units each rule picks, the
drops of their sets against a plain hook-reference evaluation, and the claim's checks."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from unitroles import concept_removal as cr
from unitroles import scenes, study
from unitroles.dissection import Dissection
from unitroles.evaluation import Setup


def _dissection(concepts, categories, iou):
    iou = np.asarray(iou, float)
    return Dissection(iou, tuple(concepts), tuple(categories), np.zeros(len(iou)))


def test_required_objects_are_the_parts_a_recipe_always_draws():
    world = scenes.SceneWorld(size=16, seed=0, classes=scenes.PAIRED_CLASSES[:2])
    assert [c.name for c in world.classes] == ["bedroom", "empty_room"]
    assert cr.required_objects(world) == {0: ("bed",)}  # the empty room's window is optional


def test_class_concepts_read_the_worlds_objects_or_the_scene_label_of_the_class():
    d = _dissection(["bed", "window", "bedroom"], ["object", "object", "scene"], np.zeros((2, 3)))
    world = scenes.SceneWorld(size=16, seed=0, classes=scenes.PAIRED_CLASSES[:2])
    assert cr.class_concepts(d, world.class_names, world) == {0: [0]}
    assert cr.class_concepts(d, ("bedroom", "empty_room")) == {0: [2]}
    assert cr.class_concepts(d, ("kitchen",)) == {}


def test_top_units_sorts_by_score_and_breaks_ties_by_the_lower_unit():
    scores = np.array([0.2, 0.5, 0.5, 0.1, 0.9])
    ref = sorted(range(5), key=lambda u: (-scores[u], u))[:4]
    assert cr.top_units(scores, 4).tolist() == ref == [4, 1, 2, 0]


def test_orders_give_each_rule_its_units_per_class():
    classes, steps = [0, 2], 2
    concept = np.array([[0.1, 0.0, 0.3, 0.2], [0.0, 0.4, 0.0, 0.1]])  # (classes, U)
    selectivity = np.array([[0.9, 0, 0], [0.1, 0, 0.8], [0.5, 0, 0.1], [0.0, 0, 0.2]])  # (U, K)
    weight = np.array([1.0, 4.0, 2.0, 3.0])
    greedy_order = np.array([[3, 2, 1], [0, 1, 2], [2, 3, 0]])  # (K, steps)
    out = cr.orders(classes, steps, concept=concept, selectivity=selectivity, weight=weight,
                    greedy_order=greedy_order, random_orders=3, seed=0)  # fmt: skip
    assert out["concept"][:, 0].tolist() == [[2, 3], [1, 3]]
    assert out["selectivity"][:, 0].tolist() == [[0, 2], [1, 3]]
    assert out["weight"][:, 0].tolist() == [[1, 3], [1, 3]]
    assert out["greedy"][:, 0].tolist() == [[3, 2], [2, 3]]
    assert out["random"].shape == (2, 3, 2)
    assert all(len(set(o)) == steps for row in out["random"] for o in row)


def test_set_drops_split_the_class_from_the_others():
    rng = np.random.default_rng(0)
    drops = rng.normal(size=(2, 3, 4, 5))  # (classes, orders, steps, K)
    classes = [1, 4]
    own, others = cr.set_drops(drops, classes)
    assert own.shape == others.shape == (2, 5) and (own[:, 0] == 0).all()
    for i, k in enumerate(classes):
        for t in range(4):
            rest = [j for j in range(5) if j != k]
            assert own[i, t + 1] == pytest.approx(drops[i, :, t, k].mean())
            assert others[i, t + 1] == pytest.approx(drops[i, :, t, rest].mean())


class Tiny(nn.Module):
    """conv + ReLU (the layer) then a linear head: 6 units, 3 classes."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.relu = nn.ReLU()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))

    def forward(self, x):
        return self.head(self.relu(self.conv(x)))


def test_measured_drops_match_ablating_each_set_with_the_hook_reference(store, monkeypatch):
    model = Tiny().eval()
    torch.manual_seed(1)
    images = torch.randn(36, 3, 6, 6)
    labels = torch.arange(36) % 3  # 12 images a class, 6 of them scored
    setup = Setup(model, images, labels, ("a", "b", "c"), "tiny", 1.0)
    monkeypatch.setenv("UNITROLES_CACHE", str(store.root))
    d = _dissection(["a", "c"], ["scene", "scene"], np.random.default_rng(0).random((6, 2)))
    weight = np.arange(6, dtype=float)
    run = cr.measure(setup, "relu", d, weight, 3, greedy_steps=3, random_orders=2, seed=0)
    assert run.classes == [0, 2] and run.steps == 3
    _, score = study.split_halves(labels)
    x, y = images[score], labels[score]

    def class_acc(keep):
        def zero(module, inputs, out):
            return out * torch.as_tensor(keep, dtype=out.dtype).view(1, -1, 1, 1)

        handle = model.relu.register_forward_hook(zero)
        try:
            with torch.no_grad():
                pred = model(x).argmax(1)
        finally:
            handle.remove()
        return np.array([100 * (pred[y == k] == k).float().mean().item() for k in range(3)])

    base = class_acc(np.ones(6))
    for rule in cr.RULES:
        for i, k in enumerate(run.classes):
            for t in range(1, 4):
                drops = []
                for units in run.units[rule][i]:
                    keep = np.ones(6)
                    keep[units[:t]] = 0
                    drops.append(base - class_acc(keep))
                drop = np.mean(drops, 0)
                assert run.own[rule][i, t] == pytest.approx(drop[k], abs=1e-9)
                rest = [j for j in range(3) if j != k]
                assert run.others[rule][i, t] == pytest.approx(drop[rest].mean(), abs=1e-9)


def test_measure_is_none_when_no_class_has_a_concept():
    setup = Setup(Tiny(), torch.zeros(4, 3, 6, 6), torch.tensor([0, 1, 2, 0]), ("a", "b", "c"),
                  "tiny", 1.0)  # fmt: skip
    d = _dissection(["x"], ["scene"], np.zeros((6, 1)))
    assert cr.measure(setup, "relu", d, np.ones(6), 2) is None


def test_checks_read_the_claim_per_seed():
    rows = pd.DataFrame(
        {
            f"{rule}: {what} (pts)": values
            for rule, (own, others) in {
                "concept": ([30, 10], [2, 5]),
                "greedy": ([40, 40], [3, 3]),
                "selectivity": ([20, 20], [1, 1]),
                "weight": ([5, 12], [1, 1]),
                "random": ([2, 2], [1, 1]),
            }.items()
            for what, values in (("class", own), ("others", others))
        },  # fmt: skip
        index=pd.Index([0, 1], name="seed"),
    )
    out = cr.checks(rows)
    assert out[cr.FAST_CHECK] == [True, False]  # 30 >= 20; 10 < 20
    assert out[cr.SPARE_CHECK] == [True, False]  # 2 <= 6; 5 > 2
    assert out[cr.ALMOST_CHECK] == [False, False]
    assert out[cr.RANDOM_CHECK] == [True, False]
    assert out[cr.WEIGHT_CHECK] == [True, False]
    assert set(cr.CORE) <= set(out)


def test_a_class_that_loses_nothing_leaves_the_others_nothing_to_lose():
    rows = pd.DataFrame({f"{r}: {w} (pts)": [-1.0] for r in cr.RULES for w in ("class", "others")})
    rows["concept: others (pts)"] = [-0.5]
    assert cr.checks(rows)[cr.SPARE_CHECK] == [True]
    rows["concept: others (pts)"] = [0.5]
    assert cr.checks(rows)[cr.SPARE_CHECK] == [False]


def _rows() -> pd.DataFrame:
    own = {"concept": [30, 20], "greedy": [40, 40], "selectivity": [35, 33], "weight": [5, 12],
           "random": [2, 3]}  # fmt: skip
    rows = {f"{r}: class (pts)": v for r, v in own.items()}
    rows |= {f"{r}: others (pts)": [1.0, 2.0] for r in own}
    return pd.DataFrame(rows, index=pd.Index([0, 1], name="seed"))


def test_page_text_reads_the_per_seed_rows():
    rows = _rows()
    glued = cr.glue_values(rows, 2, 7)
    assert glued["concept_own"] == cr.span(rows, "concept: class (pts)")
    assert glued["n_classes"] == 7 and glued["best_rule"] == "class selectivity"
    assert glued["ratio"] == cr.verdicts.over_seeds([0.75, 0.5], ".2f", mean=False, alone=True)
    ours = cr.takeaway_text(rows, 8, "conv5")
    assert glued["concept_own"] in ours and glued["random_own"] not in ("", None)
    assert "after 8 conv5 units" in ours
    claim = cr.claim_text(rows, 8)
    assert claim.startswith("seed 0: after 8 units, concept 30 pts") and "; seed 1:" in claim
    checks, core = cr.claim(rows)
    assert len(core) == 2 and all(name in checks for name in core)


def test_page_text_when_nothing_is_measured():
    glued = cr.glue_values(None, 3, 0)
    assert glued["n_seeds"] == 3 and glued["concept_own"] == "—" and "best_rule" not in glued
    assert cr.claim_text(None, 8) == "not measured"
    assert cr.takeaway_text(None, 8, "conv5").startswith("not measured: no class")
    checks, core = cr.claim(None)
    assert checks == {cr.FAST_CHECK: None, cr.SPARE_CHECK: None} and core == list(cr.CORE)
    glued = cr.overlap_glue(None, 4, 32)
    assert glued == {"ex1_table": "—", "ex1_chance": "0.5", "ex1_units": 32}
    table = cr.overlap_glue(pd.Series({"random units": 1.0}, name="shared"), 4, 32)["ex1_table"]
    assert "random units" in table.to_html()


def _runs(rows: pd.DataFrame) -> list:
    """One :class:`~unitroles.concept_removal.Removal` a row of ``rows``: ``steps`` 8, two
    classes, each rule's drops those of the row at every step."""
    runs = []
    for _, row in rows.iterrows():
        own = {r: np.full((2, 9), row[f"{r}: class (pts)"], float) for r in cr.RULES}
        others = {r: np.full((2, 9), row[f"{r}: others (pts)"], float) for r in cr.RULES}
        units = {r: np.zeros((2, 1, 8), int) for r in cr.RULES}
        runs.append(cr.Removal(np.array([0, 1]), 8, own, others, units))
    return runs


def test_judge_reads_the_per_seed_rows_or_says_why_nothing_was_measured():
    rows = _rows()
    w2 = cr.judge(_runs(rows), [0, 1], "conv5")
    assert (w2.checks, w2.core) == cr.claim(rows) and w2.unmeasured is None
    assert w2.ours == cr.claim_text(rows, 8)
    assert w2.takeaway == cr.takeaway_text(rows, 8, "conv5")
    assert w2.glue == cr.glue_values(rows, 2, 2) and w2.changes == {}
    none = cr.judge([None, None], [0, 1], "conv5")
    assert none.unmeasured == cr.UNMEASURED and none.ours == "not measured"
    assert none.checks == {cr.FAST_CHECK: None, cr.SPARE_CHECK: None}
    assert none.glue["concept_own"] == "—"
