import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]

torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture
def store(tmp_path):
    from unitroles.store import Store

    return Store(tmp_path / "cache")


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory):
    """`make book PROFILE=smoke` into a temporary folder, with a fresh cache, once per session."""
    out = tmp_path_factory.mktemp("smoke")
    env = {**os.environ, "UNITROLES_CACHE": str(out / "cache")}
    venv = Path(sys.executable).parents[1]
    result = subprocess.run(
        [
            "make", "-C", str(ROOT), "book", "PROFILE=smoke", f"VENV={venv}",
            f"BOOK_OUT={out}", f"EXEC={out}/executed", f"STAGE={out}/stage",
            f"MODELS_STAMP={out}/models.stamp",
        ],
        env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip  # a hang guard: about 10 min on 2 slow cores, more when they are shared
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out, result.stdout + result.stderr


REHEARSE_ENV = "UNITROLES_REHEARSE"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "rehearse: the paper path end to end; run by `make rehearse`, skipped otherwise"
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``rehearse`` (minutes each) run only under ``make rehearse``."""
    if os.environ.get(REHEARSE_ENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"a rehearsal: `make rehearse` runs it ({REHEARSE_ENV}=1)")
    for item in items:
        if "rehearse" in item.keywords:
            item.add_marker(skip)
