"""Document-level fields: title, jurisdiction, level, issuer, year, 文号, issued_on.

Read from the document's own text (red-head ``X文件`` line, ``X关于印发`` line,
the plan title, the 文号 line, the date line under the signature) and from
``Document.meta`` (文件编号, 发布机构, title) when the text is silent. A portal's
publish date is not an issue date and is never used for ``issued_on``.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Optional, Sequence

from extract.parse.model import Document
from extract.tasks.normalize import cn_number, squash

CITY = "上海市"
DISTRICTS = (
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
    "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
)
# Common short forms of organ names → the full names used for the issuer.
_ORGAN_ALIASES = (
    ("市场监管局", "市场监督管理局"),
    ("规划资源局", "规划和自然资源局"),
    ("人社局", "人力资源和社会保障局"),
    ("发改委", "发展和改革委员会"),
    ("发展改革委", "发展和改革委员会"),
    ("卫健委", "卫生健康委员会"),
    ("卫生健康委", "卫生健康委员会"),
    ("住建委", "住房和城乡建设管理委员会"),
    ("经信委", "经济和信息化委员会"),
    ("区府办", "区人民政府办公室"),
    ("市府办", "市人民政府办公厅"),
)
_DISTRICT_RE = re.compile("|".join(DISTRICTS))
_SHORT_DISTRICT = {d[:-1] if d.endswith("区") and d != "浦东新区" else d: d for d in DISTRICTS}
_SHORT_DISTRICT["浦东"] = "浦东新区"
# A district followed by one of its towns or streets: "金山区朱泾镇人民政府", "杨浦区殷行街道".
_TOWN_TITLE_RE = re.compile(r"[\u4e00-\u9fa5](?:镇|街道|乡)(?:人民政府|办事处)?(?:(?:19|20)\d{2}年|政务公开)")
_DISTRICT_TOWN_RE = re.compile(f"({_DISTRICT_RE.pattern})([\u4e00-\u9fa5]{{1,6}}?(?:镇|街道|乡))")

_DOCNUM_RE = re.compile(
    r"([\u4e00-\u9fa5]{1,12})\s*[〔［\[（(【]\s*((?:19|20)\d{2})\s*[〕］\]）)】]\s*(\d{1,4})\s*号"
)
_REDHEAD_RE = re.compile(r"^([\u4e00-\u9fa5（）()]{3,40}?)\s*文件$")
_ISSUE_NOTICE_RE = re.compile(r"^([\u4e00-\u9fa5（）()]{3,40}?)关于(?:印发|转发|下发)")
_DATE_RE = re.compile(
    r"((?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
_PLAN_TITLE_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*度?(.{0,40}?)政务公开(?:工作)?(?:主要|重点)?(?:要点|重点|任务|实施方案|工作方案|方案|计划)")
_ORGAN_IN_TEXT_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*度?[，,]?\s*([\u4e00-\u9fa5]{2,30}?)(?:政务公开|的政务公开)")
_ORGAN_BEFORE_YEAR_RE = re.compile(r"^([\u4e00-\u9fa5（）()]{3,30}?)(?:19|20)\d{2}\s*年\s*度?.{0,12}?政务公开")
_ATTACHMENT_RE = re.compile(r"^附件\s*\d*\s*[:：]?")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_ORGAN_END_RE = re.compile(r"(?:政府|办公室|办公厅|局|委员会|委|厅|中心|办|处|院|署|会|所)$")


def _all_texts(docs: list[Document], texts: Optional[list[str]]) -> list[str]:
    """``texts`` when given (``_texts(docs)`` computed once by ``extract_metadata``), else ``_texts(docs)``."""
    return _texts(docs) if texts is None else texts


def _texts(docs: list[Document], limit: Optional[int] = None) -> list[str]:
    """Paragraph/heading texts of all parts in order (tables skipped), whitespace-squashed."""
    out: list[str] = []
    for doc in docs:
        for b in doc.blocks:
            if limit and len(out) >= limit:
                return out
            if b.kind != "table" and b.text.strip():
                out.append(squash(b.text))
    return out


def find_title(docs: list[Document], title_rows: Sequence[str] = (),
               texts: Optional[list[str]] = None) -> Optional[str]:
    """The plan's title: a line (or two consecutive lines) naming the year's 政务公开 plan, else a
    title row above the task table's header, else the container's title (meta).

    ``texts``: ``_texts(docs)`` when the caller already has it (computed once per extraction)."""
    texts = [_ATTACHMENT_RE.sub("", t) for t in _all_texts(docs, texts)[:80]] + [squash(t) for t in title_rows]
    singles = [(t, "") for t in texts]
    pairs = list(pairwise(texts))
    for first, second in singles + pairs:
        cand = first + second
        if len(cand) <= 60 and _PLAN_TITLE_RE.search(cand) and not re.search(r"[。，；]", cand):
            m = re.search(r"《([^《》]+)》", cand)
            return m.group(1) if m else cand.strip("《》")
    for doc in docs:
        for key in ("title", "标题", "名称"):
            if doc.meta.get(key):
                return squash(doc.meta[key])
    return None


def expand_organ(name: str, jurisdiction: Optional[str] = None, shanghai: bool = True) -> str:
    """Full issuer name: 市X → 上海市X (only when ``shanghai``: the document is from Shanghai),
    区X → <district>X, short forms expanded, 上海市<区> → <区>."""
    name = squash(name).strip("，,：:")
    for short, full in _ORGAN_ALIASES:
        if name.endswith(short) and not name.endswith(full):
            name = name[: -len(short)] + full
            break
    district = _DISTRICT_RE.search(name)
    if district and name.startswith(CITY + district.group(0)):
        name = name[len(CITY):]
    elif name.startswith("市") and not name.startswith("市区") and shanghai:
        name = CITY + name[1:]
    elif name.startswith("区") and jurisdiction and jurisdiction != CITY:
        name = jurisdiction + name[1:]
    else:
        for short, full in _SHORT_DISTRICT.items():
            if name.startswith(short) and not name.startswith(full):
                name = full + name[len(short):]
                break
    if name in DISTRICTS or name == CITY:
        name += "人民政府"
    return name


def _is_organ(name: str) -> bool:
    """Heuristic: the text ends like a government organ or is a jurisdiction."""
    return bool(_ORGAN_END_RE.search(name)) or name in DISTRICTS or name == CITY


def find_issuer(docs: list[Document], title: Optional[str], shanghai: bool = True,
                texts: Optional[list[str]] = None) -> Optional[str]:
    """Issuing organ: red-head ``X文件``, ``X关于印发``, organ named in the title/opening, meta 发布机构, else the jurisdiction's government.

    ``texts``: ``_texts(docs)`` when the caller already has it."""
    texts = _all_texts(docs, texts)[:40]
    for t in texts[:12]:
        m = _REDHEAD_RE.match(t)
        if m and "关于" not in m.group(1) and _is_organ(m.group(1)):
            return expand_organ(m.group(1), shanghai=shanghai)
    for t in texts:
        m = _ISSUE_NOTICE_RE.match(t)
        if m and _is_organ(m.group(1)):
            return expand_organ(m.group(1), shanghai=shanghai)
    if title:  # "上海市交通委员会2024年政务公开工作要点", "X关于印发…的通知"
        m = _ORGAN_BEFORE_YEAR_RE.match(squash(title)) or _ISSUE_NOTICE_RE.match(squash(title))
        if m and _is_organ(m.group(1)):
            return expand_organ(m.group(1), shanghai=shanghai)
    candidates = [(title, _PLAN_TITLE_RE.search(title))] if title else []
    candidates += [(t, _ORGAN_IN_TEXT_RE.match(t)) for t in texts[:5]]
    bare_jurisdiction: Optional[str] = None  # "2023年嘉定区政务公开工作要点": no organ named
    for _text, m in candidates:
        if not m:
            continue
        organ = re.sub(r"^(?:度|本年度)", "", m.group(2).strip("，,"))
        if not organ:
            continue
        expanded = expand_organ(organ, shanghai=shanghai)
        if expanded.endswith("人民政府") and (organ in DISTRICTS or organ.startswith(CITY) or organ in _SHORT_DISTRICT):
            bare_jurisdiction = bare_jurisdiction or expanded
        elif _is_organ(organ):
            return expanded
    for doc in docs:
        for key in ("发布机构", "发文机构", "发文机关", "发文单位", "issuer"):
            if doc.meta.get(key):
                return expand_organ(doc.meta[key], shanghai=shanghai)
    return bare_jurisdiction


def mentions_shanghai(docs: list[Document], title_rows: Sequence[str] = (),
                      texts: Optional[list[str]] = None) -> bool:
    """True when the document says it is from Shanghai: 上海 or a 沪 文号 in its opening text or
    container metadata, or a Shanghai district named in the title/issuer lines.

    ``texts``: ``_texts(docs)`` when the caller already has it."""
    texts = _all_texts(docs, texts)[:60] + [squash(t) for t in title_rows]
    texts += [squash(v) for d in docs for k, v in d.meta.items() if k in ("发布机构", "发文机关", "发文机构", "title", "文件编号", "发文字号", "文号")]
    return any("上海" in t or t.startswith("沪") or "沪府" in t or _DISTRICT_RE.search(t) for t in texts)


def find_jurisdiction(issuer: Optional[str], title: Optional[str], docs: list[Document],
                      shanghai: bool = True, texts: Optional[list[str]] = None) -> Optional[str]:
    """A district named by the issuer or title, else for a town's or street's plan (its title names
    ``X镇``/``X街道`` right before the year or 政务公开) the district written right before that town
    (``上海市金山区朱泾镇人民政府``) or the only district its text names (a town's plan has its district
    as jurisdiction, tests/fixtures/cases/README.md), else 上海市 when the document is from
    Shanghai, else None: a document from elsewhere gets no invented jurisdiction (shared/cases/README.md).

    ``texts``: ``_texts(docs)`` when the caller already has it."""
    for text in (issuer, title):
        if text:
            m = _DISTRICT_RE.search(text)
            if m:
                return m.group(0)
    for text in (issuer, title):
        if text:
            for short, full in _SHORT_DISTRICT.items():
                if text.startswith(short):
                    return full
            if text.startswith("上海市") or (shanghai and text.startswith("市")):
                return CITY
    for doc in docs:
        for key in ("发布机构", "发文机构", "发文机关", "title"):
            m = _DISTRICT_RE.search(doc.meta.get(key, ""))
            if m:
                return m.group(0)
    town = _TOWN_TITLE_RE.search(squash(title)) if title and shanghai else None
    if town:  # a town's or street's plan: a line naming district + town, else the one district the text names
        own, named = squash(title), set()
        for t in _all_texts(docs, texts)[:80]:
            for m in _DISTRICT_TOWN_RE.finditer(t):
                if m.group(2) in own:
                    return m.group(1)
            named.update(_DISTRICT_RE.findall(t))
        if len(named) == 1:
            return named.pop()
    return CITY if shanghai else None


def find_year(title: Optional[str], docs: list[Document], texts: Optional[list[str]] = None) -> Optional[int]:
    """Plan year: from the title, else the first 政务公开 sentence naming a year, else the first year mentioned.

    ``texts``: ``_texts(docs)`` when the caller already has it."""
    if title:
        m = _YEAR_RE.search(title)
        if m:
            return int(m.group(1))
    texts = _all_texts(docs, texts)[:60]
    for t in texts:
        m = _ORGAN_IN_TEXT_RE.match(t) or _PLAN_TITLE_RE.search(t)
        if m:
            return int(m.group(1))
    for t in texts:
        if _DOCNUM_RE.fullmatch(t):
            continue
        m = _YEAR_RE.search(t)
        if m:
            return int(m.group(1))
    return None


def _year_of_rows(title_rows: Sequence[str]) -> Optional[int]:
    """The first year named in the title rows above a task table's header (an Excel page has no other text)."""
    for row in title_rows:
        m = _YEAR_RE.search(squash(row))
        if m:
            return int(m.group(1))
    return None


