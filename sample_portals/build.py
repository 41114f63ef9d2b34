"""Build the three sample portals (static pages + attachments + manifest.json).

``python -m sample_portals.build OUTDIR``. The sites replicate the page families of
scjgj.sh.gov.cn (``shsamr``), pudong.gov.cn (``pudong``) and jiading.gov.cn (``jiading``).
Inputs are the seed texts (prose) and the reviewed table sources in ``source/``. The
output is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Callable, Optional

from sample_portals import documents as D

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"
PAGE_SIZE = 8

SITE_HOSTS: dict[str, str] = {"shsamr": "127.0.0.11", "pudong": "127.0.0.12", "jiading": "127.0.0.13"}
OFF_HOST_A = "http://127.0.0.99/zwgk/index.html"
OFF_HOST_GOV = "https://www.gov.cn/zhengce/"


@dataclass
class Attachment:
    label: str              # link text, e.g. "2023年…任务分解表.docx"
    path: str               # URL path on the site
    data: bytes
    content_type: str


@dataclass
class Notice:
    title: str
    day: date
    meta: dict[str, str]            # 索引号, 文件编号, 发布机构, 公开类别 (发布时间 added from day)
    body_html: str
    attachments: list[Attachment] = field(default_factory=list)
    slug: str = ""
    encoding: str = "utf-8"         # bytes of the detail page
    header_charset: Optional[str] = "utf-8"   # charset in Content-Type (None = none)
    meta_charset: Optional[str] = "utf-8"     # charset in <meta> (None = none)
    path: str = ""                  # set by the site (URL path of the detail page)
    href: Optional[str] = None      # list link target when the item lives elsewhere (no detail page)


@dataclass
class FileEntry:
    data: bytes
    content_type: str
    charset: Optional[str]
    last_modified: str              # RFC 1123
    encoding: Optional[str] = None  # actual byte encoding of text (documentation only)


@dataclass
class Site:
    name: str
    family: str                     # platform in config/platforms.yml whose shape the site serves
    host: str
    list_dir: str                   # e.g. "/1073/" (shsamr), "/zwgk/zxxxgk/" (pudong), "/publicity/zfxxgk/tzgg" (jiading)
    notices: list[Notice]
    robots_disallow: str
    list_page_encodings: dict[int, tuple[str, Optional[str], Optional[str]]] = field(default_factory=dict)
    channel: str = ""               # pudong: the list API's channel id

    def list_path(self, page: int) -> str:
        """URL path of list page ``page`` (1-based), in the platform's pagination rule:
        shsamr ``index.html``, ``index_2.html``; jiading ``tzgg``, ``tzgg_2`` (extensionless);
        pudong has one list API (``API_PATH``), its HTML column page is a script shell."""
        if self.family == "jiading":
            return self.list_dir if page == 1 else f"{self.list_dir}_{page}"
        return f"{self.list_dir}index.html" if page == 1 else f"{self.list_dir}index_{page}.html"

    def is_list_path(self, path: str) -> bool:
        """True for the files a new notice changes besides its own (list pages, the API's item file)."""
        if self.family == "pudong":
            return path == api_items_path(self.channel)
        if self.family == "jiading":
            return path == self.list_dir or path.startswith(self.list_dir + "_")
        return path.startswith(self.list_dir) and path.rsplit("/", 1)[-1].startswith("index")

    def entry_url_path(self) -> str:
        """Where a crawler starts: the first list page, or the list API for pudong."""
        return API_PATH if self.family == "pudong" else self.list_path(1)


# Pudong's list API (RSSHub lib/routes/gov/pudong/zwgk.ts). The server answers POSTs to it from
# the per-channel item file, newest first, sliced by pageNo/pageSize.
API_PATH = "/zwgk-search-front/api/data/affair"


def api_items_path(channel: str) -> str:
    """Manifest path of the JSON file holding every API item of ``channel`` (not a crawlable URL)."""
    return f"/__api__/affair/{channel}.json"


def http_date(d: date) -> str:
    """RFC 1123 date at 09:00 Beijing (01:00 UTC) of day ``d``."""
    return format_datetime(datetime(d.year, d.month, d.day, 1, 0, tzinfo=timezone.utc), usegmt=True)


def _hex(text: str) -> str:
    """CMS-like 32-hex file name for ``text`` (notices and attachments on TRS-style sites)."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def cmsres_path(label: str, ext: str) -> str:
    """Hashed attachment path ``/cmsres/<2 hex>/<32 hex>.<ext>``: the real name is the link text."""
    h = _hex(label)
    return f"/cmsres/{h[:2]}/{h}.{ext}"


def _paras(lines: list[str]) -> str:
    """Non-empty text lines as HTML paragraphs."""
    return "\n".join(f"<p>{escape(ln.strip())}</p>" for ln in lines if ln.strip())


def _seed_text(seed: str) -> str:
    """Text of seed ``seed`` (e.g. '001')."""
    return next(SEEDS_DIR.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- page shells

def _head(title: str, meta_charset: Optional[str], n: Optional[Notice] = None, column: str = "") -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={meta_charset}">\n' if meta_charset else ""
    if n is not None:  # sh.gov.cn notice pages carry these <meta name> tags
        meta += (f'<meta name="ArticleTitle" content="{escape(n.title)}">\n'
                 f'<meta name="PubDate" content="{n.day.isoformat()} 09:00">\n'
                 f'<meta name="ColumnName" content="{escape(column)}">\n'
                 f'<meta name="ContentSource" content="{escape(n.meta.get("发布机构", ""))}">\n')
    return f"<!DOCTYPE html>\n<html>\n<head>\n{meta}<title>{escape(title)}</title>\n</head>\n"


def _meta_rows(n: Notice, labels: tuple[str, ...] = ("索引号", "文件编号", "发布机构", "公开类别", "发布时间")
               ) -> list[tuple[str, str]]:
    m = dict(n.meta)
    values = [m.get("索引号", ""), m.get("文件编号", ""), m.get("发布机构", ""), m.get("公开类别", "主动公开"),
              n.day.isoformat()]
    return list(zip(labels, values))


def _attach_links(n: Notice, wrap: str) -> str:
    if not n.attachments:
        return ""
    links = [f'<a href="{escape(a.path)}" title="{escape(a.label)}">{escape(a.label)}</a>' for a in n.attachments]
    if wrap == "ul":
        return ('<div class="fujian"><span>附件：</span><ul>\n'
                + "\n".join(f"<li>{x}</li>" for x in links) + "\n</ul></div>")
    if wrap == "div":
        return '<div class="attach">附件：' + "<br/>".join(links) + "</div>"
    return '<p class="attach">附件：' + "<br/>".join(links) + "</p>"


# shsamr — scjgj.sh.gov.cn (TRS CMS, numeric channel): tr.table_list_tr1|2 rows, link in
# td.overflow a[title], date in the 4th cell, pages index_N.html counted by createPageHTML().

def shsamr_list(site: Site, items: list[Notice], page: int, pages: int, charset: Optional[str]) -> str:
    trs = "\n".join(f'<tr class="table_list_tr{1 + i % 2}"><td>{(page - 1) * PAGE_SIZE + i + 1}</td>'
                    f'<td class="overflow"><a href="{escape(n.href or n.path)}" title="{escape(n.title)}" '
                    f'target="_blank">{escape(n.title)}</a></td><td>{escape(n.meta.get("发布机构", ""))}</td>'
                    f'<td>{n.day.isoformat()}</td></tr>' for i, n in enumerate(items))
    return (_head("规划计划 - 上海市市场监督管理局", charset)
            + '<body>\n<div class="header"><a href="/">上海市市场监督管理局</a> '
            f'<a href="{OFF_HOST_GOV}">中国政府网</a> <a href="https://www.shanghai.gov.cn/">上海市人民政府</a></div>\n'
            '<div class="main"><div class="crumb">首页 &gt; 政务公开 &gt; 规划计划</div>\n'
            '<table class="table_list" width="100%">\n<tr class="table_list_th"><th>序号</th><th>标题</th>'
            f'<th>发布机构</th><th>发布日期</th></tr>\n{trs}\n</table>\n'
            f'<div class="page" id="pagenav"><script>createPageHTML({pages}, {page - 1}, "index", "html");</script></div>\n'
            f'</div>\n<div class="footer"><a href="{OFF_HOST_A}">网站地图</a> 主办：上海市市场监督管理局</div>\n'
            '</body>\n</html>\n')


def shsamr_detail(site: Site, n: Notice) -> str:
    cells = "".join(f"<tr><td class=\"t1\">{escape(k)}：</td><td>{escape(v)}</td></tr>" for k, v in _meta_rows(n))
    return (_head(n.title, n.meta_charset, n, "规划计划")
            + '<body>\n<div class="header"><a href="/">上海市市场监督管理局</a></div>\n'
            f'<div class="main">\n<table class="xxgk_table">{cells}</table>\n'
            f'<div class="Article_title"><h2 id="ivs_title">{escape(n.title)}</h2></div>\n'
            f'<div class="Article_content" id="ivs_content">\n{n.body_html}\n</div>\n'
            f'{_attach_links(n, "div")}\n</div>\n'
            f'<div class="footer"><a href="{OFF_HOST_GOV}">中国政府网</a></div>\n</body>\n</html>\n')


# pudong — www.pudong.gov.cn zwgk-search-front: the column page is a script shell, the list is
# the JSON API; notices /zwgk/<column>/<yyyy>/<n>/<id>.html with #ivs_content and a label/value table.

def pudong_shell(site: Site) -> str:
    """The column page as served without scripts: an empty list the API fills in the browser."""
    return (_head("信息公开_政务公开-上海市浦东新区门户网站", "utf-8")
            + '<body>\n<header class="top"><a href="/">浦东新区人民政府</a></header>\n'
            '<section class="list-wrap"><ul id="list" class="news-list"></ul><div id="page"></div></section>\n'
            f'<script>var channelList = ["{site.channel}"]; fetch("{API_PATH}", {{method: "POST", '
            'headers: {"Content-Type": "application/json"}, body: JSON.stringify({channelList: channelList, '
            'pageNo: 1, pageSize: 20})}).then(r => r.json()).then(j => { var ul = document.getElementById("list");'
            ' j.data.list.forEach(function (x) { var li = document.createElement("li"); var a = '
            'document.createElement("a"); a.href = x.url; a.textContent = x.title; li.appendChild(a); '
            'ul.appendChild(li); }); });</script>\n</body>\n</html>\n')


def pudong_api_items(site: Site, base: str = "") -> str:
    """Every API item of the site's channel, newest first (url absolute when ``base`` is given)."""
    items = []
    for n in site.notices:
        ms = int(datetime(n.day.year, n.day.month, n.day.day, 1, 0, tzinfo=timezone.utc).timestamp() * 1000)
        items.append({"title": n.title, "url": n.href or base + n.path, "display_date": ms,
                      "attaches": [{"url": a.path, "name": a.label} for a in n.attachments]})
    return json.dumps(items, ensure_ascii=False, indent=0)


def pudong_detail(site: Site, n: Notice) -> str:
    rows = _meta_rows(n)
    trs = "".join(f"<tr><th>{escape(rows[i][0])}：</th><td>{escape(rows[i][1])}</td>"
                  + (f"<th>{escape(rows[i + 1][0])}：</th><td>{escape(rows[i + 1][1])}</td>" if i + 1 < len(rows) else "")
                  + "</tr>" for i in range(0, len(rows), 2))
    return (_head(n.title, n.meta_charset, n, "政府信息公开")
            + '<body>\n<header class="top"><a href="/">浦东新区人民政府</a></header>\n'
            f'<div class="article">\n<table class="xxgk-info">{trs}</table>\n'
            f'<h1 class="article-title">{escape(n.title)}</h1>\n'
            f'<div class="article-content" id="ivs_content">\n{n.body_html}\n</div>\n'
            f'{_attach_links(n, "ul")}\n</div>\n'
            f'<footer><a href="{OFF_HOST_GOV}">中国政府网</a></footer>\n</body>\n</html>\n')


# jiading — www.jiading.gov.cn /publicity/…: extensionless paths, pages tzgg, tzgg_2 … computed by
# a script (createPage), letter-spaced labels (索 引 号, 文 号) and 发文日期.

JIADING_LABELS = ("索 引 号", "文 号", "发布机构", "公开类别", "发文日期")


def jiading_list(site: Site, items: list[Notice], page: int, pages: int, charset: Optional[str]) -> str:
    lis = "\n".join(f'<li><a href="{escape(n.href or n.path)}" title="{escape(n.title)}">{escape(n.title)}</a>'
                    f'<span class="date">{n.day.isoformat()}</span></li>' for n in items)
    stem = site.list_dir.rsplit("/", 1)[-1]
    return (_head("通知公告 - 嘉定区人民政府", charset)
            + f'<body>\n<div id="top"><a href="/">上海嘉定</a> <a href="{OFF_HOST_GOV}">中国政府网</a></div>\n'
            '<div id="content"><div class="position">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>\n'
            f'<ul class="publicity-list">\n{lis}\n</ul>\n'
            f'<div id="pagebar"></div><script>createPage({pages}, {page}, "{stem}");</script>\n</div>\n'
            f'<div id="foot"><a href="{OFF_HOST_A}">联系我们</a></div>\n</body>\n</html>\n')


def jiading_detail(site: Site, n: Notice) -> str:
    rows = _meta_rows(n, JIADING_LABELS)
    trs = "".join(f"<tr><th>{escape(rows[i][0])}</th><td>{escape(rows[i][1])}</td>"
                  + (f"<th>{escape(rows[i + 1][0])}</th><td>{escape(rows[i + 1][1])}</td>" if i + 1 < len(rows) else "")
                  + "</tr>" for i in range(0, len(rows), 2))
    return (_head(n.title, n.meta_charset)
            + '<body>\n<div id="top"><a href="/">上海嘉定</a></div>\n'
            f'<div id="content">\n<table class="info-table">{trs}</table>\n'
            f'<div class="detail-title">{escape(n.title)}</div>\n'
            f'<div class="detail-content TRS_Editor">\n{n.body_html}\n</div>\n'
            f'{_attach_links(n, "p")}\n</div>\n</body>\n</html>\n')


RENDERERS: dict[str, tuple[Optional[Callable[..., str]], Callable[[Site, Notice], str]]] = {
    "shsamr": (shsamr_list, shsamr_detail),
    "pudong": (None, pudong_detail),
    "jiading": (jiading_list, jiading_detail),
}


# --------------------------------------------------------------------------- content

def _generic(org: str, prefix: str, items: list[tuple[str, str, str]], category: str = "主动公开") -> list[Notice]:
    """Unrelated notices from (date, title, one-paragraph body)."""
    out = []
    for i, (d, title, body) in enumerate(items):
        out.append(Notice(title=title, day=date.fromisoformat(d),
                          meta={"索引号": f"{prefix}-{d[:4]}-{i + 7:03d}", "文件编号": "", "发布机构": org,
                                "公开类别": category},
                          body_html=_paras([body])))
    return out


def shsamr_site() -> Site:
    """scjgj.sh.gov.cn replica: the 2019 plan (GB2312) and the 2023 notice (UTF-8)."""
    org = "上海市市场监督管理局"
    lines = [ln for ln in _seed_text("001").splitlines() if ln.strip() and ln.strip() != "|"]
    p2019 = Notice(title="2019年上海市市场监督管理局政务公开工作要点", day=date(2019, 5, 14),
                   meta={"索引号": "SHSAMR-2019-00231", "文件编号": "", "发布机构": org, "公开类别": "主动公开"},
                   body_html=_paras(lines), encoding="gbk", header_charset=None, meta_charset="gb2312")
    lines = _seed_text("002").splitlines()
    p2023 = Notice(title="上海市市场监督管理局关于印发《2023年上海市市场监督管理局政务公开工作要点》的通知",
                   day=date(2023, 4, 24),
                   meta={"索引号": "SHSAMR-2023-01158", "文件编号": "沪市监办发〔2023〕191号", "发布机构": org,
                         "公开类别": "主动公开"},
                   body_html=_paras(lines))
    others = _generic(org, "SHSAMR", [
        ("2024-03-28", "上海市市场监督管理局2023年政府信息公开工作年度报告", "本报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况、主动公开政府信息情况等内容。"),
        ("2024-01-19", "上海市市场监督管理局2024年度法治政府建设工作计划", "为深入推进依法行政，全面建设法治政府，制定本工作计划。"),
        ("2023-11-02", "上海市市场监督管理局关于开展2023年度产品质量监督抽查的通告", "根据年度监督抽查计划，市局组织开展电线电缆、儿童用品等产品质量监督抽查。"),
        ("2023-08-15", "上海市市场监督管理局关于印发《上海市市场监管领域轻微违法行为依法不予行政处罚清单》的通知", "各区市场监管局：现将清单印发给你们，请遵照执行。"),
        ("2023-06-30", "上海市市场监督管理局2023年上半年电梯安全状况通报", "截至2023年6月底，全市在用电梯数量保持增长，总体安全形势平稳。"),
        ("2023-03-31", "上海市市场监督管理局2022年政府信息公开工作年度报告", "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等部分组成。"),
        ("2023-02-20", "上海市市场监督管理局2023年“双随机、一公开”抽查工作计划", "为规范事中事后监管，制定本年度抽查工作计划。"),
        ("2022-12-09", "关于公布2022年上海市地方标准制修订项目计划的通知", "经审查，现将2022年上海市地方标准制修订项目计划予以公布。"),
        ("2022-03-30", "上海市市场监督管理局2021年政府信息公开工作年度报告", "本报告根据条例要求编制。"),
        ("2021-03-31", "上海市市场监督管理局2020年政府信息公开工作年度报告", "本报告根据条例要求编制。"),
        ("2020-04-10", "上海市市场监督管理局关于2019年度政务公开工作情况的报告", "2019年，市局认真贯彻落实政务公开各项工作要求，现将有关情况报告如下。"),
        ("2019-03-29", "上海市市场监督管理局2018年政府信息公开工作年度报告", "本报告根据条例要求编制。"),
    ])
    preview = Notice(title="（内部预览）2024年上海市市场监督管理局政务公开工作要点", day=date(2024, 4, 2),
                     meta={"索引号": "", "文件编号": "", "发布机构": org, "公开类别": "内部"},
                     body_html=_paras(["预览页面，请勿抓取。"]), path="/cms/preview/2024gkyd.html")
    offsite = Notice(title="国务院办公厅关于印发2023年政务公开工作要点的通知", day=date(2023, 4, 12),
                     meta={}, body_html="", href="https://www.gov.cn/zhengce/content/2023-04/12/content_5751079.htm")
    site = Site("shsamr", "shsamr", SITE_HOSTS["shsamr"], "/1073/",
                [p2023, p2019, preview, offsite] + others, "/cms/preview/")
    # The second list page is an old template: GBK bytes, no charset anywhere.
    site.list_page_encodings[2] = ("gbk", None, None)
    return site


def pudong_site() -> Site:
    """pudong.gov.cn replica: seed 003 (prose + docx/pdf table) and seed 000 (xlsx/docx)."""
    gov = "浦东新区人民政府办公室"
    text = _seed_text("003").splitlines()
    cut = next(i for i, ln in enumerate(text) if ln.startswith("附件：2023"))
    tail = next(i for i, ln in enumerate(text) if ln.startswith("抄送："))
    body = _paras(text[:cut + 1] + text[tail:])
    t003 = D.load_table("003")
    when = datetime(2023, 4, 26, 9, 0)
    docx003 = D.table_docx(t003, author=gov, when=when)
    pdf003 = D.table_pdf(t003, author=gov)
    n003 = Notice(title="浦东新区人民政府办公室关于印发《2023年浦东新区政务公开工作要点》的通知",
                  day=date(2023, 4, 26),
                  meta={"索引号": "PD00201-2023-00118", "文件编号": "浦府办〔2023〕18号", "发布机构": gov,
                        "公开类别": "主动公开"},
                  body_html=body, attachments=[
                      Attachment(f"{t003.title}.docx", cmsres_path(f"{t003.title}.docx", "docx"), docx003, DOCX),
                      Attachment(f"{t003.title}.pdf", cmsres_path(f"{t003.title}.pdf", "pdf"), pdf003, PDF)])
    msa = "浦东新区市场监督管理局"
    t000 = D.load_table("000")
    when0 = datetime(2023, 5, 12, 9, 0)
    n000 = Notice(title="浦东新区市场监督管理局关于印发《2023年上海市浦东新区市场监督管理局政务公开工作要点任务分解表》的通知",
                  day=date(2023, 5, 12),
                  meta={"索引号": "PD11203-2023-00041", "文件编号": "", "发布机构": msa, "公开类别": "主动公开"},
                  body_html=_paras(["各处室、各派出机构、各直属单位：",
                                    f"现将《{t000.title}》印发给你们，请结合工作实际，认真抓好落实。",
                                    f"附件：{t000.title}"]),
                  attachments=[
                      Attachment(f"{t000.title}.xlsx", cmsres_path(f"{t000.title}.xlsx", "xlsx"),
                                 D.table_xlsx(t000, author=msa, when=when0), XLSX),
                      Attachment(f"{t000.title}.docx", cmsres_path(f"{t000.title}.docx", "docx"),
                                 D.table_docx(t000, author=msa, when=when0), DOCX)])
    others = _generic("浦东新区人民政府", "PD00201", [
        ("2024-03-29", "浦东新区人民政府2023年政府信息公开工作年度报告", "本年度报告依据《中华人民共和国政府信息公开条例》编制。"),
        ("2024-02-05", "浦东新区关于做好2024年春节期间安全生产工作的通知", "各单位要切实做好节日期间安全生产各项工作。"),
        ("2023-12-18", "浦东新区人民政府关于印发《浦东新区促进绿色低碳产业发展若干措施》的通知", "现将若干措施印发给你们，请认真按照执行。"),
        ("2023-11-21", "浦东新区2023年第三季度政府网站和政务新媒体检查情况通报", "根据国务院办公厅关于政府网站和政务新媒体检查要求，现将情况通报如下。"),
        ("2023-10-09", "关于公布浦东新区行政规范性文件清理结果的通知", "经清理，现将继续有效、废止和失效的行政规范性文件目录予以公布。"),
        ("2023-09-01", "浦东新区“政府开放月”活动安排公告", "8月至9月，区各部门将集中开展政府开放活动，欢迎市民报名参加。"),
        ("2023-07-14", "浦东新区关于2022年度区级预算执行和其他财政收支的审计工作报告", "区审计局依法审计了2022年度区级预算执行情况。"),
        ("2023-06-20", "浦东新区人民政府关于调整本区最低生活保障标准的通知", "经区政府同意，现就调整本区最低生活保障标准有关事项通知如下。"),
        ("2023-05-25", "浦东新区重大行政决策事项目录（2023年度）", "根据《浦东新区重大行政决策事项信息公开工作指引》，现公布2023年度目录。"),
        ("2023-03-30", "浦东新区人民政府2022年政府信息公开工作年度报告", "本年度报告依据条例编制。"),
        ("2023-02-10", "浦东新区2023年区政府实事项目", "经区人民代表大会审议，确定2023年区政府实事项目如下。"),
        ("2022-12-28", "浦东新区人民政府关于印发《浦东新区加快推进数字化转型实施方案》的通知", "现将实施方案印发给你们，请认真按照执行。"),
    ])
    draft = Notice(title="2024年浦东新区政务公开工作要点（内部审核稿）", day=date(2024, 3, 1),
                   meta={"索引号": "", "文件编号": "", "发布机构": gov, "公开类别": "内部"},
                   body_html=_paras(["审核稿，未公开。"]), path="/zwgk/draft/2024gkyd.html")
    offsite = Notice(title="上海市人民政府办公厅关于印发《2023年上海市政务公开工作要点》的通知",
                     day=date(2023, 4, 10), meta={}, body_html="",
                     href="http://127.0.0.99/nw12344/20230410/2023gkyd.html")
    return Site("pudong", "pudong", SITE_HOSTS["pudong"], "/zwgk/zxxxgk/",
                [n003, n000, draft, offsite] + others, "/zwgk/draft/", channel="5144")


def jiading_site(with_doc: bool = True) -> Site:
    """jiading.gov.cn replica: seed 004 as an inline HTML table plus a Word 97 .doc attachment."""
    org = "嘉定区人民政府"
    t004 = D.load_table("004")
    when = datetime(2023, 5, 10, 9, 0)
    docx004 = D.table_docx(t004, author=org, when=when)
    doc004 = D.docx_to_doc(docx004) if with_doc else None
    att = (Attachment(f"{t004.title}.doc", cmsres_path(f"{t004.title}.doc", "doc"), doc004, DOC) if doc004
           else Attachment(f"{t004.title}.docx", cmsres_path(f"{t004.title}.docx", "docx"), docx004, DOCX))
    body = _paras(["各街道办事处、镇人民政府，区政府各委、办、局：",
                   f"现将《{t004.title}》印发给你们，请结合实际，认真贯彻落实。",
                   "附件", t004.title]) + "\n" + D.table_html(t004)
    n004 = Notice(title="嘉定区人民政府办公室关于印发《2023年上海市嘉定区政务公开工作要点任务分解表》的通知",
                  day=date(2023, 5, 10),
                  meta={"索引号": "JD0001-2023-00087", "文件编号": "", "发布机构": org, "公开类别": "主动公开"},
                  body_html=body, attachments=[att])
    others = _generic(org, "JD0001", [
        ("2024-04-18", "嘉定区2024年政府信息主动公开基本目录更新公告", "根据工作需要，现将更新后的区政府信息主动公开基本目录予以公布。"),
        ("2024-03-27", "嘉定区人民政府2023年政府信息公开工作年度报告", "本报告根据《中华人民共和国政府信息公开条例》编制。"),
        ("2024-01-08", "嘉定区关于开展2024年度区政府实事项目征集的公告", "现面向社会公开征集2024年度区政府实事项目建议。"),
        ("2023-12-12", "嘉定区人民政府关于印发《嘉定区推进新城建设三年行动计划》的通知", "现将行动计划印发给你们，请认真组织实施。"),
        ("2023-10-26", "嘉定区2023年秋季义务教育阶段学校招生工作总结", "今年秋季招生工作平稳有序。"),
        ("2023-09-15", "关于嘉定区2023年第二批规划资源项目批前公示的公告", "根据相关规定，现将项目规划方案予以公示。"),
        ("2023-08-03", "嘉定区人民政府关于调整区政府领导工作分工的通知", "根据工作需要，现将区政府领导工作分工调整如下。"),
        ("2023-06-21", "嘉定区防汛防台应急预案（2023年修订）", "为做好防汛防台工作，最大限度减少灾害损失，修订本预案。"),
        ("2023-04-20", "嘉定区2023年区政府实事项目公布", "经区人大审议通过，现公布2023年区政府实事项目。"),
        ("2023-03-30", "嘉定区人民政府2022年政府信息公开工作年度报告", "本报告根据条例编制。"),
        ("2023-02-16", "嘉定区关于印发《2023年嘉定区优化营商环境工作要点》的通知", "现将工作要点印发给你们，请认真贯彻执行。"),
        ("2022-11-30", "嘉定区行政规范性文件目录（截至2022年11月）", "现将本区现行有效的行政规范性文件目录予以公布。"),
        ("2022-09-09", "嘉定区关于做好2022年秋冬季疫情防控工作的通知", "各单位要切实做好秋冬季疫情防控各项工作。"),
    ])
    hidden = Notice(title="2023年嘉定区政务公开工作要点任务分解表（修改稿）", day=date(2023, 5, 5),
                    meta={"索引号": "", "文件编号": "", "发布机构": org, "公开类别": "内部"},
                    body_html=_paras(["修改稿。"]), path="/admin/preview/2023rwfjb.html")
    offsite = Notice(title="中国政府网：2023年政务公开工作要点政策解读", day=date(2023, 4, 13), meta={},
                     body_html="", href="https://www.gov.cn/zhengce/2023-04/13/content_5751266.htm")
    return Site("jiading", "jiading", SITE_HOSTS["jiading"], "/publicity/zfxxgk/tzgg",
                [n004, hidden, offsite] + others, "/admin/")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
DOC = "application/msword"


def build_sites(with_doc: bool = True) -> dict[str, Site]:
    """All three site models, notices sorted newest first, paths assigned."""
    sites = {"shsamr": shsamr_site(), "pudong": pudong_site(), "jiading": jiading_site(with_doc)}
    for s in sites.values():
        prepare_site(s)
    return sites


def prepare_site(site: Site) -> None:
    """Sort notices newest first and give each detail page a stable path in the platform's scheme:
    shsamr ``/<channel>/<yyyymmdd>/<32 hex>.html``, pudong ``/zwgk/<column>/<yyyy>/<day of year>/<id>.html``,
    jiading ``/publicity/…/<yyyymmdd>/<32 hex>`` (extensionless)."""
    site.notices.sort(key=lambda n: (n.day, n.title), reverse=True)
    for n in site.notices:
        if not n.path and not n.href:
            n.slug = n.slug or _hex(n.title)
            if site.family == "pudong":
                n.path = f"{site.list_dir}{n.day:%Y}/{n.day.timetuple().tm_yday}/{n.slug[:20]}.html"
            elif site.family == "jiading":
                n.path = f"{site.list_dir}/{n.day:%Y%m%d}/{n.slug}"
            else:
                n.path = f"{site.list_dir}{n.day:%Y%m%d}/{n.slug}.html"


def _text_entry(text: str, d: date, encoding: str, header_charset: Optional[str]) -> FileEntry:
    return FileEntry(text.encode(encoding), "text/html", header_charset, http_date(d), encoding)


def render_site(site: Site) -> dict[str, FileEntry]:
    """Every file of ``site`` as URL path → FileEntry (pudong: the API's item file instead of list pages)."""
    render_list, render_detail = RENDERERS[site.family]
    files: dict[str, FileEntry] = {}
    pages = max(1, -(-len(site.notices) // PAGE_SIZE))
    newest = max(n.day for n in site.notices)
    if render_list is None:
        files[site.list_path(1)] = _text_entry(pudong_shell(site), newest, "utf-8", "utf-8")
        files[api_items_path(site.channel)] = FileEntry(pudong_api_items(site).encode("utf-8"), "application/json",
                                                        "utf-8", http_date(newest), "utf-8")
    for p in range(1, pages + 1) if render_list is not None else ():
        items = site.notices[(p - 1) * PAGE_SIZE:p * PAGE_SIZE]
        enc, hdr, meta = site.list_page_encodings.get(p, ("utf-8", "utf-8", "utf-8"))
        html = render_list(site, items, p, pages, meta)
        files[site.list_path(p)] = _text_entry(html, max(n.day for n in items), enc, hdr)
    for n in site.notices:
        if n.href:
            continue
        files[n.path] = _text_entry(render_detail(site, n), n.day, n.encoding, n.header_charset)
        for a in n.attachments:
            files[a.path] = FileEntry(a.data, a.content_type, None, http_date(n.day))
    files["/robots.txt"] = FileEntry(f"User-agent: *\nDisallow: {site.robots_disallow}\n".encode("ascii"),
                                     "text/plain", "utf-8", http_date(newest), "ascii")
    files["/"] = FileEntry(f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{site.name}</title></head>'
                           f'<body><a href="{site.list_path(1)}">政府信息公开</a></body></html>\n'.encode(),
                           "text/html", "utf-8", http_date(newest), "utf-8")
    return files


def manifest_entry(site: str, path: str, f: FileEntry) -> dict:
    """Manifest row for one file (an extensionless path is stored as ``<path>/index.html``, so a
    list page ``/publicity/x/tzgg`` and a notice ``/publicity/x/tzgg/…`` can both exist on disk)."""
    name = "index.html" if path == "/" else path.lstrip("/")
    if path != "/" and "." not in name.rsplit("/", 1)[-1]:
        name += "/index.html"
    return {"file": f"{site}/{name}", "content_type": f.content_type, "charset": f.charset,
            "last_modified": f.last_modified, "encoding": f.encoding,
            "sha256": hashlib.sha256(f.data).hexdigest(), "size": len(f.data)}


def build(outdir: Path, with_doc: bool = True) -> dict:
    """Write all sites under ``outdir`` and return the manifest (also written as manifest.json)."""
    outdir.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"version": 1, "sites": {}}
    for name, site in build_sites(with_doc).items():
        files = render_site(site)
        entries = {}
        for path in sorted(files):
            entry = manifest_entry(name, path, files[path])
            target = outdir / entry["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[path].data)
            entries[path] = entry
        manifest["sites"][name] = {"host": site.host, "family": site.family,
                                   "list_url_path": site.entry_url_path(), "robots_disallow": site.robots_disallow,
                                   "channel": site.channel,
                                   "files": entries}
    (outdir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
    return manifest


def main(argv: Optional[list[str]] = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--no-doc", action="store_true", help="skip LibreOffice; jiading serves .docx instead of .doc")
    args = ap.parse_args(argv)
    if not args.no_doc and not D.soffice_path():
        print("warning: LibreOffice not found; jiading attachment falls back to .docx", file=sys.stderr)
    m = build(args.outdir, with_doc=not args.no_doc)
    n = sum(len(s["files"]) for s in m["sites"].values())
    print(f"built {n} files for {len(m['sites'])} sites in {args.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
