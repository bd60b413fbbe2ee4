"""Cumulative ablation (Morcos et al. 2018; unitroles.cumulative): the curves the engine computes
as unit-set ablations against the plain hook loop, the orders and steps, the retained accuracy and
its area, the cache, W4's checks.

Exactness checks run in float64 on random models with 32 px inputs and a few images of a few
classes, so the file stays fast on two CPU cores.
"""

import numpy as np
import pytest
import torch

from unitroles import attributes, cumulative, engine, zoo

CLASSES = 3
_MODELS: dict = {}


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_model(arch):
    """A randomly initialised ``arch`` in float64, eval mode, batch-norm statistics not trivial."""
    if arch not in _MODELS:
        torch.manual_seed(0)
        model = zoo.build_model(arch, CLASSES, batchnorm=arch == "vgg16-mini").double().eval()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
        _MODELS[arch] = model
    return _MODELS[arch]


def random_data(per_class=2, seed=1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(per_class * CLASSES, 3, 32, 32, dtype=torch.float64, generator=gen)
    return x, torch.arange(CLASSES).repeat(per_class)


def units_of(model, layer, x):
    return engine.Engine(model, layer, device="cpu").activations(x[:1]).shape[1]


CASES = [("alexnet-mini", "conv5"), ("vgg16-mini", "conv5_3"), ("resnet18-mini", "layer3")]


@pytest.mark.parametrize("arch,layer", CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_removal_curves_match_the_hook_reference(arch, layer):
    # alexnet / vgg: the engine's linear-head shortcut; resnet layer3: batched masked suffixes
    model = random_model(arch)
    x, y = random_data()
    units = units_of(model, layer, x)
    rng = np.random.default_rng(0)
    removal = np.stack([rng.permutation(units) for _ in range(2)])
    fast = cumulative.removal_curves(model, layer, x, y, CLASSES, removal, device="cpu")
    ref = cumulative.reference_curves(model, layer, x, y, CLASSES, removal)
    assert fast.accuracy.shape == (2, CLASSES, units + 1)
    np.testing.assert_array_equal(fast.accuracy, ref.accuracy)
    np.testing.assert_allclose(fast.loss, ref.loss, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(fast.images, [2, 2, 2])


def test_curves_read_at_fewer_steps_match_the_reference_and_the_full_curve():
    model = random_model("vgg16-mini")
    x, y = random_data()
    removal = np.random.default_rng(1).permutation(128)[None]
    some = cumulative.removal_curves(model, "conv5_3", x, y, CLASSES, removal, points=9)
    np.testing.assert_array_equal(some.steps, np.arange(0, 129, 16))
    ref = cumulative.reference_curves(model, "conv5_3", x, y, CLASSES, removal, points=9)
    np.testing.assert_array_equal(some.accuracy, ref.accuracy)
    np.testing.assert_allclose(some.loss, ref.loss, rtol=1e-10, atol=1e-10)
    every = cumulative.removal_curves(model, "conv5_3", x, y, CLASSES, removal)
    np.testing.assert_allclose(some.loss, every.loss[..., some.steps], rtol=1e-10, atol=1e-10)
    assert some.nearest(0.5) == 4 and np.isclose(some.fraction()[4], 0.5)


def test_step_grid_and_masks():
    np.testing.assert_array_equal(cumulative.step_grid(4, None), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(cumulative.step_grid(4, 10), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(cumulative.step_grid(64, 5), [0, 16, 32, 48, 64])
    with pytest.raises(ValueError, match="two ends"):
        cumulative.step_grid(64, 1)
    keep = cumulative.removal_masks(np.array([[2, 0, 1]]), np.array([0, 1, 3]))
    np.testing.assert_array_equal(keep, [[1, 1, 1], [1, 1, 0], [0, 0, 0]])


def test_the_curve_starts_at_the_intact_model_and_ends_at_the_dead_layer():
    model = random_model("alexnet-mini")
    x, y = random_data(per_class=3)
    units = units_of(model, "conv5", x)
    curves = cumulative.removal_curves(model, "conv5", x, y, CLASSES, np.arange(units)[None])
    intact = model(x).argmax(1) == y
    assert np.isclose(curves.overall()[0, 0], 100 * float(intact.double().mean()))
    eng = engine.Engine(model, "conv5", device="cpu")
    dead = eng.split.suffix(torch.zeros_like(eng.activations(x))).argmax(1) == y
    assert np.isclose(curves.overall()[0, -1], 100 * float(dead.double().mean()))


def test_orders_are_seeded_permutations_then_selectivity_both_ways():
    sel = np.array([0.2, 0.9, 0.2, 0.5])
    removal, names = cumulative.orders(sel, 3, seed=7)
    assert names == ["random 0", "random 1", "random 2", cumulative.SELECTIVE_FIRST,
                     cumulative.SELECTIVE_LAST]  # fmt: skip
    assert removal.shape == (5, 4)
    assert all(sorted(o) == [0, 1, 2, 3] for o in removal)
    np.testing.assert_array_equal(removal, cumulative.orders(sel, 3, seed=7)[0])
    np.testing.assert_array_equal(removal[3], [1, 3, 0, 2])  # ties by unit index
    np.testing.assert_array_equal(removal[4], [0, 2, 3, 1])
    with pytest.raises(ValueError, match="random_orders"):
        cumulative.orders(sel, 0)


def test_selectivity_is_morcos_index_of_the_spatial_means():
    model = random_model("alexnet-mini")
    x, y = random_data(per_class=3)
    sel = cumulative.selectivity(model, "conv5", x, y, CLASSES, device="cpu", chunk_images=4)
    means = engine.Engine(model, "conv5", device="cpu").activations(x).mean((2, 3)).numpy()
    np.testing.assert_allclose(sel, attributes.class_selectivity(means, y.numpy(), CLASSES).max(1))


def test_retained_accuracy_and_its_area_by_hand():
    # one order, 2 classes (chance 50%), 4 units; class accuracies over k = 0..4 removed
    acc = np.array([[[100, 100, 80, 60, 50], [100, 100, 80, 60, 50]]], float)
    curves = cumulative.AblationCurves(
        acc, np.zeros_like(acc), np.arange(4)[None], np.array([5, 5])
    )
    np.testing.assert_allclose(curves.retained(), [[1, 1, 0.6, 0.2, 0]])
    np.testing.assert_allclose(curves.fraction(), [0, 0.25, 0.5, 0.75, 1])
    # trapezoids of width 1/4: (1 + 1 + 1 + .6 + .6 + .2 + .2 + 0) / 8
    np.testing.assert_allclose(curves.area(), [4.6 / 8])
    coarse = cumulative.AblationCurves(acc[..., ::2], acc[..., ::2], np.arange(4)[None],
                                       np.array([5, 5]), np.array([0, 2, 4]))  # fmt: skip
    np.testing.assert_allclose(coarse.area(), [(1 + 0.6 + 0.6 + 0) / 4])  # widths of 1/2
    at_chance = cumulative.AblationCurves(acc * 0 + 50, acc, np.arange(4)[None], np.array([5, 5]))
    assert np.isnan(at_chance.area()).all()  # nothing above chance to retain


def test_summary_reads_random_orders_apart_from_the_selectivity_orders():
    def flat(level):  # a curve that keeps `level` of its accuracy above chance after step 0
        a = np.full((1, 2, 3), 50 + 50 * level)
        a[..., 0] = 100
        return a

    acc = np.concatenate([flat(0.5), flat(0.7), flat(0.2), flat(0.9)])
    curves = cumulative.AblationCurves(acc, np.zeros_like(acc), np.zeros((4, 2)), np.array([4, 4]))
    names = ["random 0", "random 1", cumulative.SELECTIVE_FIRST, cumulative.SELECTIVE_LAST]
    row = cumulative.summary(cumulative.Cumulative(np.zeros(2), names, curves, curves))
    # area of [1, l, l] over two steps: (1 + l) / 4 + l / 2
    area = {lv: (1 + lv) / 4 + lv / 2 for lv in (0.5, 0.7, 0.2, 0.9)}
    assert np.isclose(row["train_random"], (area[0.5] + area[0.7]) / 2)
    assert np.isclose(row["train_random_low"], area[0.5])
    assert np.isclose(row["test_first"], area[0.2]) and np.isclose(row["test_last"], area[0.9])
    assert row["gap"] == 0 and row["train_acc"] == 100


def test_cached_cumulative_is_computed_once_and_equals_the_direct_result(store):
    model = random_model("alexnet-mini")
    data = (*random_data(per_class=2), *random_data(per_class=2, seed=5))
    calls = []

    def load():
        calls.append(1)
        return data

    kw = dict(data_key="toy", store=store, device="cpu", random_orders=2)
    first = cumulative.cached_cumulative(model, "conv5", load, CLASSES, **kw)
    again = cumulative.cached_cumulative(model, "conv5", load, CLASSES, **kw)
    assert len(calls) == 1 and again.names == first.names
    np.testing.assert_array_equal(first.test.accuracy, again.test.accuracy)
    cumulative.cached_cumulative(model, "conv5", load, CLASSES, **{**kw, "seed": 1})
    assert len(calls) == 2  # other random orders are another entry
    direct = cumulative.cumulative(model, "conv5", data, CLASSES, random_orders=2, device="cpu")
    np.testing.assert_allclose(direct.train.loss, first.train.loss)
    np.testing.assert_array_equal(direct.selectivity, first.selectivity)
    with pytest.raises(ValueError, match="data_key"):
        cumulative.cached_cumulative(model, "conv5", load, CLASSES, store=store)


def test_claim_checks_read_the_ladder_and_the_paired_recipes():
    import pandas as pd

    from unitroles import verdicts

    # the area falls with the gap on both splits; gen-A's selective-first order is inside the
    # random band on 2 of 3 seeds (undecided); batch norm above the baseline on every seed
    ladder = pd.DataFrame(
        [
            {"recipe": r, "seed": s, "gap": g + s, "train_random": a, "test_random": a,
             "train_first": a - (0.2 if (r, s) == ("gen-A", 2) else 0), "train_random_low": a - 0.1}
            for r, g, a in (("gen-A", 1, 0.9), ("gen-B", 10, 0.8), ("gen-C", 20, 0.7),
                            ("gen-D", 30, 0.6), ("gen-E", 40, 0.5))
            for s in range(3)
        ]
    )  # fmt: skip
    zhou = pd.DataFrame(
        [
            {"recipe": r, "seed": s, "train_random": a + 0.01 * s, "train_half": h}
            for r, a, h in (("baseline", 0.7, 0.5), ("batchnorm", 0.8, 0.5),
                            ("dropout-conv5", 0.7, 0.5))
            for s in range(3)
        ]
    )  # fmt: skip
    checks, numbers = cumulative.claim_checks(ladder, zhou)
    core = verdicts.CLAIMS["W4"].core
    assert list(checks)[:2] == list(core)
    assert checks[core[0]] is True and numbers["rho"]["train"][0] < -0.9
    assert checks[core[1]] is None and numbers["first"] == [True, True, False]
    outcomes = list(checks.values())
    assert outcomes[2] is True  # test curves
    assert outcomes[3] is True  # batch norm 0.1 above on every seed
    assert outcomes[4] is False  # dropout: no difference, so its interval holds 0
    claim = verdicts.evaluate("W4", ours="toy", checks=checks, core=list(core))
    assert claim.verdict == verdicts.UNDECIDED
