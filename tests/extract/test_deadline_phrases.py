"""read_deadline on the phrase table: kind and date of every phrase, and every kind covered."""

from __future__ import annotations

import pytest

from extract.tasks.normalize import DEADLINE_KINDS, Deadline, parse_deadline, read_deadline
from tests.deadline_phrases import load_phrases

PHRASES = load_phrases()


def test_table_has_40_phrases_and_every_kind():
    assert len(PHRASES) >= 40
    assert {p.kind for p in PHRASES} == set(DEADLINE_KINDS)


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: f"{p.text}@{p.plan_year}")
def test_phrase_kind_and_date(phrase):
    got = read_deadline(phrase.text, phrase.plan_year)
    assert (got.kind, got.iso) == (phrase.kind, phrase.date)
    assert parse_deadline(phrase.text, phrase.plan_year) == phrase.date  # the date-only form agrees


def test_kinds_are_closed_and_dates_only_when_dated():
    for p in PHRASES:
        got = read_deadline(p.text, p.plan_year)
        assert got.kind in DEADLINE_KINDS
        assert (got.date is None) == (got.kind in ("none", "unparsed"))
    assert read_deadline(None, 2024) == Deadline("none")
    assert read_deadline("  \u3000", 2024) == Deadline("none")
