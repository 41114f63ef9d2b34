"""Every seed dump, parsed and extracted, equals its gold file on every field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extract.parse import parse_bytes
from extract.parse.text import parse_text
from extract.tasks import PARSER_VERSION, extract_tasks
from tests.conftest import gold_seeds, load_gold, nows

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "sample_portals" / "seeds"
SEEDS = gold_seeds()
DOC_FIELDS = ("jurisdiction", "level", "issuer", "year", "doc_number", "issued_on", "layout", "task_count")


@pytest.fixture(scope="module", params=SEEDS)
def seed_result(request: pytest.FixtureRequest) -> tuple[dict, Any]:
    gold = load_gold(request.param)
    doc = parse_text((SEED_DIR / gold["file"]).read_bytes())
    return gold, extract_tasks([doc])


def test_seed_count() -> None:
    assert SEEDS == ["000", "001", "002", "003", "004"]


def test_document_fields(seed_result: tuple[dict, Any]) -> None:
    gold, result = seed_result
    for name in DOC_FIELDS:
        assert result.document[name] == gold[name], name
    if "header" in gold:
        assert result.document["header"] == gold["header"]


def test_task_fields(seed_result: tuple[dict, Any]) -> None:
    gold, result = seed_result
    assert len(result.tasks) == len(gold["tasks"])
    for want, got in zip(gold["tasks"], result.tasks):
        # every task carries a section (null for a table without section rows); gold omits a null one;
        # deadline_kind is not in the gold: it must fit the gold's raw text and date
        assert set(got) == set(want) | {"section", "deadline_kind"}, want["seq"]
        assert got["section"] == want.get("section"), want["seq"]
        for name, value in want.items():
            assert nows(got[name]) == nows(value), (want["seq"], name)
        assert got["deadline_kind"] == _gold_kind(want, gold["year"]), want["seq"]


def _gold_kind(task: dict, year: int) -> str:
    """The kind a gold row's deadline must have: the seeds use 全年, N月…, N月D日前, 次年N月 and undated text."""
    raw, date = task["deadline_raw"], task["deadline_date"]
    if raw is None:
        return "none"
    if date is None:
        return "unparsed"
    if int(date[:4]) > year:
        return "next_year"
    return {"全年": "full_year"}.get(raw, "day" if "日" in raw else "month")


def test_parse_bytes_dispatches_text_dumps() -> None:
    gold = load_gold("000")
    doc = parse_bytes((SEED_DIR / gold["file"]).read_bytes())
    assert doc.source_format == "text"
    assert len(extract_tasks([doc]).tasks) == gold["task_count"]


def test_seed_003_middle_row_names_settled_by_prose_with_warnings() -> None:
    gold = load_gold("003")
    result = extract_tasks([parse_text((SEED_DIR / gold["file"]).read_bytes())])
    moved = [w for w in result.warnings if "merged cell of row" in w]
    assert [w.split(":")[0] for w in moved] == ["row 38", "row 43", "row 53", "row 58"]
    assert {t["seq"]: t["task_name"] for t in result.tasks if t["seq"] in (37, 38, 42, 43)} == {
        37: "强化政策咨询和办理服务",
        38: "加强政策咨询窗口和知识库建设",
        42: "严格落实重大行政决策听取意见制度",
        43: "扎实推进重大行政决策事项目录管理",
    }


def test_seed_003_as_two_parts_body_then_attachment(tmp_path: Path) -> None:
    """The notice body and its attachment given as separate parts read like the single dump."""
    gold = load_gold("003")
    text = (SEED_DIR / gold["file"]).read_text(encoding="utf-8")
    cut = text.index("附件\n")
    body, attachment = text[:cut].encode(), text[cut:].encode()
    result = extract_tasks([parse_text(body), parse_text(attachment)])
    for name in DOC_FIELDS:
        assert result.document[name] == gold[name], name
    assert [t["task_name"] for t in result.tasks] == [t["task_name"] for t in gold["tasks"]]


def test_parser_version_is_a_string() -> None:
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION
