"""The gold task rows of the five seeds (tests/fixtures/gold) and how they are compared.

Shared by the tests and the benchmarks: text is compared with whitespace removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

GOLD_DIR = Path(__file__).parent / "fixtures" / "gold"


def load_gold(seed: str) -> dict[str, Any]:
    """The gold file of one seed (document fields and task rows)."""
    return json.loads((GOLD_DIR / f"{seed}.json").read_text(encoding="utf-8"))


def gold_seeds() -> list[str]:
    """Seed ids that have a gold file."""
    return sorted(p.stem for p in GOLD_DIR.glob("*.json"))


def nows(value: Any) -> Any:
    """Whitespace-insensitive form of a gold value (strings and lists of strings; others as-is)."""
    if isinstance(value, str):
        return re.sub(r"\s+", "", value)
    if isinstance(value, list):
        return [nows(v) for v in value]
    return value


def field_mismatches(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Names of the fields of ``want`` whose value differs in ``got`` (whitespace-insensitive, see ``nows``).

    Only the fields the gold row has are compared, so a gold without ``section`` does
    not require its absence. A gold file flagged ``units_union`` (an empty lead column:
    either reading of the other unit column is fair) is handled by the caller.
    """
    return [name for name, value in want.items() if _text_key(got.get(name)) != _text_key(value)]


def _text_key(value: Any) -> Any:
    """``nows`` plus a trailing 。 dropped, as ``shared/tools/compare_gold.py`` compares names and contents."""
    value = nows(value)
    if isinstance(value, str):
        return value.rstrip("。")
    if isinstance(value, list):
        return [_text_key(v) for v in value]
    return value
