"""The ablation engine against the plain hook-based reference (one full forward per ablation).

Exactness checks run in float64 on randomly initialised models, small inputs and few images, so
that the file stays fast on two CPU cores.
"""

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from unitroles import engine, greedy, reference, zoo

LAYERS = {
    "alexnet-mini": ["conv1", "conv2", "conv3", "conv4", "conv5"],
    "vgg16-mini": [
        f"conv{b}_{i}" for b, n in zip(range(1, 6), (2, 2, 3, 3, 3)) for i in range(1, n + 1)
    ],
    "resnet18-mini": ["conv1", "layer1", "layer2", "layer3", "layer4"],
}
CASES = [(arch, layer) for arch, layers in LAYERS.items() for layer in layers]
CLASSES = 7
# units ablated per layer by the layer-by-layer test (spread over the layer, first and last
# included); test_single_units_covers_every_unit_of_a_layer ablates every unit of one layer
MAX_UNITS = {"alexnet-mini": 24, "vgg16-mini": 10, "resnet18-mini": 16}

_MODELS: dict = {}


def random_model(arch, dtype=torch.float64, images=12, size=32, seed=0):
    """A randomly initialised ``arch`` in eval mode, with ``images`` random inputs and labels."""
    key = (arch, dtype, seed)
    if key not in _MODELS:
        torch.manual_seed(seed)
        _MODELS[key] = zoo.build_model(arch, CLASSES).to(dtype).eval()
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(images, 3, size, size, dtype=dtype, generator=gen)
    y = torch.randint(0, CLASSES, (images,), generator=gen)
    return _MODELS[key], x, y


def spread(units, k):
    """``k`` units spread evenly over ``0..units-1`` (all of them when ``k >= units``)."""
    return sorted({round(i) for i in np.linspace(0, units - 1, min(k, units))})


def units_of(model, layer, x):
    return engine.Engine(model, layer, device="cpu").activations(x[:1]).shape[1]


def assert_same_counts(a, b, tol=1e-10):
    assert torch.equal(a.correct, b.correct)
    assert torch.equal(a.base_correct, b.base_correct)
    assert torch.equal(a.images, b.images)
    torch.testing.assert_close(a.loss, b.loss, rtol=tol, atol=tol)
    torch.testing.assert_close(a.base_loss, b.base_loss, rtol=tol, atol=tol)


# --------------------------------------------------------------------------------------------------
# 1. the fast path equals the reference everywhere


@pytest.mark.parametrize(("arch", "layer"), CASES)
def test_batched_engine_matches_hook_reference(arch, layer):
    model, x, y = random_model(arch)
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    ablations = engine.unit_sets(units, [[u] for u in spread(units, MAX_UNITS[arch])])
    ref = reference.reference_sweep(model, layer, x, y, ablations, CLASSES)
    fast = eng.sweep(x, y, ablations, CLASSES, chunk_images=5, chunk_ablations=5)
    assert_same_counts(fast, ref)
    assert fast.names == ref.names == ablations.names
    assert (ref.loss - ref.base_loss).abs().max() > 1e-6  # the ablations change the outputs


def test_single_units_covers_every_unit_of_a_layer():
    model, x, y = random_model("alexnet-mini", images=6)
    units = units_of(model, "conv5", x)
    ablations = engine.single_units(units)
    assert len(ablations) == units and ablations.names[3] == "unit 3"
    ref = reference.reference_sweep(model, "conv5", x, y, ablations, CLASSES)
    fast = engine.sweep(model, "conv5", x, y, ablations, CLASSES, device="cpu", chunk_ablations=13)
    assert_same_counts(fast, ref)


@pytest.mark.parametrize("layer", ["conv2", "conv5"])
def test_engine_matches_reference_with_batchnorm_and_channel_dropout(layer):
    torch.manual_seed(1)
    model = zoo.build_model(
        "alexnet-mini", CLASSES, batchnorm=True, channel_dropout={"conv2": 0.3, "conv5": 0.5}
    )
    model = model.double().eval()
    with torch.no_grad():  # non-trivial running statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    _, x, y = random_model("alexnet-mini")
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    assert eng.head(units) is not None  # Dropout2d (eval) is per-channel
    ablations = engine.unit_sets(units, [[u] for u in spread(units, 12)] + [[1, 2, 3]])
    ref = reference.reference_sweep(model, layer, x, y, ablations, CLASSES)
    assert_same_counts(eng.sweep(x, y, ablations, CLASSES, chunk_ablations=4), ref)