def find_doc_number(docs: list[Document], texts: Optional[list[str]] = None) -> Optional[str]:
    """The document's own 文号: a line that is just the number (not one cited in a sentence), else meta 文件编号.

    ``texts``: ``_texts(docs)`` when the caller already has it."""
    for t in _all_texts(docs, texts)[:40]:
        m = _DOCNUM_RE.search(t) if "号" in t else None  # the pattern ends in 号: no search without one
        if m and len(t) <= len(m.group(0)) + 12 and not re.search(r"[《。，,]", t):
            return f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
    for doc in docs:
        for key in ("文件编号", "文号", "发文字号"):
            value = squash(doc.meta.get(key, ""))
            m = _DOCNUM_RE.search(value)
            if m:
                return f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
    return None


def _to_date(m: re.Match[str]) -> Optional[date]:
    """A matched Y年M月D日 (Arabic or Chinese numerals) as a date."""
    year, month, day = cn_number(m.group(1)), cn_number(m.group(2)), cn_number(m.group(3))
    try:
        return date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def find_issued_on(docs: list[Document], texts: Optional[list[str]] = None) -> Optional[str]:
    """Date line under the signature (a paragraph that is only a date); else the ``…印发`` line; else None.

    ``texts``: ``_texts(docs)`` when the caller already has it."""
    texts = _all_texts(docs, texts)
    for t in texts:
        m = _DATE_RE.fullmatch(t)
        if m:
            d = _to_date(m)
            if d:
                return d.isoformat()
    for t in texts:
        m = _DATE_RE.search(t)
        if m and t.endswith("印发") and len(t) <= len(m.group(0)) + 30:
            d = _to_date(m)
            if d:
                return d.isoformat()
    return None


