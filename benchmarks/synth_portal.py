"""A synthetic portal of N notices in the scjgj (platform ``shsamr``) page shape, for crawl benchmarks.

Same templates and URL layout as ``sample_portals.build`` (``shsamr_list`` /
``shsamr_detail``, HTML list pages ``index.html``, ``index_2.html`` … counted by
``createPageHTML``; served under the site name ``pudong`` on 127.0.0.12), ``page_size``
items per list page, and every ``match_every``-th notice a work-plan title
(matching the portal keywords) with one small .docx attachment (the seed 000
task table, 33 rows, ~40 KB). Written as a build dir with a ``manifest.json``, so
``sample_portals.server`` serves it unchanged (ETag/Last-Modified/304).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

HOST = "127.0.0.12"
LIST_DIR = "/1073/"
TOPICS = ("做好春节期间安全生产工作", "调整本区最低生活保障标准", "开展政府开放月活动", "公布行政规范性文件清理结果",
          "推进绿色低碳产业发展", "加快推进数字化转型", "做好防汛防台工作", "公布区政府实事项目",
          "开展产品质量监督抽查", "优化营商环境若干措施")


@dataclass
class SynthInfo:
    notices: int
    matching: int
    list_pages: int
    files: int
    list_url_path: str
    bytes: int


def build_synthetic(outdir: Path, n: int, *, page_size: int = 20, match_every: int = 100) -> SynthInfo:
    """Write the synthetic site under ``outdir`` (site name ``pudong``, host 127.0.0.12)."""
    from sample_portals import build as B
    from sample_portals import documents as D

    org = "浦东新区人民政府"
    t000 = D.load_table("000")
    docx = D.table_docx(t000, author="浦东新区市场监督管理局", when=datetime(2023, 5, 12, 9, 0))
    start = date(2024, 6, 30)
    notices = []
    matching = 0
    for i in range(n):
        day = start - timedelta(days=i // 10)
        if i % match_every == 0:
            matching += 1
            title = f"浦东新区第{i}号单位关于印发《{day.year}年政务公开工作要点任务分解表》的通知"
            att = [B.Attachment(f"{day.year}年政务公开工作要点任务分解表.docx",
                                f"{LIST_DIR}att/{i:06d}.docx", docx, B.DOCX)]
            body = B._paras([  # noqa: SLF001 - the replica builder's paragraph helper
                "各单位：", f"现将《{day.year}年政务公开工作要点任务分解表》印发给你们，请认真抓好落实。",
                f"附件：{day.year}年政务公开工作要点任务分解表"])
        else:
            title = f"浦东新区关于{TOPICS[i % len(TOPICS)]}的通知（{day.year}第{i}号）"
            att = []
            body = B._paras([  # noqa: SLF001 - the replica builder's paragraph helper
                f"各单位：现就{TOPICS[i % len(TOPICS)]}有关事项通知如下。", "特此通知。"])
        notices.append(B.Notice(title=title, day=day,
                                meta={"索引号": f"PD00201-{day.year}-{i:05d}", "文件编号": "", "发布机构": org,
                                      "公开类别": "主动公开"},
                                body_html=body, attachments=att, slug=f"{i:09d}"))
    site = B.Site("pudong", "shsamr", HOST, LIST_DIR, notices, "/zwgk/draft/")
    old = B.PAGE_SIZE
    B.PAGE_SIZE = page_size  # render_site reads the module constant
    try:
        B.prepare_site(site)
        files = B.render_site(site)
    finally:
        B.PAGE_SIZE = old
    entries, size = {}, 0
    for path in sorted(files):
        entry = B.manifest_entry("pudong", path, files[path])
        target = outdir / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[path].data)
        size += len(files[path].data)
        entries[path] = entry
    manifest = {"version": 1, "sites": {"pudong": {"host": HOST, "family": "shsamr",
                                                   "list_url_path": site.list_path(1),
                                                   "robots_disallow": site.robots_disallow, "files": entries}}}
    (outdir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    pages = -(-n // page_size)
    return SynthInfo(n, matching, pages, len(files), site.list_path(1), size)
