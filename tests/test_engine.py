"""The engine's fast paths against the plain hook-based reference, in float64."""

import pytest
import torch

from unitroles import engine, zoo

LAYERS = {
    "alexnet-mini": ["conv1", "conv2", "conv3", "conv4", "conv5"],
    "vgg16-mini": [
        f"conv{b}_{i}" for b, n in zip(range(1, 6), (2, 2, 3, 3, 3)) for i in range(1, n + 1)
    ],
    "resnet18-mini": ["conv1", "layer1", "layer2", "layer3", "layer4"],
}
CASES = [(arch, layer) for arch, layers in LAYERS.items() for layer in layers]


def random_model(arch, classes=7, seed=0):
    torch.manual_seed(seed)
    model = zoo.build_model(arch, classes).double().eval()
    x = torch.randn(24, 3, 40, 40, dtype=torch.float64)
    y = torch.randint(0, classes, (24,))
    return model, x, y


@pytest.mark.parametrize(("arch", "layer"), CASES)
def test_batched_engine_matches_hook_reference(arch, layer):
    model, x, y = random_model(arch)
    eng = engine.Engine(model, layer, device="cpu")
    units = eng.activations(x[:1]).shape[1]
    ablations = engine.single_units(units)
    ref = engine.reference_sweep(model, layer, x, y, ablations, 7)
    fast = eng.sweep(x, y, ablations, 7, chunk_images=10, chunk_ablations=5)
    assert torch.equal(fast.correct, ref.correct)
    assert torch.equal(fast.base_correct, ref.base_correct)
    torch.testing.assert_close(fast.loss, ref.loss, rtol=1e-10, atol=1e-10)
