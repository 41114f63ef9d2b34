"""The generated sites and documents: reproducible, and faithful to the table sources."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from sample_portals import documents as D
from sample_portals.build import build

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _file(build_dir: Path, site: str, suffix: str) -> bytes:
    """Bytes of the single file of ``site`` whose path ends with ``suffix``."""
    m = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    hits = [e["file"] for p, e in m["sites"][site]["files"].items() if p.endswith(suffix)]
    assert len(hits) == 1, hits
    return (build_dir / hits[0]).read_bytes()


def _manifest(build_dir: Path) -> dict:
    return json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))


def test_build_is_reproducible(build_dir: Path, tmp_path: Path) -> None:
    """A second build gives the same files, byte for byte."""
    build(tmp_path / "again")
    first = sorted(p.relative_to(build_dir) for p in build_dir.rglob("*") if p.is_file() and p.name != "requests.jsonl")
    second = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    assert first == second
    for rel in first:
        assert (build_dir / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel


def test_sources_keep_true_merges() -> None:
    """Seed 003: the names of rows 38, 43, 53, 58 sit at the top of their span."""
    t = D.load_table("003")
    by_seq = {r.seq: r for r in t.rows}
    for seq in ("38", "43", "53", "58"):
        assert by_seq[seq].name is not None and by_seq[seq].name.rows > 1, seq
        assert by_seq[str(int(seq) - 1)].name is None or by_seq[str(int(seq) - 1)].name.rows == 1
    assert [len(D.load_table(s).rows) for s in ("000", "003", "004")] == [33, 70, 91]


def _vmerge_column(docx_bytes: bytes, col: int) -> list[str]:
    """vMerge state ('restart', 'continue' or '') of column ``col`` for each body row."""
    import docx

    doc = docx.Document(io.BytesIO(docx_bytes))
    out = []
    for tr in doc.tables[0]._tbl.tr_lst[1:]:
        tc = tr.tc_lst[col]
        vm = tc.find(f"{W}tcPr/{W}vMerge")
        out.append("" if vm is None else (vm.get(f"{W}val") or "continue"))
    return out


@pytest.mark.parametrize("seed,site,suffix", [("003", "pudong", "5273651f5dde5e5f1d7b07c7d42b6010.docx"),
                                              ("000", "pudong", "90b9d9afe31d032dd526f6d722d49ed1.docx")])
def test_docx_has_real_vmerge(build_dir: Path, seed: str, site: str, suffix: str) -> None:
    """Every merged 任务名称/责任单位 cell is a vMerge restart followed by continues."""
    table = D.load_table(seed)
    data = _file(build_dir, site, suffix)
    for col, attr in ((1, "name"), (3, "units")):
        states = _vmerge_column(data, col)
        expected: list[str] = []
        for r in table.rows:
            c = getattr(r, attr)
            if c is None:
                expected.append("continue")
            else:
                expected.append("restart" if c.rows > 1 else "")
        assert states == expected, (seed, attr)
    assert "restart" in _vmerge_column(data, 1)


def test_docx_003_name_on_top_row(build_dir: Path) -> None:
    """Row 38 carries 加强政策咨询窗口和知识库建设 and starts the merge (the dump put it on 39)."""
    import docx

    doc = docx.Document(io.BytesIO(_file(build_dir, "pudong", "5273651f5dde5e5f1d7b07c7d42b6010.docx")))
    rows = doc.tables[0]._tbl.tr_lst
    row38 = next(tr for tr in rows if tr.tc_lst[0].xpath("string(.)") == "38")
    assert row38.tc_lst[1].xpath("string(.)") == "加强政策咨询窗口和知识库建设"
    assert doc.core_properties.created.year == 2023


def test_pdf_pages_repeat_header(build_dir: Path) -> None:
    """The PDF has several pages, each starting with the header row."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(_file(build_dir, "pudong", ".pdf"))) as pdf:
        assert len(pdf.pages) >= 2
        for page in pdf.pages:
            text = re.sub(r"\s+", "", page.extract_text())
            assert "序号任务名称任务内容责任单位时间节点" in text
        assert pdf.metadata.get("CreationDate", "").startswith("D:2000")  # reportlab invariant


def test_xlsx_has_title_row_and_merges(build_dir: Path) -> None:
    """The xlsx has a merged title row above the header and merged group ranges."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(_file(build_dir, "pudong", ".xlsx")))
    ws = wb.active
    ranges = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:E1" in ranges
    assert ws["A1"].value == D.load_table("000").title
    assert [c.value for c in ws[2]] == ["序号", "任务名称", "任务内容", "牵头部门", "时间节点"]
    assert "B3:B6" in ranges          # task 1-4 share 扩大优化营商环境政策举措信息公开
    assert ws["B3"].value == "扩大优化营商环境政策举措信息公开"
    assert len([r for r in ranges if r.startswith("B")]) >= 5


def test_gbk_pages(build_dir: Path) -> None:
    """2019 plan: GBK bytes with a gb2312 meta; shsamr list page 2: GBK with no charset at all."""
    m = _manifest(build_dir)["sites"]["shsamr"]["files"]
    page = next(p for p in m if p.startswith("/1073/20190514/"))
    data = (build_dir / m[page]["file"]).read_bytes()
    assert m[page]["charset"] is None
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    assert "charset=gb2312" in text and "2019年市市场监管局政务公开工作的总体要求" in text
    listing = (build_dir / m["/1073/index_2.html"]["file"]).read_bytes()
    assert m["/1073/index_2.html"]["charset"] is None
    assert b"charset" not in listing.lower()
    from extract.parse.encoding import decode_bytes
    text2, codec = decode_bytes(listing, "text/html")
    assert codec == "gb18030" and "2019年上海市市场监督管理局政务公开工作要点" in text2


def test_jiading_html_table_and_doc(build_dir: Path) -> None:
    """Jiading's notice carries the table inline with rowspan, plus the Word 97 attachment."""
    m = _manifest(build_dir)["sites"]["jiading"]["files"]
    page = next(p for p in m if p.startswith("/publicity/zfxxgk/tzgg/20230510/"))
    html = (build_dir / m[page]["file"]).read_text(encoding="utf-8")
    table = html[html.index("MsoNormalTable"):]
    assert 'rowspan="3"' in table and table.count("<tr>") == 92
    if D.soffice_path():
        doc = next(p for p in m if p.endswith(".doc"))
        assert (build_dir / m[doc]["file"]).read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
        assert m[doc]["content_type"] == "application/msword"


def test_list_pages_do_not_carry_task_content(build_dir: Path) -> None:
    """List pages show titles only, never the seed task text."""
    m = _manifest(build_dir)["sites"]
    for site, info in m.items():
        for path, e in info["files"].items():
            if path.endswith(("index.html", "index_2.html")) and path != "/":
                raw = (build_dir / e["file"]).read_bytes()
                text = raw.decode(e["encoding"] or "utf-8")
                assert "公共服务和投诉集中领域监管信息公开" not in text, (site, path)
