import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from tests import gold as gold_files  # noqa: E402  (after the sys.path line above)

GOLD_SEEDS = gold_files.gold_seeds()


def load_gold(seed: str) -> tuple[dict, list[dict]]:
    """Gold file → (document fields, task rows), as Extraction would hand them over."""
    data = gold_files.load_gold(seed)
    tasks = data.pop("tasks")
    return data, tasks


@pytest.fixture
def gold():
    return load_gold


@pytest.fixture(scope="session", autouse=True)
def _warm_gx():
    from extract import validate

    validate.warm_up()  # import GX + build the context once for the session
