import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

GOLD_DIR = REPO / "tests" / "fixtures" / "gold"
GOLD_SEEDS = sorted(p.stem for p in GOLD_DIR.glob("[0-9][0-9][0-9].json"))


def load_gold(seed: str) -> tuple[dict, list[dict]]:
    """Gold file → (document fields, task rows), as Extraction would hand them over."""
    data = json.loads((GOLD_DIR / f"{seed}.json").read_text(encoding="utf-8"))
    tasks = data.pop("tasks")
    return data, tasks


@pytest.fixture
def gold():
    return load_gold


@pytest.fixture(scope="session", autouse=True)
def _warm_gx():
    from extract import validate

    validate.warm_up()  # import GX + build the context once for the session
