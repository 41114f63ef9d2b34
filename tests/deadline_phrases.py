"""The table of deadline phrases (tests/fixtures/deadlines/phrases.csv) with expected kind and date."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

PHRASES_CSV = Path(__file__).parent / "fixtures" / "deadlines" / "phrases.csv"


@dataclass(frozen=True)
class Phrase:
    """One row: the deadline text (None when empty), the plan year (None when unknown), expected kind/date."""

    text: Optional[str]
    plan_year: Optional[int]
    kind: str
    date: Optional[str]  # ISO yyyy-mm-dd


def load_phrases() -> list[Phrase]:
    """Every row of the phrase table, in file order."""
    with PHRASES_CSV.open(encoding="utf-8", newline="") as f:
        return [Phrase(r["phrase"] or None, int(r["plan_year"]) if r["plan_year"] else None, r["kind"],
                       r["date"] or None) for r in csv.DictReader(f)]
