import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]

torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture
def store(tmp_path):
    from unitroles.store import Store

    return Store(tmp_path / "cache")
