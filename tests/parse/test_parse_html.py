"""HTML parser: encodings, rowspan/colspan grids, portal body and metadata."""

from __future__ import annotations

from extract.parse.html import parse_html
from extract.parse.model import Cell, Document

TASK_TABLE = """
<table border="1">
  <tr><th>序号</th><th>任务名称</th><th>任务内容</th><th>责任单位</th><th>时间节点</th></tr>
  <tr><td>1</td><td rowspan="3">加强政策<br/>解读</td><td>做好解读</td><td>区发改委</td><td>6月底前</td></tr>
  <tr><td>2</td><td>回应关切</td><td colspan="2">区财政局（全年）</td></tr>
  <tr><td>3</td><td>公开 目录</td><td>区政府办公室、区司法局</td><td>全年</td></tr>
  <tr><td>4</td><td>推进公开</td><td>公开标准</td><td>区委办</td><td>12月</td></tr>
</table>
"""

EXPECTED_GRID = [
    [Cell("序号"), Cell("任务名称"), Cell("任务内容"), Cell("责任单位"), Cell("时间节点")],
    [Cell("1"), Cell("加强政策\n解读"), Cell("做好解读"), Cell("区发改委"), Cell("6月底前")],
    [Cell("2"), Cell("加强政策\n解读", (1, 1)), Cell("回应关切"), Cell("区财政局（全年）"), Cell("区财政局（全年）", (2, 3))],
    [Cell("3"), Cell("加强政策\n解读", (1, 1)), Cell("公开 目录"), Cell("区政府办公室、区司法局"), Cell("全年")],
    [Cell("4"), Cell("推进公开"), Cell("公开标准"), Cell("区委办"), Cell("12月")],
]


def _page(head: str = "") -> str:
    return f"<html><head>{head}<title>工作要点</title></head><body><p>一、总体要求</p>{TASK_TABLE}<p>（一）加强解读</p></body></html>"


def _check(doc: Document) -> None:
    assert doc.source_format == "html"
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "paragraph"]
    assert doc.blocks[0].text == "一、总体要求"
    assert doc.blocks[2].text == "（一）加强解读"
    assert doc.tables[0].rows == EXPECTED_GRID


def test_gbk_without_charset_declaration() -> None:
    _check(parse_html(_page().encode("gbk")))


def test_utf8_declared_and_undeclared() -> None:
    _check(parse_html(_page('<meta charset="utf-8">').encode("utf-8")))
    _check(parse_html(_page().encode("utf-8")))


def test_wrong_declared_charset_does_not_lose_text() -> None:
    # GBK bytes declared as UTF-8, UTF-8 bytes declared as GB2312, GBK declared as Latin-1
    _check(parse_html(_page('<meta http-equiv="Content-Type" content="text/html; charset=utf-8">').encode("gbk")))
    _check(parse_html(_page('<meta charset="gb2312">').encode("utf-8")))
    _check(parse_html(_page('<meta charset="iso-8859-1">').encode("gbk")))


def test_gb18030_only_characters_survive_gb2312_label() -> None:
    html = '<meta charset="gb2312"><p>嘉定区𠀀镕基</p>'.encode("gb18030")
    assert parse_html(html).blocks[0].text == "嘉定区𠀀镕基"


PORTAL = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>关于印发《2024年政务公开工作要点》的通知_浦东新区人民政府</title>
<style>.x{color:red}</style><script>var nav = "首页";</script></head>
<body>
<div class="header"><h1><a href="/">浦东新区人民政府</a></h1></div>
<nav><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li></ul></nav>
<table width="100%"><tr><td>
  <table class="xxgk_table">
    <tr><td>索 引 号：</td><td>PD0001-2024-00012</td><td>主题分类：</td><td>综合政务</td></tr>
    <tr><td>发布机构：</td><td>浦东新区人民政府办公室</td><td>文件编号：</td><td>浦府办〔2024〕3号</td></tr>
  </table>
  <ul class="info"><li><span>公开类别：</span><span>主动公开</span></li>
      <li>发布时间：2024-03-15 来源：区政府办</li></ul>
  <h1 class="title">关于印发《2024年政务公开工作要点》的通知</h1>
  <div class="article"><div id="zoom" class="TRS_Editor">
    <p>各委、办、局：</p>
    <p>　　现将《2024年浦东新区政务公开
       工作要点》印发给你们，请认真贯彻落实。</p>
    <table><tr><td><p>一、总体要求</p></td></tr></table>
""" + TASK_TABLE + """
    <p>浦东新区人民政府办公室</p>
  </div></div>
