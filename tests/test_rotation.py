"""The random-rotation baseline of Zhou et al. (2018), sec. 3.4.

A seeded random orthogonal basis of a layer's channel space; rotating the layer's output into the
basis and back changes nothing, and ablating basis direction j (the engine's direction ablation)
equals zeroing coordinate j of the rotated representation. tests/test_engine.py already checks
direction ablation against the hook reference (counts) and that identity directions give the
single-unit counts; here: the rotation itself, the round trip, the coordinate-zeroing definition,
identity directions at the logit level, and caching of direction sweeps. Float64 throughout.
"""

import pytest
import torch

from unitroles import engine, sweeps, zoo

CLASSES = 7
CASES = [("alexnet-mini", "conv5"), ("resnet18-mini", "layer4")]


def random_model(arch, images=10, size=48, seed=0):
    """A randomly initialised float64 ``arch`` in eval mode, random inputs and labels."""
    torch.manual_seed(seed)
    model = zoo.build_model(arch, CLASSES).double().eval()
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(images, 3, size, size, dtype=torch.float64, generator=gen)
    y = torch.randint(0, CLASSES, (images,), generator=gen)
    return model, x, y


def hooked_logits(model, layer, x, edit):
    """Logits of the whole model with ``edit(act)`` applied to ``layer``'s output by a hook."""
    handle = zoo.get_layer(model, layer).register_forward_hook(lambda _m, _i, out: edit(out))
    try:
        with torch.no_grad():
            return model(x)
    finally:
        handle.remove()


def spread(units, k):
    """``k`` channels spread evenly over ``0..units-1``, first and last included."""
    return sorted({round(i * (units - 1) / (k - 1)) for i in range(k)})


def rotate(act, q):
    """Channel vector at every position into the basis of ``q``'s rows: ``(n, C, H, W)``."""
    return torch.einsum("dc,nchw->ndhw", q, act)


def unrotate(coords, q):
    return torch.einsum("dc,ndhw->nchw", q, coords)


# --------------------------------------------------------------------------------------------------
# the rotation


@pytest.mark.parametrize("units", [1, 5, 64, 128])
def test_random_rotation_is_orthogonal(units):
    q = engine.random_rotation(units, seed=0)
    assert q.shape == (units, units) and q.dtype == torch.float64
    eye = torch.eye(units, dtype=torch.float64)
    torch.testing.assert_close(q @ q.T, eye, rtol=0, atol=1e-12)
    torch.testing.assert_close(q.T @ q, eye, rtol=0, atol=1e-12)


def test_random_rotation_is_seed_deterministic_and_seeds_differ():
    assert torch.equal(engine.random_rotation(64, seed=3), engine.random_rotation(64, seed=3))
    a, b = engine.random_rotation(64, seed=3), engine.random_rotation(64, seed=4)
    assert (a - b).abs().max() > 0.1


def test_random_rotation_has_no_sign_bias():
    # Plain QR of a Gaussian biases Q's diagonal (LAPACK gives R a negative diagonal, so Q_ii
    # averages about -0.4 for 4 x 4); with the sign fix every entry averages 0 and both
    # determinants occur, as for a Haar-distributed rotation.
    qs = torch.stack([engine.random_rotation(4, seed=s) for s in range(500)])
    assert qs.mean(0).abs().max() < 0.1
    torch.testing.assert_close((qs**2).mean(0), torch.full((4, 4), 0.25, dtype=torch.float64),
                               rtol=0, atol=0.05)  # fmt: skip
    det = torch.linalg.det(qs)
    assert (det > 0).any() and (det < 0).any()


def test_random_rotation_rejects_an_empty_layer():
    with pytest.raises(ValueError, match="at least 1"):
        engine.random_rotation(0, seed=0)


# --------------------------------------------------------------------------------------------------
# rotating the representation