def extract_metadata(docs: list[Document], layout: str, title_rows: Sequence[str] = ()) -> dict:
    """All document fields of one work plan (its parts in ``docs``, notice body first).

    ``title_rows``: texts spanning the task table above its header (a plan title printed inside the
    table). Jurisdiction and level are None for a document that does not say it is from Shanghai.
    """
    texts = _texts(docs)  # the paragraph texts every finder reads: built once per extraction
    title = find_title(docs, title_rows, texts)
    shanghai = mentions_shanghai(docs, title_rows, texts) or bool(title and _DISTRICT_RE.search(title))
    issuer = find_issuer(docs, title, shanghai, texts)
    jurisdiction = find_jurisdiction(issuer, title, docs, shanghai, texts)
    if issuer is None:
        issuer = expand_organ(jurisdiction, shanghai=shanghai) if jurisdiction else None
    elif issuer.startswith("区") and jurisdiction and jurisdiction != CITY:
        issuer = expand_organ(issuer, jurisdiction, shanghai)
    level = None if jurisdiction is None else ("city" if jurisdiction == CITY else "district")
    return {
        "title": title,
        "jurisdiction": jurisdiction,
        "level": level,
        "issuer": issuer,
        "year": find_year(title, docs, texts) or _year_of_rows(title_rows),
        "doc_number": find_doc_number(docs, texts),
        "issued_on": find_issued_on(docs, texts),
        "layout": layout,
    }