# --------------------------------------------------------------------------------------------------
# 2. logits, not only counts


LOGIT_LAYERS = [
    ("alexnet-mini", "conv2"),  # Conv2d head
    ("alexnet-mini", "conv5"),  # Linear head
    ("vgg16-mini", "conv5_3"),  # Linear head after max-pool + avgpool + flatten
    ("resnet18-mini", "layer2"),  # no head: the batched suffix
]


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-10), (torch.float32, 1e-4)])
@pytest.mark.parametrize(("arch", "layer"), LOGIT_LAYERS)
def test_engine_logits_equal_the_hooked_model(arch, layer, dtype, tol):
    model, x, _ = random_model(arch, dtype=dtype, images=4)
    eng = engine.Engine(model, layer, device="cpu")
    act = eng.activations(x)
    units = act.shape[1]
    chosen = [0, units // 2, units - 1]
    ablations = engine.unit_sets(units, [[u] for u in chosen])
    got = torch.cat([logits for _, logits in eng.logits(act, ablations, chunk_ablations=2)])
    assert got.shape == (3, len(x), CLASSES) and got.dtype == dtype
    for a in range(len(chosen)):
        with reference.ablated(model, layer, ablations[a : a + 1]), torch.no_grad():
            want = model(x)
        torch.testing.assert_close(got[a], want, rtol=tol, atol=tol)


def test_logits_reject_ablations_over_the_wrong_number_of_units():
    model, x, _ = random_model("alexnet-mini", images=2)
    eng = engine.Engine(model, "conv5", device="cpu")
    act = eng.activations(x)
    with pytest.raises(ValueError, match="over 95 units; conv5 has 96"):
        next(eng.logits(act, engine.single_units(95)))


# --------------------------------------------------------------------------------------------------
# 3. where the linear-head shortcut applies


HEAD_FOUND = [
    *[("alexnet-mini", f"conv{k}") for k in range(1, 6)],
    ("vgg16-mini", "conv5_3"),
    ("resnet18-mini", "layer4"),
]
HEAD_NOT_FOUND = [("resnet18-mini", f"layer{k}") for k in (1, 2, 3)] + [("resnet18-mini", "conv1")]


@pytest.mark.parametrize(
    ("arch", "layer", "found"),
    [(*case, True) for case in HEAD_FOUND] + [(*case, False) for case in HEAD_NOT_FOUND],
)
def test_linear_head_is_found_where_expected(arch, layer, found):
    model, x, y = random_model(arch, images=6)
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    head = eng.head(units)
    assert (head is not None) == found
    if found:
        assert isinstance(head.linear, (nn.Linear, nn.Conv2d))
        assert head.channels == units
    slow = engine.Engine(model, layer, device="cpu", fast=False)
    assert slow.head(units) is None
    ablations = engine.unit_sets(units, [[u] for u in spread(units, 6)] + [[0, units - 1]])
    kw = {"chunk_images": 4, "chunk_ablations": 3}
    assert_same_counts(
        eng.sweep(x, y, ablations, CLASSES, **kw), slow.sweep(x, y, ablations, CLASSES, **kw)
    )


def test_linear_head_contributions_sum_to_the_preactivation_minus_bias():
    model, x, _ = random_model("alexnet-mini", images=3)
    for layer in ("conv1", "conv5"):  # Conv2d and Linear heads
        eng = engine.Engine(model, layer, device="cpu")
        act = eng.activations(x)
        head = eng.head(act.shape[1])
        h = head.head(act)
        bias = head.linear.bias.view(1, -1, *([1] * (h.dim() - 2)))
        total = head.contributions(h).sum(1) + bias
        torch.testing.assert_close(total, head.linear(h), rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------------------------------
# 4-6. the hook


def test_hook_with_no_edit_equals_plain_model():
    model, x, _ = random_model("resnet18-mini", images=3)
    with torch.no_grad():
        plain = model(x)
        with reference.ablated(model, "layer2", None) as hooked:
            assert hooked is model
            out = model(x)
    assert torch.equal(out, plain)


def test_ablated_takes_one_ablation_at_a_time():
    model, _, _ = random_model("alexnet-mini")
    with pytest.raises(ValueError, match="one ablation at a time, got 2"):
        with reference.ablated(model, "conv5", engine.unit_sets(96, [[0], [1]])):
            pass


def test_hooks_removed_after_exception():
    model, x, _ = random_model("alexnet-mini", images=3)
    module = zoo.get_layer(model, "conv3")
    with torch.no_grad():
        plain = model(x)
    with pytest.raises(RuntimeError, match="boom"):
        with reference.ablated(model, "conv3", engine.unit_sets(96, [[0, 1, 2]])):
            assert len(module._forward_hooks) == 1
            with torch.no_grad():
                assert not torch.equal(model(x), plain)
            raise RuntimeError("boom")
    assert len(module._forward_hooks) == 0
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    with torch.no_grad():
        assert torch.equal(model(x), plain)


@pytest.mark.parametrize(("k", "unit"), [(1, 5), (2, 0), (3, 50), (4, 95), (5, 17)])
def test_zeroing_channel_equals_zeroing_conv_weight_and_bias(k, unit):
    model, x, _ = random_model("alexnet-mini", images=3)
    units = units_of(model, f"conv{k}", x)
    edited = copy.deepcopy(model)
    conv = [m for m in edited.features if isinstance(m, nn.Conv2d)][k - 1]
    with torch.no_grad():
        conv.weight[unit] = 0
        conv.bias[unit] = 0
        want = edited(x)
        with reference.ablated(model, f"conv{k}", engine.unit_sets(units, [[unit]])):
            got = model(x)
        assert not torch.equal(got, model(x))  # the ablation did something
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------------
# 7. unit sets


@pytest.mark.parametrize(
    ("arch", "layer"), [("alexnet-mini", "conv2"), ("resnet18-mini", "layer3")]
)
def test_unit_sets_match_reference_and_empty_set_is_baseline(arch, layer):
    model, x, y = random_model(arch)
    units = units_of(model, layer, x)
    sets = [[], [3], [0, 1, 2], [5, units - 1, 17], list(range(0, units, 2))]
    ablations = engine.unit_sets(units, sets)
    assert ablations.names[:3] == ("{}", "{3}", "{0,1,2}")
    assert ablations.keep.sum(1).tolist() == [units - len(s) for s in sets]
    ref = reference.reference_sweep(model, layer, x, y, ablations, CLASSES)
    fast = engine.sweep(model, layer, x, y, ablations, CLASSES, device="cpu", chunk_ablations=2)
    assert_same_counts(fast, ref)
    assert torch.equal(fast.correct[0], fast.base_correct)
    torch.testing.assert_close(fast.loss[0], fast.base_loss, rtol=1e-10, atol=1e-10)
    assert fast.class_drop()[0].tolist() == [0.0] * CLASSES


def test_unit_sets_accept_one_shot_iterables():
    ablations = engine.unit_sets(8, [(u for u in (1, 2)), iter([5]), range(3)])
    assert ablations.names == ("{1,2}", "{5}", "{0,1,2}")
    want = torch.ones(3, 8)
    want[0, [1, 2]], want[1, 5], want[2, :3] = 0, 0, 0
    assert torch.equal(ablations.keep, want)


def test_unit_sets_reject_units_out_of_range():
    with pytest.raises(ValueError, match="outside 0..7"):
        engine.unit_sets(8, [[1], [8]])
    with pytest.raises(ValueError, match="outside 0..7"):
        engine.unit_sets(8, [[-1]])


# --------------------------------------------------------------------------------------------------
# 8. direction ablation


@pytest.mark.parametrize(
    ("arch", "layer"), [("alexnet-mini", "conv5"), ("resnet18-mini", "layer2")]
)
def test_identity_directions_equal_single_units(arch, layer):
    model, x, y = random_model(arch)
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    by_direction = eng.sweep(x, y, engine.directions(torch.eye(units)), CLASSES)
    by_unit = eng.sweep(x, y, engine.single_units(units), CLASSES)
    assert_same_counts(by_direction, by_unit)


def test_direction_apply_removes_the_projection():
    act = torch.randn(2, 4, 3, 3, dtype=torch.float64)
    basis = torch.randn(3, 4, dtype=torch.float64)
    ablations = engine.directions(3 * basis)  # rows are normalised
    torch.testing.assert_close(ablations.directions.norm(dim=1), torch.ones(3, dtype=torch.float64))
    out = ablations.apply(act).view(3, 2, 4, 3, 3)
    for a, d in enumerate(ablations.directions):
        want = act - torch.einsum("nchw,c->nhw", act, d)[:, None] * d.view(1, 4, 1, 1)
        torch.testing.assert_close(out[a], want)
        # nothing is left along d
        proj = torch.einsum("nchw,c->nhw", out[a], d)
        torch.testing.assert_close(proj, torch.zeros_like(proj), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("arch", "layer"), [("alexnet-mini", "conv5"), ("resnet18-mini", "layer3")]
)
def test_random_orthonormal_directions_match_reference(arch, layer):
    model, x, y = random_model(arch)
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    gen = torch.Generator().manual_seed(3)
    q, _ = torch.linalg.qr(torch.randn(units, units, dtype=torch.float64, generator=gen))
    ablations = engine.directions(q.T[:10])
    ref = reference.reference_sweep(model, layer, x, y, ablations, CLASSES)
    fast = eng.sweep(x, y, ablations, CLASSES, chunk_images=5, chunk_ablations=4)
    assert_same_counts(fast, ref)


def test_directions_bypass_the_linear_head():
    model, x, y = random_model("alexnet-mini")
    eng = engine.Engine(model, "conv5", device="cpu")
    assert eng.head(96) is not None  # the head exists, but directions are not unit zeroings
    act = eng.activations(x)
    gen = torch.Generator().manual_seed(4)
    basis = torch.randn(5, 96, dtype=torch.float64, generator=gen)
    ablations = engine.directions(basis)
    got = torch.cat([logits for _, logits in eng.logits(act, ablations)])
    want = eng.split.suffix(ablations.apply(act)).view(5, len(x), CLASSES)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    ref = reference.reference_sweep(model, "conv5", x, y, ablations, CLASSES)
    assert_same_counts(eng.sweep(x, y, ablations, CLASSES), ref)


# --------------------------------------------------------------------------------------------------
# 9. chunking


@pytest.mark.parametrize(
    ("arch", "layer"), [("alexnet-mini", "conv5"), ("resnet18-mini", "layer3")]
)
def test_chunk_sizes_do_not_change_results(arch, layer):
    model, x, y = random_model(arch, images=14)
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    sets = [[u] for u in spread(units, 5)] + [[], [0, 1], [2, 3, 4]]
    ablations = engine.unit_sets(units, sets)
    first = None
    for chunk_images in (1, 7, len(x)):
        for chunk_ablations in (1, 3, len(ablations)):
            counts = eng.sweep(
                x, y, ablations, CLASSES, chunk_images=chunk_images, chunk_ablations=chunk_ablations
            )
            if first is None:
                first = counts
            else:
                assert_same_counts(counts, first)


def test_reference_batch_size_does_not_change_results():
    model, x, y = random_model("resnet18-mini", images=10)
    ablations = engine.unit_sets(64, [[0], [5, 6], []])
    whole = reference.reference_sweep(model, "layer3", x, y, ablations, CLASSES)
    batched = reference.reference_sweep(model, "layer3", x, y, ablations, CLASSES, batch_size=3)
    assert_same_counts(batched, whole)


def test_sweep_with_progress_bar_gives_the_same_counts(capsys):
    model, x, y = random_model("alexnet-mini", images=6)
    ablations = engine.unit_sets(96, [[0], [1]])
    eng = engine.Engine(model, "conv5", device="cpu")
    quiet = eng.sweep(x, y, ablations, CLASSES, chunk_images=4)
    loud = eng.sweep(x, y, ablations, CLASSES, chunk_images=4, progress=True)
    assert_same_counts(loud, quiet, tol=0)
    assert "ablate conv5" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------
# 10. greedy ablation


class Tiny(nn.Module):
    """Conv(3->8) ReLU, Conv(8->6) ReLU, avgpool, flatten, Linear: a layer of 8 and one of 6."""

    def __init__(self, classes=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 6, 3, stride=2)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(24, classes)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


def tiny_problem(images=40):
    """A tiny float64 model, and images labelled mostly by its own predictions."""
    torch.manual_seed(0)
    model = Tiny().double().eval()
    x = torch.randn(images, 3, 10, 10, dtype=torch.float64)
    with torch.no_grad():
        y = model(x).argmax(1)
    y[::5] = (y[::5] + 1) % 4  # a few wrong labels, so the baseline is not 100% everywhere
    return model, x, y


@pytest.mark.parametrize(("layer", "steps"), [("relu1", 5), ("relu2", 4)])
def test_greedy_steps_pick_the_unit_that_hurts_the_class_most(layer, steps):
    model, x, y = tiny_problem()
    classes = [int(k) for k in torch.bincount(y).argsort(descending=True)[:2]]
    result = greedy.greedy_ablation(
        model, layer, x, y, classes, steps, random_orders=3, device="cpu"
    )
    units = units_of(model, layer, x)
    assert result.classes == classes
    assert result.greedy.shape == (2, steps + 1)
    assert result.random.shape == (2, 3, steps + 1)
    assert result.order.shape == (2, steps)
    base = reference.reference_sweep(model, layer, x, y, engine.unit_sets(units, [[]]), 4)
    ties = 0
    for i, k in enumerate(classes):
        n = int((y == k).sum())
        removed = []
        base_acc = 100 * float(base.base_correct[k]) / n
        assert result.greedy[i, 0] == pytest.approx(base_acc, abs=1e-9)
        np.testing.assert_allclose(result.random[i, :, 0], base_acc, atol=1e-9)
        for step in range(steps):
            candidates = [u for u in range(units) if u not in removed]
            ref = reference.reference_sweep(
                model, layer, x, y, engine.unit_sets(units, [removed + [u] for u in candidates]), 4
            )
            acc = 100 * ref.correct[:, k].numpy() / n
            loss = ref.loss[:, k].numpy()
            pick = int(result.order[i, step])
            assert pick in candidates
            j = candidates.index(pick)
            lowest = acc == acc.min()
            ties += int(lowest.sum() > 1)
            assert acc[j] == acc.min(), f"class {k} step {step}: {pick} is not a worst unit"
            assert loss[j] >= loss[lowest].max() - 1e-9, f"class {k} step {step}: tie-break"
            assert result.greedy[i, step + 1] == pytest.approx(acc[j], abs=1e-9)
            removed.append(pick)
        assert len(set(result.order[i].tolist())) == steps
    assert ties > 0  # the loss tie-break was exercised


def test_greedy_random_orders_are_seeded():
    model, x, y = tiny_problem()
    a = greedy.greedy_ablation(model, "relu1", x, y, [0], 3, random_orders=2, seed=5, device="cpu")
    b = greedy.greedy_ablation(model, "relu1", x, y, [0], 3, random_orders=2, seed=5, device="cpu")
    np.testing.assert_array_equal(a.random, b.random)
    np.testing.assert_array_equal(a.order, b.order)


def test_greedy_errors_name_the_problem():
    model, x, y = tiny_problem()
    absent = 3
    y = torch.where(y == absent, torch.zeros_like(y), y)
    with pytest.raises(ValueError, match="class 3 has no images"):
        greedy.greedy_ablation(model, "relu2", x, y, [0, absent], 2, device="cpu")
    with pytest.raises(ValueError, match="steps=7 exceeds the layer's 6 units"):
        greedy.greedy_ablation(model, "relu2", x, y, [0], 7, device="cpu")


# --------------------------------------------------------------------------------------------------
# 11. splitting


def test_split_reproduces_the_model():
    for arch, layer in [
        ("alexnet-mini", "conv3"),
        ("vgg16-mini", "conv2_2"),
        ("resnet18-mini", "layer2"),
    ]:
        model, x, _ = random_model(arch, images=2)
        split = engine.split_at(model, layer)
        with torch.no_grad():
            act = split.prefix(x)
            hooked = []
            handle = zoo.get_layer(model, layer).register_forward_hook(
                lambda _m, _i, out, hooked=hooked: hooked.append(out)
            )
            try:
                plain = model(x)
            finally:
                handle.remove()
            torch.testing.assert_close(act, hooked[0], rtol=0, atol=0)
            torch.testing.assert_close(split.suffix(act), plain, rtol=1e-12, atol=1e-12)
        assert split.layer == zoo.resolve_layer(model, layer)


def test_split_inside_a_residual_block_raises():
    model, _, _ = random_model("resnet18-mini")
    # a BasicBlock calls its ReLU twice
    with pytest.raises(ValueError, match=r"'layer1\.0\.relu'.*called 2 times; cannot split"):
        engine.split_at(model, "layer1.0.relu")
    # the block's identity branch crosses a cut after its first conv
    with pytest.raises(
        ValueError, match=r"reads maxpool.*skip connection crosses the cut\); pick a block output"
    ):
        engine.split_at(model, "layer1.0.conv1")
    with pytest.raises(ValueError, match="skip connection"):
        engine.Engine(model, "layer3.1.bn2", device="cpu")
    engine.split_at(model, "layer1.0")  # a block output is fine


def test_unknown_layer_name_lists_valid_names():
    model, _, _ = random_model("alexnet-mini")
    with pytest.raises(ValueError, match="valid layer names: conv1, conv2, conv3, conv4, conv5"):
        engine.split_at(model, "conv6")
    model, _, _ = random_model("resnet18-mini")
    with pytest.raises(ValueError, match="valid layer names: conv1, layer1, layer2"):
        engine.Engine(model, "layer5", device="cpu")


# --------------------------------------------------------------------------------------------------
# 12. derived quantities


def hand_made_counts():
    """Classes with 4, 2, 5 and 0 images; baseline 4/4, 1/2, 5/5, 0/0 correct."""
    images = torch.tensor([4.0, 2.0, 5.0, 0.0], dtype=torch.float64)
    correct = torch.tensor([[3, 1, 5, 0], [4, 2, 0, 0]], dtype=torch.float64)
    loss = torch.tensor([[1.0, 2.0, 3.0, 0.0], [0.5, 0.5, 9.0, 0.0]], dtype=torch.float64)
    base_correct = torch.tensor([4, 1, 5, 0], dtype=torch.float64)
    base_loss = torch.tensor([0.5, 1.0, 1.0, 0.0], dtype=torch.float64)
    return engine.AblationCounts(correct, loss, base_correct, base_loss, images, ("a", "b"))


def test_class_drop_is_in_points_and_positive_means_worse():
    counts = hand_made_counts()
    np.testing.assert_allclose(counts.base_class_accuracy(), [100, 50, 100, 0])
    np.testing.assert_allclose(counts.class_accuracy(), [[75, 50, 100, 0], [100, 100, 0, 0]])
    np.testing.assert_allclose(counts.class_drop(), [[25, 0, 0, 0], [0, -50, 100, 0]])


def test_overall_drop_weights_classes_by_their_images():
    counts = hand_made_counts()
    assert counts.base_overall_accuracy() == pytest.approx(100 * 10 / 11)
    np.testing.assert_allclose(counts.overall_accuracy(), [100 * 9 / 11, 100 * 6 / 11])
    np.testing.assert_allclose(counts.overall_drop(), [100 / 11, 400 / 11])


def test_summary_has_one_row_per_ablation():
    counts = hand_made_counts()
    summary = counts.summary()
    assert list(summary.columns) == [
        "overall_drop",
        "max_class_drop",
        "min_class_drop",
        "worst_class",
    ]
    assert summary.index.name == "ablation"
    assert list(summary.index) == ["a", "b"]
    want = pd.DataFrame(
        {
            "overall_drop": [100 / 11, 400 / 11],
            "max_class_drop": [25.0, 100.0],
            "min_class_drop": [0.0, -50.0],
            "worst_class": [0, 2],
        },
        index=pd.Index(["a", "b"], name="ablation"),
    )
    pd.testing.assert_frame_equal(summary, want, check_dtype=False)
    unnamed = dataclasses.replace(counts, names=())
    assert list(unnamed.summary().index) == [0, 1]


def test_counts_from_a_sweep_add_up_to_the_images():
    model, x, y = random_model("alexnet-mini", images=10)
    counts = engine.sweep(
        model, "conv4", x, y, engine.unit_sets(96, [[0], [1, 2]]), CLASSES, device="cpu"
    )
    assert counts.images.tolist() == torch.bincount(y, minlength=CLASSES).double().tolist()
    assert counts.correct.shape == counts.loss.shape == (2, CLASSES)
    assert bool((counts.correct <= counts.images).all())
    assert bool((counts.loss >= 0).all())


def test_units_silent_on_an_image_reuse_clean_logits_exactly():
    torch.manual_seed(3)
    model = zoo.build_model("alexnet-mini", 5).double().eval()
    conv5 = model.features[10]
    with torch.no_grad():  # silence half the units everywhere, and make others sparse
        conv5.bias[::2] = -1e3
        conv5.bias[1::4] -= 0.5
    x = torch.randn(16, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, 5, (16,))
    eng = engine.Engine(model, "conv5", device="cpu")
    act = eng.activations(x)
    silent = ~act.flatten(2).ne(0).any(-1)
    assert silent.float().mean() > 0.5
    for ablations in (engine.single_units(96), engine.unit_sets(96, [[0, 2], [1, 3, 5], []])):
        ref = reference.reference_sweep(model, "conv5", x, y, ablations, 5)
        for fast in (True, False):
            got = engine.sweep(model, "conv5", x, y, ablations, 5, device="cpu", fast=fast)
            assert torch.equal(got.correct, ref.correct)
            torch.testing.assert_close(got.loss, ref.loss, rtol=1e-10, atol=1e-10)


def test_tidy_has_one_row_per_ablation_and_class():
    model, x, y = random_model("alexnet-mini")
    counts = engine.sweep(model, "conv5", x, y, engine.single_units(96), 7, device="cpu")
    tidy = counts.tidy([f"c{k}" for k in range(7)])
    assert len(tidy) == 96 * 7
    row = tidy.iloc[7 * 3 + 2]
    assert row["ablation"] == "unit 3" and row["class"] == "c2"
    assert row["drop"] == pytest.approx(counts.class_drop()[3, 2])
    assert row["base_accuracy"] - row["accuracy"] == pytest.approx(row["drop"])


def test_flatten_module_keeps_the_linear_head_and_matches_reference():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(24, 4),
    ).double().eval()  # fmt: skip
    x = torch.randn(10, 3, 12, 12, dtype=torch.float64)
    y = torch.randint(0, 4, (10,))
    eng = engine.Engine(model, "1", device="cpu")
    assert eng.head(6) is not None
    ref = reference.reference_sweep(model, "1", x, y, engine.single_units(6), 4)
    got = eng.sweep(x, y, engine.single_units(6), 4)
    assert torch.equal(got.correct, ref.correct)


def test_bad_labels_and_zero_directions_are_clear_errors():
    model, x, y = random_model("alexnet-mini")
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        engine.sweep(model, "conv5", x, y, engine.single_units(96), 3, device="cpu")
    with pytest.raises(ValueError, match="labels must lie"):
        reference.reference_sweep(model, "conv5", x, y, engine.single_units(96), 3)
    with pytest.raises(ValueError, match="non-zero"):
        engine.directions(torch.zeros(2, 64))
