"""Before a sweep on full-size inputs, its cost: planned work and an estimated time."""

import torch

from unitroles import cost, engine, sweeps, zoo


def test_full_size_sweep_prints_its_plan_and_small_ones_do_not(store, capsys):
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", 3).eval()
    for size, planned in ((cost.FULL_SIZE, True), (48, False)):
        images, labels = torch.randn(6, 3, size, size), torch.tensor([0, 1, 2, 0, 1, 2])
        sweeps.unit_sweep(model, "conv5", images, labels, 3, store=store, shard_size=32)
        out = capsys.readouterr().out
        assert ("planned: 6 images x 96 ablations = 576 suffix passes" in out) is planned
        assert ("estimated" in out) is planned


def test_plan_scales_the_timed_sample():
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", 3).eval()
    eng = engine.Engine(model, "conv4", device="cpu")
    images, labels = torch.randn(40, 3, 48, 48), torch.randint(0, 3, (40,))
    plan = cost.plan_sweep(eng, images, labels, engine.single_units(96), 3, total=960)
    assert plan.suffix_passes == 40 * 960 and plan.macs > 40 * 960 and plan.seconds > 0
    assert cost.duration(30) == "30 s" and cost.duration(600) == "10 min"
    assert cost.duration(7200) == "2.0 h"