</td><td class="sidebar"><ul><li><a href="/a">相关链接一</a></li><li><a href="/b">相关链接二</a></li></ul></td></tr></table>
<div class="footer"><p>版权所有：浦东新区人民政府</p></div>
</body></html>"""


def test_portal_page_body_and_metadata() -> None:
    doc = parse_html(PORTAL.encode("gbk"))
    assert doc.meta == {
        "索引号": "PD0001-2024-00012",
        "主题分类": "综合政务",
        "发布机构": "浦东新区人民政府办公室",
        "文件编号": "浦府办〔2024〕3号",
        "公开类别": "主动公开",
        "发布时间": "2024-03-15",
        "来源": "区政府办",
        "title": "关于印发《2024年政务公开工作要点》的通知",
    }
    texts = [b.text for b in doc.blocks if b.kind != "table"]
    assert texts == [
        "各委、办、局：",
        "现将《2024年浦东新区政务公开工作要点》印发给你们，请认真贯彻落实。",
        "一、总体要求",
        "浦东新区人民政府办公室",
    ]
    # the metadata table and the one-cell layout table are not task tables
    assert len(doc.tables) == 1
    assert doc.tables[0].rows == EXPECTED_GRID
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "paragraph", "table", "paragraph"]


def test_densest_element_when_no_content_class() -> None:
    html = (
        "<html><body><div><a href='/'>首页</a> <a href='/x'>机构</a></div>"
        "<div><div><p>第一段正文内容比较长。</p><p>第二段正文内容也比较长。</p><p>第三段。</p></div></div>"
        "<div>Copyright</div></body></html>"
    )
    doc = parse_html(html.encode("utf-8"))
    assert [b.text for b in doc.blocks] == ["第一段正文内容比较长。", "第二段正文内容也比较长。", "第三段。"]


def test_headings_and_title_fallback() -> None:
    html = "<html><head><title>2024年工作要点 | 嘉定区人民政府</title></head><body><div class='content'><h2>一、总体要求</h2><p>（一）加强解读。推进公开工作。</p></div></body></html>"  # noqa: E501
    doc = parse_html(html.encode("utf-8"))
    assert doc.meta["title"] == "2024年工作要点"
    assert doc.blocks[0].kind == "heading" and doc.blocks[0].level == 2
    assert doc.blocks[1].kind == "paragraph"


def test_single_row_or_column_tables_are_text() -> None:
    html = "<table><tr><td>只有一行</td><td>两列</td></tr></table><table><tr><td>一列</td></tr><tr><td>两行</td></tr></table>"
    doc = parse_html(html.encode("utf-8"))
    assert doc.tables == []
    assert [b.text for b in doc.blocks] == ["只有一行", "两列", "一列", "两行"]


def test_dl_metadata_with_an_empty_value() -> None:
    html = (
        '<div class="xxgk-meta"><dl><dt>索引号</dt><dd>PD-2023-015</dd></dl>'
        "<dl><dt>文件编号</dt><dd></dd></dl><dl><dt>发布机构</dt><dd>浦东新区人民政府</dd></dl></div>"
        '<h1>重大行政决策事项目录</h1><div id="zoom"><p>根据有关规定，现公布2023年度目录。</p></div>'
    )
    doc = parse_html(html.encode("utf-8"))
    assert doc.meta == {"索引号": "PD-2023-015", "发布机构": "浦东新区人民政府", "title": "重大行政决策事项目录"}
    # the title printed just above the body is kept (a lead-in line); the metadata block is not
    assert [b.text for b in doc.blocks] == ["重大行政决策事项目录", "根据有关规定，现公布2023年度目录。"]


def test_comments_dropped_tags_and_xml_declaration() -> None:
    # An <?xml encoding?> line on a decoded page, comments between label and value and
    # inside text, and text that follows a removed <script>/<nav>: none may lose or add text.
    html = (
        '<?xml version="1.0" encoding="gb2312"?>\n<html><head><title>通知</title></head><body>'
        "<nav>首页</nav>"
        "<div class='info'><span>索引号：</span><!-- value follows --><span>JD-2024-7</span></div>"
        "<div class='content'><p>第一段<!-- 注释 -->正文<script>var x = 1;</script>继续。</p>"
        "<p>第二段<br>换行后</p>尾随文字</div></body></html>"
    )
    doc = parse_html(html.encode("gb18030"))
    assert doc.meta == {"索引号": "JD-2024-7", "title": "通知"}
    assert [b.text for b in doc.blocks] == ["第一段正文继续。", "第二段", "换行后", "尾随文字"]


def test_rows_of_nested_tables_stay_with_their_own_table() -> None:
    html = (
        "<div class='content'><table><tr><td>"
        "<table><tr><th>序号</th><th>任务</th></tr><tr><td>1</td><td>公开目录</td></tr></table>"
        "</td></tr><tr><td>外层说明文字</td></tr></table></div>"
    )
    doc = parse_html(html.encode("utf-8"))
    # the outer table holds a table, so it is layout; the inner one is the data table
    assert [b.kind for b in doc.blocks] == ["table", "paragraph"]
    assert doc.tables[0].rows == [[Cell("序号"), Cell("任务")], [Cell("1"), Cell("公开目录")]]
    assert doc.blocks[1].text == "外层说明文字"
