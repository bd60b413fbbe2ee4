"""Run by tests/test_sweeps.py under torchrun: a sharded sweep over 2 gloo processes."""

import sys

import numpy as np
import torch
import torch.distributed as dist

from unitroles import engine, sweeps, zoo
from unitroles.store import Store


def main(store_root: str, out: str) -> None:
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", 5).double().eval()
    x = torch.randn(20, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, 5, (20,))
    counts = sweeps.cached_sweep(
        model, "conv5", x, y, engine.single_units(96), 5,
        store=Store(store_root), shard_size=8, device="cpu", progress=False,
    )  # fmt: skip
    np.savez(f"{out}-rank{dist.get_rank()}.npz", correct=counts.correct, loss=counts.loss,
             base_correct=counts.base_correct)  # fmt: skip
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:])
