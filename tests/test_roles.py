"""The ROF test and the role taxonomy (Zhao et al. 2023): the prefix-sum curves against a plain
loop of masked forward passes, turning points, the four roles by eqs. (3)-(7), proportions and
shares by eqs. (8)-(10).

Exactness checks run in float64 on random models with 32 px inputs and a few images of a few
classes, so the file stays fast on two CPU cores.
"""

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from unitroles import engine, generalization, reference, rof, roles, zoo

CLASSES = 3
_MODELS: dict = {}


@pytest.fixture(autouse=True)
def one_thread():
    """Models this small gain nothing from intra-op threads, and on a busy machine two threads
    that wait on each other make the reference loop many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_model(arch, classes=CLASSES, seed=0):
    """A randomly initialised ``arch`` in float64, eval mode (cached per arch)."""
    key = (arch, classes, seed)
    if key not in _MODELS:
        torch.manual_seed(seed)
        _MODELS[key] = zoo.build_model(arch, classes, batchnorm=arch == "vgg16-mini")
        _MODELS[key] = _MODELS[key].double().eval()
        if arch == "vgg16-mini":  # non-trivial batch-norm statistics
            with torch.no_grad():
                for m in _MODELS[key].modules():
                    if isinstance(m, torch.nn.BatchNorm2d):
                        m.running_mean.uniform_(-0.2, 0.2)
                        m.running_var.uniform_(0.5, 1.5)
    return _MODELS[key]


def random_data(per_class=3, classes=CLASSES, size=32, seed=1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(per_class * classes, 3, size, size, dtype=torch.float64, generator=gen)
    y = torch.arange(classes).repeat(per_class)
    return x, y


def random_order(units, classes=CLASSES, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(units) for _ in range(classes)])


def units_of(model, layer, x):
    return engine.Engine(model, layer, device="cpu").activations(x[:1]).shape[1]


def curves(loss, order=None, accuracy=None):
    """ROFCurves from hand-written loss rows ``(K, N + 1)``."""
    loss = np.atleast_2d(np.asarray(loss, float))
    k, n = loss.shape[0], loss.shape[1] - 1
    order = np.tile(np.arange(n), (k, 1)) if order is None else np.atleast_2d(order)
    accuracy = np.zeros_like(loss) if accuracy is None else accuracy
    return roles.ROFCurves(loss, accuracy, order, np.full(k, 10))


def hand_taxonomy(train_loss, test_loss, order=None):
    train, test = curves(train_loss, order), curves(test_loss, order)
    names = tuple(f"class{k}" for k in range(train.loss.shape[0]))
    return roles.Taxonomy(train, test, names)


# --------------------------------------------------------------------------------------------------
# ROF curves: prefix sum (or masked passes) against the plain masked forward loop

CASES = [
    ("alexnet-mini", "conv5", True),  # per-channel ops then a Linear
    ("alexnet-mini", "conv3", True),  # followed by a Conv2d
    ("vgg16-mini", "conv5_3", True),  # batch norm; the paper's layer
    ("vgg16-mini", "conv4_2", True),
    ("resnet18-mini", "layer4", True),
    ("resnet18-mini", "layer3", False),  # a downsample reads the input: masked suffix passes
]


@pytest.mark.parametrize("arch,layer,has_head", CASES, ids=[f"{a}-{b}" for a, b, _ in CASES])
def test_rof_curves_match_masked_forward_loop(arch, layer, has_head):
    model = random_model(arch)
    x, y = random_data(per_class=2, classes=2)
    eng = engine.Engine(model, layer, device="cpu")
    units = units_of(model, layer, x)
    assert (eng.head(units) is not None) == has_head
    order = random_order(units, classes=2)
    fast = roles.rof_curves(model, layer, x, y, order, device="cpu")
    ref = roles.reference_rof_curves(model, layer, x, y, order)
    assert fast.loss.shape == (2, units + 1)
    np.testing.assert_allclose(fast.loss, ref.loss, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(fast.accuracy, ref.accuracy)
    np.testing.assert_array_equal(fast.images, [2, 2])


def test_masked_method_equals_prefix_sum():
    model = random_model("vgg16-mini")
    x, y = random_data()
    order = random_order(128, seed=3)
    prefix = roles.rof_curves(model, "conv5_3", x, y, order, device="cpu", method="prefix-sum")
    masked = roles.rof_curves(model, "conv5_3", x, y, order, device="cpu", method="masked")
    np.testing.assert_allclose(prefix.loss, masked.loss, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(prefix.accuracy, masked.accuracy)


def test_curves_chunked_over_images_are_the_same(monkeypatch):
    model = random_model("alexnet-mini")
    x, y = random_data(per_class=5)
    order = random_order(96)
    whole = roles.rof_curves(model, "conv5", x, y, order, device="cpu")
    chunked = roles.rof_curves(model, "conv5", x, y, order, device="cpu", chunk_images=2)
    np.testing.assert_allclose(whole.loss, chunked.loss, rtol=1e-12)
    monkeypatch.setattr(rof, "_HEAD_BUDGET", 1)  # prefix sums one image at a time
    single = roles.rof_curves(model, "conv5", x, y, order, device="cpu")
    np.testing.assert_allclose(whole.loss, single.loss, rtol=1e-12)
    np.testing.assert_array_equal(whole.accuracy, single.accuracy)


def test_curve_ends_are_the_dead_layer_and_the_intact_model():
    model = random_model("vgg16-mini")
    x, y = random_data()
    order = random_order(128)
    c = roles.rof_curves(model, "conv5_3", x, y, order, device="cpu")
    with torch.no_grad():
        intact = model(x)
        with reference.ablated(model, "conv5_3", engine.unit_sets(128, [range(128)])):
            dead = model(x)
    for k in range(CLASSES):
        mine = y == k
        assert c.loss[k, -1] == pytest.approx(float(F.cross_entropy(intact[mine], y[mine])))
        assert c.loss[k, 0] == pytest.approx(float(F.cross_entropy(dead[mine], y[mine])))
        acc = 100 * float((intact[mine].argmax(1) == k).double().mean())
        assert c.accuracy[k, -1] == pytest.approx(acc)


def test_prefix_sum_without_a_linear_head_is_an_error():
    model = random_model("resnet18-mini")
    x, y = random_data(per_class=1)
    with pytest.raises(ValueError, match="prefix sum does not apply"):
        roles.rof_curves(model, "layer3", x, y, random_order(64), method="prefix-sum")
    with pytest.raises(ValueError, match="unknown method"):
        roles.rof_curves(model, "layer3", x, y, random_order(64), method="fast")


def test_a_class_without_images_is_an_error():
    model = random_model("alexnet-mini")
    x, y = random_data()
    with pytest.raises(ValueError, match=r"classes \[3\] have no evaluation images"):
        roles.rof_curves(model, "conv5", x, y, random_order(96, classes=4))


# --------------------------------------------------------------------------------------------------
# Ranking (training split)


def test_activation_ranking_is_descending_l1_on_each_class_training_images():
    model = random_model("alexnet-mini")
    x, y = random_data(per_class=4)
    kept = {}
    handle = zoo.get_layer(model, "conv5").register_forward_hook(
        lambda m, i, o: kept.__setitem__("a", o.detach().clone())
    )
    with torch.no_grad():
        model(x)
    handle.remove()
    order = roles.unit_ranking(model, "conv5", x, y, CLASSES, device="cpu")
    for k in range(CLASSES):
        l1 = kept["a"][y == k].abs().sum((0, 2, 3))
        assert np.all(np.diff(l1[order[k]].numpy()) <= 0)  # descending
        assert sorted(order[k]) == list(range(96))


def test_weight_ranking_is_descending_filter_l1_the_same_for_every_class():
    vgg = random_model("vgg16-mini")
    relu = int(zoo.resolve_layer(vgg, "conv5_3").split(".")[1])
    w = vgg.features[relu - 2].weight.detach().abs().sum((1, 2, 3))  # conv, batch norm, ReLU
    order = roles.unit_ranking(vgg, "conv5_3", None, None, 2, rank_by="weight")
    assert order.shape == (2, 128) and np.array_equal(order[0], order[1])
    assert np.all(np.diff(w[order[0]].numpy()) <= 0)
    with pytest.raises(ValueError, match="unknown rank_by"):
        roles.unit_ranking(vgg, "conv5_3", None, None, 2, rank_by="l2")


def test_ranking_breaks_ties_by_unit_index():
    assert roles.rank_order(np.array([1.0, 2.0, 2.0, 0.0, 2.0])).tolist() == [1, 2, 4, 0, 3]


# --------------------------------------------------------------------------------------------------
# Turning points and active sets


def test_turning_point_includes_n0_zero_and_takes_the_first_minimum():
    loss = np.array([[1.0, 2.0, 3.0], [3.0, 1.0, 1.0], [3.0, 2.0, 1.0]])
    assert roles.turning_points(loss).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="NaN"):
        roles.turning_points(np.array([[1.0, np.nan]]))


def test_active_set_is_the_first_n0_ranked_units():
    order = np.array([[2, 0, 3, 1], [1, 2, 3, 0]])
    active = roles.active_units(order, np.array([2, 0]))
    assert active.tolist() == [[True, False, True, False], [False] * 4]


# --------------------------------------------------------------------------------------------------
# Roles: hand-checked cases for each role, and the partition (7)


def role_lists(tax, k=0):
    sets = tax.sets()
    return {r: np.flatnonzero(sets[r][k]).tolist() for r in roles.ROLES}


def test_core_and_overfitted_when_train_turns_later_than_test():
    # units on in the order 2, 0, 1, 3; train minimum after 3 units, test minimum after 1
    tax = hand_taxonomy([5, 3, 2, 1, 2], [5, 3, 4, 4, 4], order=[2, 0, 1, 3])
    assert (tax.n0_train[0], tax.n0_test[0]) == (3, 1)
    assert role_lists(tax) == {
        "core": [2], "overfitted": [0, 1], "generalizing": [], "confusing": [3],
    }  # fmt: skip


def test_generalizing_when_test_turns_later_than_train():
    tax = hand_taxonomy([5, 3, 4, 4, 4], [5, 3, 2, 1, 2], order=[2, 0, 1, 3])
    assert role_lists(tax) == {
        "core": [2], "generalizing": [0, 1], "overfitted": [], "confusing": [3],
    }  # fmt: skip


def test_every_unit_confusing_when_both_minima_are_at_zero():
    tax = hand_taxonomy([1, 2, 3], [1, 3, 3])
    assert role_lists(tax) == {
        "core": [],
        "overfitted": [],
        "generalizing": [],
        "confusing": [0, 1],
    }


def test_every_unit_core_when_both_minima_are_at_the_end():
    tax = hand_taxonomy([3, 2, 1], [3, 2, 1])
    assert role_lists(tax)["core"] == [0, 1]
    assert tax.counts().loc["class0"].to_dict() == {
        "n0_train": 2, "n0_test": 2, "core": 2, "overfitted": 0, "generalizing": 0, "confusing": 0,
    }  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_roles_partition_the_layer_for_every_class(seed):
    rng = np.random.default_rng(seed)
    k, n = 6, 12
    train, test = rng.random((k, n)) < 0.4, rng.random((k, n)) < 0.4  # any active sets at all
    sets = roles.role_sets(train, test)
    assert roles.is_partition(sets).all()
    for a in roles.ROLES:  # pairwise disjoint
        for b in roles.ROLES:
            if a < b:
                assert not (sets[a] & sets[b]).any()
    union = sets["core"] | sets["overfitted"] | sets["generalizing"] | sets["confusing"]
    assert union.all()
    tax = hand_taxonomy(rng.random((k, n + 1)), rng.random((k, n + 1)), random_order(n, k, seed))
    assert roles.is_partition(tax.sets()).all()
    codes = tax.roles()
    for i, r in enumerate(roles.ROLES):
        assert np.array_equal(codes == i, tax.sets()[r])


def test_roles_are_bands_of_the_rank_order():
    rng = np.random.default_rng(0)
    order = random_order(10, 8)
    tax = hand_taxonomy(rng.random((8, 11)), rng.random((8, 11)), order)
    codes = tax.roles()
    for k in range(8):
        ranked = codes[k, order[k]]
        assert np.all(np.diff(np.where(ranked == 3, 2, ranked)) >= 0)  # core, then o | g, then f
        assert not ((ranked == 1).any() and (ranked == 2).any())  # never both o and g


def test_is_partition_flags_an_overlap():
    sets = roles.role_sets(np.ones((1, 3), bool), np.zeros((1, 3), bool))
    sets["core"] = sets["core"].copy()
    sets["core"][0, 0] = True
    assert roles.is_partition(sets).tolist() == [False]
    with pytest.raises(ValueError, match="do not partition"):
        roles.role_codes(sets)


# --------------------------------------------------------------------------------------------------
# Proportions (per class) and shares (per unit)


def test_proportions_and_shares_by_hand():
    # class 0: core {2}, overfitted {0, 1}, confusing {3}; class 1: every unit confusing
    tax = hand_taxonomy(
        [[5, 3, 2, 1, 2], [1, 2, 3, 4, 5]], [[5, 3, 4, 4, 4], [1, 2, 3, 4, 5]], [[2, 0, 1, 3]] * 2
    )
    p = tax.proportions()
    assert p.loc["class0"].tolist() == [0.25, 0.5, 0.0, 0.25]
    assert p.loc["class1"].tolist() == [0.0, 0.0, 0.0, 1.0]
    s = tax.shares()
    assert list(s.columns) == list(roles.ROLES) and len(s) == 4
    assert s.loc[2].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert s.loc[0].tolist() == [0.0, 0.5, 0.0, 0.5]
    assert s.loc[3].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_mean_share_over_units_equals_mean_proportion_over_classes():
    rng = np.random.default_rng(1)
    tax = hand_taxonomy(rng.random((9, 14)), rng.random((9, 14)), random_order(13, 9))
    p, s = tax.proportions(), tax.shares()
    np.testing.assert_allclose(p.sum(1), 1)
    np.testing.assert_allclose(s.sum(1), 1)  # eq. (10)
    np.testing.assert_allclose(p.mean(), s.mean(), atol=1e-15)


def test_mean_std_table_and_its_text():
    a = pd.DataFrame({"core": [0.1, 0.3], "confusing": [0.9, 0.7]})
    table = roles.mean_std({"model A": a})
    assert table.loc["model A", ("core", "mean")] == pytest.approx(0.2)
    assert table.loc["model A", ("core", "std")] == pytest.approx(np.std([0.1, 0.3], ddof=1))
    text = roles.format_mean_std(table)
    assert text.loc["model A", "core"] == "20.0% ± 14.1%"
    assert list(text.columns) == ["core", "confusing"]


def test_nearest_centroid_leave_one_out():
    points = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    assert generalization.nearest_centroid_loo(points, np.array(list("aaabbb"))) == 1.0
    # the point at 0.2 labelled b sits with the a's: it alone is misassigned
    loo = generalization.nearest_centroid_loo(points, np.array(list("aabbbb")))
    assert loo == pytest.approx(5 / 6)


# --------------------------------------------------------------------------------------------------
# The whole test on a model, cached


def test_taxonomy_ranks_on_train_and_matches_the_reference_on_both_splits():
    model = random_model("vgg16-mini")
    x_train, y_train = random_data(per_class=3, seed=1)
    x_test, y_test = random_data(per_class=2, seed=2)
    tax = roles.taxonomy(
        model, "conv5_3", x_train, y_train, x_test, y_test, CLASSES, device="cpu",
        class_names=["a", "b", "c"],
    )  # fmt: skip
    order = roles.unit_ranking(model, "conv5_3", x_train, y_train, CLASSES, device="cpu")
    assert not np.array_equal(order[0], order[1])  # one order per class
    assert np.array_equal(tax.train.order, order) and np.array_equal(tax.test.order, order)
    for split, (x, y) in (("train", (x_train, y_train)), ("test", (x_test, y_test))):
        ref = roles.reference_rof_curves(model, "conv5_3", x, y, order)
        np.testing.assert_allclose(getattr(tax, split).loss, ref.loss, rtol=1e-10, atol=1e-10)
    assert tax.proportions().index.tolist() == ["a", "b", "c"]
    assert roles.is_partition(tax.sets()).all()
    assert tax.class_index("b") == 1
    with pytest.raises(ValueError, match="did you mean"):
        tax.class_index("bb")


def test_cached_taxonomy_is_computed_once(store):
    model = random_model("alexnet-mini")
    data = (*random_data(per_class=2), *random_data(per_class=2, seed=5))
    calls = []

    def load():
        calls.append(1)
        return data

    kw = dict(data_key="toy", store=store, device="cpu")
    first = roles.cached_taxonomy(model, "conv5", load, CLASSES, **kw)
    again = roles.cached_taxonomy(model, "conv5", load, CLASSES, **kw)
    assert len(calls) == 1
    np.testing.assert_array_equal(first.test.loss, again.test.loss)
    roles.cached_taxonomy(model, "conv5", load, CLASSES, rank_by="weight", **kw)
    assert len(calls) == 2  # another ranking is another entry
    direct = roles.taxonomy(model, "conv5", *data, CLASSES, device="cpu")
    np.testing.assert_allclose(direct.train.loss, first.train.loss)
    by_tensors = roles.cached_taxonomy(model, "conv5", data, CLASSES, store=store, device="cpu")
    np.testing.assert_allclose(by_tensors.test.loss, first.test.loss)
    with pytest.raises(ValueError, match="data_key"):
        roles.cached_taxonomy(model, "conv5", load, CLASSES, store=store)


def test_paper_profile_without_paths_says_what_to_set(monkeypatch):
    monkeypatch.delenv("UNITROLES_TRAIN_ROOT", raising=False)
    with pytest.raises(FileNotFoundError, match="train_root"):
        generalization.generalization_roles("paper")
    with pytest.raises(ValueError, match="unknown profile"):
        generalization.generalization_roles("fast")


def test_paper_profile_on_generated_checkpoints(tmp_path, store, capsys):
    from test_data_paper import write_image_folder

    from unitroles import paper

    write_image_folder(tmp_path / "train", classes=2, per_class=2)
    write_image_folder(tmp_path / "val", classes=2, per_class=2, seed=1)
    (tmp_path / "ckpt").mkdir()
    for i, name in enumerate(paper.GENERALIZATION_RECIPES):
        torch.manual_seed(i)
        model = zoo.build_model("vgg16-mini", 2)
        torch.save(model.state_dict(), tmp_path / "ckpt" / f"{name}.pth")
    kw = dict(
        checkpoint_dir=tmp_path / "ckpt", train_root=tmp_path / "train", val_root=tmp_path / "val",
        per_class=2, image_size=32, arch="vgg16-mini", store=store, device="cpu", workers=0,
    )  # fmt: skip
    out = generalization.generalization_roles("paper", **kw)
    said = capsys.readouterr()
    # the plan before the run, the estimate after the first class, a bar with the time left
    models = "5 model(s) (gen-A, gen-B, gen-C, gen-D, gen-E)"
    assert f"planned: the ROF test of {models} on 4 training and 4 test images" in said.out
    assert "128 units: 5,160 curve points; estimated " in said.out
    assert "timed on the first of 2 classes" in said.out and "ROF test conv5_3" in said.err
    assert list(out) == ["model A", "model B", "model C", "model D", "model E"]
    tax = out["model A"].taxonomy
    assert tax.class_names == ("class0", "class1") and tax.train.loss.shape == (2, 129)
    assert tax.train.images.tolist() == [2, 2] and 0 <= out["model A"].gap + 1 <= 2
    again = generalization.generalization_roles("paper", **kw)  # from the store
    assert "planned" not in capsys.readouterr().out  # nothing to run, nothing planned
    np.testing.assert_array_equal(
        again["model E"].taxonomy.test.loss, out["model E"].taxonomy.test.loss
    )


def test_feeding_class_by_class_equals_all_at_once():
    """The paper profile feeds the test one class at a time; the book all classes at once."""
    model = random_model("alexnet-mini")
    x_train, y_train = random_data(per_class=3, seed=1)
    x_test, y_test = random_data(per_class=2, seed=2)
    whole = roles.taxonomy(model, "conv5", x_train, y_train, x_test, y_test, CLASSES, device="cpu")
    test = roles.RoleTest(
        engine.Engine(model, "conv5", device="cpu"), CLASSES, "activation", "auto"
    )
    for k in range(CLASSES):
        test.add(
            [(x_train[y_train == k], y_train[y_train == k])],
            [(x_test[y_test == k], y_test[y_test == k])],
        )
    parts = test.taxonomy([str(k) for k in range(CLASSES)], "features.11")
    np.testing.assert_array_equal(parts.train.order, whole.train.order)
    for split in ("train", "test"):
        np.testing.assert_allclose(
            getattr(parts, split).loss, getattr(whole, split).loss, rtol=1e-12
        )
        np.testing.assert_array_equal(
            getattr(parts, split).accuracy, getattr(whole, split).accuracy
        )


def test_an_order_of_the_wrong_length_is_refused():
    model = random_model("alexnet-mini")
    x, y = random_data()
    with pytest.raises(ValueError, match="covers 64 units but .* has 96"):
        roles.rof_curves(model, "conv5", x, y, random_order(64), device="cpu")
