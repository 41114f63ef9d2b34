""".doc parser: antiword output parsing, tool discovery and errors."""

from __future__ import annotations

import shutil

import pytest

from extract.parse import doc as doc_mod
from extract.parse.detect import detect_format
from extract.parse.model import Cell, ParseError
from ole_builder import build_ole

# antiword -m UTF-8.txt -w 0 output: one line per paragraph, |cell| rows; long cells wrap
# onto extra |…| lines inside their column width, with no rule between table rows.
ANTIWORD_OUTPUT = """2024年嘉定区政务公开工作要点

一、总体要求
|序号|任务名称    |任务内容                    |责任单位    |时间节点|
|1   |推进政务公开|加强政策解读，做好政策发布解|区发改委、区|6月底前 |
|    |            |读回应工作                  |财政局      |        |
|2   |            |内容B                       |区委办      |全年    |
|3   |Open data   |publish the open data       |Office      |        |
|    |            |catalogue yearly            |            |        |

[pic]
二、保障措施
"""


def test_antiword_text_to_blocks() -> None:
    doc = doc_mod.parse_antiword_text(ANTIWORD_OUTPUT)
    assert doc.source_format == "doc"
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "table", "paragraph"]
    assert doc.blocks[3].text == "二、保障措施"
    table = doc.tables[0]
    assert table.spans_known is False
    assert table.rows == [
        [Cell("序号"), Cell("任务名称"), Cell("任务内容"), Cell("责任单位"), Cell("时间节点")],
        [Cell("1"), Cell("推进政务公开"), Cell("加强政策解读，做好政策发布解读回应工作"), Cell("区发改委、区财政局"), Cell("6月底前")],
        [Cell("2"), Cell(""), Cell("内容B"), Cell("区委办"), Cell("全年")],
        [Cell("3"), Cell("Open data"), Cell("publish the open data catalogue yearly"), Cell("Office"), Cell("")],
    ]


def test_ragged_rows_are_padded() -> None:
    doc = doc_mod.parse_antiword_text("|a|b|c|\n|d|e|\n")
    assert doc.tables[0].texts() == [["a", "b", "c"], ["d", "e", ""]]


def test_missing_tools_name_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doc_mod.shutil, "which", lambda name: None)
    with pytest.raises(ParseError, match="antiword"):
        doc_mod.parse_doc(build_ole({"WordDocument": b"\x00" * 64}))


def test_detects_word97_container() -> None:
    assert detect_format(build_ole({"WordDocument": b"\x00" * 64, "1Table": b"\x00"})) == "doc"


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed (Debian package antiword)")
def test_antiword_rejects_a_broken_word_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(doc_mod.shutil, "which", lambda name: None if name in ("soffice", "libreoffice") else real_which(name))
    with pytest.raises(ParseError, match="antiword could not read"):
        doc_mod.parse_doc(build_ole({"WordDocument": b"\x00" * 64, "1Table": b"\x00"}))