@pytest.mark.parametrize(("arch", "layer"), CASES)
def test_rotation_and_its_inverse_leave_the_outputs_unchanged(arch, layer):
    model, x, _ = random_model(arch)
    with torch.no_grad():
        plain = model(x)
    units = engine.Engine(model, layer, device="cpu").activations(x[:1]).shape[1]
    q = engine.random_rotation(units, seed=1)
    round_trip = hooked_logits(model, layer, x, lambda a: unrotate(rotate(a, q), q))
    torch.testing.assert_close(round_trip, plain, rtol=1e-10, atol=1e-10)
    # the hook does act: the rotation alone (no inverse) changes the logits
    rotated_only = hooked_logits(model, layer, x, lambda a: rotate(a, q))
    assert (rotated_only - plain).abs().max() > 1e-3


@pytest.mark.parametrize(("arch", "layer"), CASES)
def test_direction_ablation_zeros_one_coordinate_of_the_rotated_representation(arch, layer):
    # Zhou et al.'s definition: rotate, zero coordinate j, rotate back.
    model, x, _ = random_model(arch)
    eng = engine.Engine(model, layer, device="cpu")
    act = eng.activations(x)
    q = engine.random_rotation(act.shape[1], seed=2)
    ablations = engine.directions(q)
    got = torch.cat([logits for _, logits in eng.logits(act, ablations, chunk_ablations=16)])
    for j in spread(act.shape[1], 6):

        def zero_coordinate(a, j=j):
            coords = rotate(a, q)
            coords[:, j] = 0
            return unrotate(coords, q)

        want = hooked_logits(model, layer, x, zero_coordinate)
        torch.testing.assert_close(got[j], want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("arch", "layer"), CASES)
def test_identity_directions_give_the_single_unit_logits(arch, layer):
    # Directions run the whole suffix; single units take the linear-head shortcut where there is
    # one (alexnet conv5). Counts equal exactly and the logits agree to rounding.
    model, x, y = random_model(arch)
    eng = engine.Engine(model, layer, device="cpu")
    act = eng.activations(x)
    units = act.shape[1]
    by_direction = torch.cat([lg for _, lg in eng.logits(act, engine.directions(torch.eye(units)))])
    by_unit = torch.cat([lg for _, lg in eng.logits(act, engine.single_units(units))])
    torch.testing.assert_close(by_direction, by_unit, rtol=1e-10, atol=1e-10)
    a = eng.sweep(x, y, engine.directions(torch.eye(units)), CLASSES)
    b = eng.sweep(x, y, engine.single_units(units), CLASSES)
    assert torch.equal(a.correct, b.correct) and torch.equal(a.base_correct, b.base_correct)


# --------------------------------------------------------------------------------------------------
# cached direction sweeps


def test_direction_sweeps_are_cached_by_the_basis(store, monkeypatch):
    model, x, y = random_model("resnet18-mini", size=32)
    rotation = {s: engine.directions(engine.random_rotation(128, seed=s)) for s in (0, 1)}
    key = {s: sweeps.sweep_key(model, "layer4", x, y, rotation[s], CLASSES) for s in (0, 1)}
    assert key[0] != key[1]
    again = engine.directions(engine.random_rotation(128, seed=0))
    assert sweeps.sweep_key(model, "layer4", x, y, again, CLASSES) == key[0]

    kw = {"store": store, "device": "cpu", "progress": False, "shard_size": 64}
    first = sweeps.cached_sweep(model, "layer4", x, y, rotation[0], CLASSES, **kw)
    direct = engine.sweep(model, "layer4", x, y, rotation[0], CLASSES, device="cpu")
    assert torch.equal(first.correct, direct.correct)

    def no_compute(*a, **k):
        raise AssertionError("recomputed a cached direction sweep")

    monkeypatch.setattr(engine.Engine, "sweep", no_compute)
    second = sweeps.cached_sweep(model, "layer4", x, y, again, CLASSES, **kw)
    assert torch.equal(second.correct, first.correct)
