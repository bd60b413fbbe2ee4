"""`python -m unitroles.train --paper`: DDP under torchrun (gloo, 2 processes) on tiny data, killed
mid-epoch, resumed, and the checkpoint loaded as the paper profile loads it."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from unitroles import distributed, paper


def write_image_folder(root, classes=2, per_class=4, size=36, seed=0):
    rng = np.random.default_rng(seed)
    for k in range(classes):
        (root / f"class{k}").mkdir(parents=True)
        for i in range(per_class):
            img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            img[..., k] = 255  # learnable: one channel saturated per class
            Image.fromarray(img).save(root / f"class{k}" / f"{i}.png")
    return root


def torchrun(data, out, *extra, kill_at=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("UNITROLES_TEST_KILL_AT", None)
    if kill_at:
        env["UNITROLES_TEST_KILL_AT"] = kill_at
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "unitroles.train", "--paper", "instance", "--data", str(data), "--out", str(out),
        "--arch", "alexnet-mini", "--image-size", "32", "--workers", "0", "--batch-size", "4",
        "--epochs", "3", "--lr", "0.01", *extra,
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.rehearse  # three torchrun launches: about a minute on 2 cores
def test_two_process_training_is_killed_resumes_and_loads(tmp_path):
    data = write_image_folder(tmp_path / "train")
    whole = torchrun(data, tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr[-3000:]
    assert '"epoch": 3' in whole.stdout

    killed = torchrun(data, tmp_path / "killed", kill_at="2:1")  # mid-way through epoch 3
    assert killed.returncode != 0
    out = tmp_path / "killed"
    assert not (out / "alexnet-seed0.pth").exists()
    state = torch.load(out / ".alexnet-seed0.resume.pth", weights_only=True)
    assert state["epoch"] == 2
    assert not [p for p in out.iterdir() if ".tmp" in p.name]  # atomic writes only

    resumed = torchrun(data, out)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming alexnet-seed0 after epoch 2 of 3" in resumed.stdout
    assert not (out / ".alexnet-seed0.resume.pth").exists()
    a = torch.load(tmp_path / "whole" / "alexnet-seed0.pth", weights_only=True)["state_dict"]
    b = torch.load(out / "alexnet-seed0.pth", weights_only=True)["state_dict"]
    for key in a:  # the kill cost nothing: the weights of the uninterrupted run
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=key)

    # the paper profile loads it as the network it records
    files = paper.instance_checkpoints(out, [0])
    model = paper.load_model(files[0], 2, arch="alexnet", classes_from=str(data))
    assert model.unitroles_arch == "alexnet-mini" and not model.training


def test_paper_recipes_and_their_errors(tmp_path):
    rec = distributed.paper_recipe("gen-E")
    assert rec.arch == "vgg16"
    assert rec.train_fraction < distributed.paper_recipe("gen-A").train_fraction
    assert [distributed.lr_at(rec, e) for e in (0, 100, 200)] == pytest.approx(
        [rec.lr, rec.lr / 10, rec.lr / 100]
    )
    assert len(distributed.class_subset([0] * 10 + [1] * 50, 0.1)) == 1 + 5
    with pytest.raises(ValueError, match="unknown paper recipe 'gen-F'; recipes are: instance"):
        distributed.paper_recipe("gen-F")
    with pytest.raises(FileNotFoundError, match="`--data`"):
        distributed.train_paper(rec, tmp_path / "nowhere", tmp_path / "out")
