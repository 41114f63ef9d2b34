"""Cell-level normalization: clean text, split responsible units, read deadlines.

Rules (tests/fixtures/gold/README.md): units split on 、，, outside parentheses;
``X牵头，Y落实`` gives lead X and support Y; a trailing 等 is dropped and sets
``units_open_list``. Deadlines are read relative to the plan year by
``read_deadline`` (kind + date; the vocabulary is ``DEADLINE_KINDS``), the only
deadline parser: the warehouse stores its result. A form we do not know is kept
raw with kind ``unparsed`` and a null date (the caller adds a warning).
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u201c\u201d\u2018\u2019"
)
# = (?<=[CJK])\s+(?=[CJK]) (no CJK char is whitespace once U+3000 is replaced), written to start
# with \s so the regex engine scans for whitespace instead of testing the lookbehind at every position
_SPACE_IN_CJK = re.compile(f"\\s(?<=[{_CJK}]\\s)\\s*(?=[{_CJK}])")
_ANY_WS = re.compile(r"\s")
_WS = re.compile(r"[\s\u3000\u00a0]+")


def clean_text(text: Optional[str]) -> str:
    """Collapse whitespace, drop spaces between CJK chars (PDF line-break artefacts), strip."""
    if not text:
        return ""
    if not _ANY_WS.search(text):  # U+3000 and U+00A0 are \s too: nothing to replace, collapse or strip
        return text
    text = text.replace("\u3000", " ").replace("\u00a0", " ")
    text = _SPACE_IN_CJK.sub("", text)
    return _WS.sub(" ", text).strip()


def squash(text: Optional[str]) -> str:
    """Text with all whitespace removed (the comparison key and ``responsible_raw`` form): every
    ``str.isspace`` character (what ``\\s`` matches, ``str.split()`` splits on) plus U+200B and
    U+FEFF, removed without a regex call."""
    if not text:
        return ""
    return "".join(text.split()).replace("\u200b", "").replace("\ufeff", "")


# ---------------------------------------------------------------- units

_OPEN = "（(〔"  # 〔〕 inside unit names: 市府办〔市大数据局〕, 各县〔区〕政府
_CLOSE = "）)〕"
_UNIT_SEPS = "、，,；;"
_SUPPORT_TAIL_RE = re.compile(r"(?:配合落实|共同落实|负责落实|落实|配合|参与|协同|协助|协办|按职责分工负责|分工负责)$")
_LABELLED_RE = re.compile(
    r"^(?:牵头(?:单位|部门|处室|科室|股室)?|主责(?:单位|部门))[:：](?P<lead>.+?)[；;，,]\s*(?:配合|协办|参与|协助|协同|协作|协责|责任)"
    r"(?:单位|部门|处室|科室|股室)?[:：](?P<support>.+)$"
)

_LEAD_MARK_RE = re.compile(r"[（(]牵头[）)]$")
# "区委宣传部、区政府办公室按职责分工负责": how the listed units share the work, not a unit name.
# "市发改委牵头落实", "市金融办、人民银行X支行分别牵头落实": all listed units lead.
_DUTY_TAIL_RE = re.compile(
    r"(?:按职责分工负责|按职责分工落实|按职责负责|分工负责|(?:分别|共同|具体)?(?:牵头落实|牵头负责|负责落实|负责))$")
BY_RE = re.compile(r"^由(?=[\u4e00-\u9fff]{2})")  # "由县教育局负责": 由 is not part of the name
_LEAD_LABEL_RE = re.compile(r"^(?:牵头|责任|主责)(?:单位|部门|处室|科室|股室)?[:：]")
_COMMA_DUTY_RE = re.compile(
    r"^(?P<lead>[^，,；;]+)[，,；;](?P<support>[^，,；;]+?)(?:按职责分工|按职责|分别|共同)?(?:落实|负责落实|配合落实|配合|参与|协同)$"
)
# "X；配合单位：Y", and "X；责任单位：Y" left by a clause opened with 牵头单位：X (a second label: X leads)
_EMBEDDED_SUPPORT_RE = re.compile(
    r"[；;，,]\s*(?:(?:配合|协办|参与|协助|协同|协作|协责)(?:单位|部门|处室|科室|股室)?|责任(?:单位|部门|处室|科室|股室))[:：]")


@dataclass
class Units:
    """Responsible units read from one cell or clause."""

    raw: str
    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    open_list: bool = False


@functools.lru_cache(maxsize=16)
def _separators_re(seps: str) -> re.Pattern[str]:
    """A pattern matching any one char of ``seps``."""
    return re.compile(f"[{re.escape(seps)}]")


def split_outside_parens(text: str, seps: str = _UNIT_SEPS) -> list[str]:
    """Split on any char of ``seps`` that is not inside （）/() parentheses."""
    if "（" not in text and "(" not in text and "〔" not in text:  # no parentheses: every separator splits (a C-speed split)
        return [p for p in _separators_re(seps).split(text) if p]
    parts: list[str] = []
    depth = 0
    cur = ""
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if ch in seps and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p]


# "区卫生健康委等相关部门", "区建设管理委等单位", "练塘镇等各街镇", "区规划资源局等10个部门" (a count,
# round 4 rule 5): 等 + a noun phrase naming a kind of
# body closes an open list (shared/cases/README.md); the tail is not a unit.
_OPEN_TAIL_RE = re.compile(
    r"(?<=.)等(?:[相有]关|其他|其它|各|所有|全体|区级|市级|县级|各级|(?:[0-9０-９]{1,3}|[一二两三四五六七八九十]{1,3})个|"
    r"[\u4e00-\u9fff]{0,6}?)"
    r"(?:部门|单位|机构|街镇|街道|乡镇|镇街|科室|处室|委办局|成员单位|主管部门|职能部门|主体|组织|方面|地区|区县|县区|区)$"
)


def _unit_list(text: str) -> tuple[list[str], bool]:
    """Split a list of unit names; a trailing 等 (on the list or a name), or 等 + a kind of body
    (``等相关部门``, ``等单位``, ``等各街镇``), marks it open and is dropped."""
    open_list = False
    names: list[str] = []
    for part in split_outside_parens(text):
        part = part.strip().rstrip("。.")
        tail = _OPEN_TAIL_RE.search(part)
        if tail:
            part = part[: tail.start()]
            open_list = True
        if part.endswith("等") and len(part) > 1:
            part = part[:-1]
            open_list = True
        if part:
            names.append(part)
    return names, open_list


_LABEL_LINE_RE = re.compile(r"^(?:牵头|配合|协办|参与|责任|主责|协责|协助)(?:单位|部门|处室|科室|股室)?[:：]")


def units_text(raw: Optional[str]) -> str:
    """A units cell as one line (``responsible_raw``): units printed one per line are joined with 、;
    a line that starts a new label (``配合单位：Y``) is joined with ；."""
    out = ""
    for line in (squash(x) for x in (raw or "").splitlines()):
        if not line:
            continue
        if out and out[-1] not in _UNIT_SEPS:
            out += ("；" if _LABEL_LINE_RE.match(line) else "、") + line
        else:
            out += line
    return out


def split_units(raw: Optional[str]) -> Units:
    """Read a responsibility cell/clause into lead and support unit lists."""
    text = units_text(raw).rstrip("。.")  # one unit per line in a docx/html cell
    if text.startswith("由"):
        text = BY_RE.sub("", text)
    if not text:
        return Units(raw="")
    m = _LABELLED_RE.match(text)
    embedded = _EMBEDDED_SUPPORT_RE.search(text)
    lead_text, support_text = text, ""
    if m:
        lead_text, support_text = m.group("lead"), m.group("support")
    elif embedded:
        lead_text, support_text = text[: embedded.start()], text[embedded.end() :]
        lead_text = re.sub(r"^(?:牵头|责任)(?:单位|部门|处室)?[:：]", "", lead_text)
    else:
        text = lead_text = _LEAD_LABEL_RE.sub("", text)  # "牵头单位：X" alone: the label is not a unit
        # "X牵头，Y落实": the lead part ends with 牵头 outside parentheses
        idx = _find_outside_parens(text, "牵头")
        duty = _COMMA_DUTY_RE.match(text) if idx <= 0 else None
        if idx > 0:
            lead_text = text[:idx]
            rest = text[idx + 2 :]
            rest = re.sub(r"^(?:负责)?[，,、；;]?", "", rest)
            support_text = _SUPPORT_TAIL_RE.sub("", rest)
        elif duty:  # "X，Y按职责落实": X leads, Y carries it out (a comma, not 、, parts them)
            lead_text, support_text = _DUTY_TAIL_RE.sub("", duty.group("lead")), duty.group("support")
    if not support_text:
        stripped = _DUTY_TAIL_RE.sub("", lead_text)
        if stripped and stripped[-1] not in _UNIT_SEPS:
            lead_text = stripped
    lead, open1 = _unit_list(lead_text)
    support, open2 = _unit_list(support_text) if support_text else ([], False)
    marked = [u for u in lead if _LEAD_MARK_RE.search(u)]
    if marked and not support:  # "区发改委（牵头）、区财政局": the marked units lead
        support = [u for u in lead if u not in marked]
        lead = [_LEAD_MARK_RE.sub("", u) for u in marked]
    return Units(raw=text, lead=lead, support=support, open_list=open1 or open2)


def _find_outside_parens(text: str, word: str) -> int:
    """Index of ``word`` outside parentheses that is followed by a separator or the end, else -1."""
    if word not in text:
        return -1
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        elif depth == 0 and text.startswith(word, i):
            after = text[i + len(word) :]
            if not after or after[0] in _UNIT_SEPS or after.startswith("负责"):
                return i
    return -1


# ---------------------------------------------------------------- deadlines

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(text: str) -> Optional[int]:
    """Arabic or Chinese numeral (up to 99, or digit-by-digit like 二〇二三) to int."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 2:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    if "十" in text:
        left, _, right = text.partition("十")
        tens = _CN_DIGITS.get(left) if left else 1
        ones = _CN_DIGITS.get(right) if right else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    return None


_NUM = r"[0-9０-９]{1,4}|[一二三四五六七八九十〇零两]{1,4}"
_BEFORE = r"(?:之?前|以前|底前|末前|内|止)?(?:完成)?"
_MONTH_END_RE = re.compile(rf"^(?P<next>次年|明年|下一?年)?(?:(?P<y>\d{{4}})年)?(?P<m>{_NUM})月(?:份|底|末|中下旬|下旬)?{_BEFORE}$")
_DAY_RE = re.compile(rf"^(?P<next>次年|明年|下一?年)?(?:(?P<y>\d{{4}})年)?(?P<m>{_NUM})月(?P<d>{_NUM})[日号]{_BEFORE}$")
_RANGE_RE = re.compile(rf"^(?:(?P<y>\d{{4}})年)?(?:{_NUM})(?:月)?(?:份)?[-－—~～至到](?:(?P<y2>\d{{4}})年)?(?P<m>{_NUM})月(?:份|底|末)?{_BEFORE}$")
_QUARTER_RE = re.compile(rf"^(?:第)?(?P<q>[1-4一二三四])季度(?:末|底)?{_BEFORE}$")
_YEAR_END_STRICT = {"全年", "年内", "年底", "年底前", "年末", "全年度", "年度内", "本年度", "本年度内", "下半年", "年底完成",
                    "年底之前", "今年年底前", "今年底前"}
_HALF_YEAR = {"上半年", "上半年前", "上半年底", "上半年底前", "年中", "年中前"}
_SEP_RE = re.compile(r"[，,、；;]")
_YEAR_PREFIX_RE = re.compile(r"^(?P<y>\d{4})年度?(?P<rest>.+)$")
# A dotted date, as written in spreadsheets: 2025.6 (month end), 2025.12.31, 2025.9.30前, 2025/6/30, 2025-06-30.
_OWN_YEAR_RE = re.compile(r"^(\d{4})(?:年|[.．/-]\d)")  # a deadline starting with its own year
_DOTTED_RE = re.compile(r"^(?P<y>\d{4})(?P<sep>[.．/-])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2})日?)?(?:以前|之前|前)?(?:完成)?$")


def _to_half(text: str) -> str:
    """Full-width digits to ASCII."""
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def _month_end(year: int, month: int) -> Optional[date]:
    """Last day of ``month`` in ``year``; None if the month is out of range."""
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


DEADLINE_KINDS: tuple[str, ...] = (
    "none", "full_year", "half_year", "quarter", "month", "day", "range", "several", "next_year", "unparsed",
)
"""The closed vocabulary of ``Deadline.kind`` (the one list: GX suite and dbt tests are checked against it).

- ``none``: no deadline text.
- ``full_year``: the end of the year (全年, 年内, 年底前, 2024年底前 …) → 12-31.
- ``half_year``: 上半年/年中 → 06-30; 下半年 → 12-31.
- ``quarter``: 第N季度, N季度末 → the quarter's last day.
- ``month``: N月, N月份, N月底(前) → the month's last day.
- ``day``: N月D日(前) → that day; dotted 2025.9.30(前) too (2025.6 is ``month``).
- ``range``: N月—M月 → the end of month M.
- ``several``: several phrases in one cell (3月底、9月底), also steps (6月底前完成初稿，9月底前正式发布) → the last date.
- ``next_year``: any of the above whose date falls after the plan year (次年3月, 2025年6月底 in a 2024 plan).
- ``unparsed``: text we cannot date (持续推进, 长期坚持, 每季度, an invalid date), or, when the plan year
  is unknown, any text that does not state its own year (then the date is null too).
Source: tests/fixtures/gold/README.md (全年, N月…, N月D日前, 次年N月) and tests/fixtures/cases/README.md
(quarters, ranges, 年内, recurring → no date).
"""


@dataclass(frozen=True)
class Deadline:
    """One deadline cell read: ``kind`` (a member of ``DEADLINE_KINDS``) and ``date`` (None unless dated)."""

    kind: str
    date: Optional[date] = None

    @property
    def iso(self) -> Optional[str]:
        """``date`` as ISO ``yyyy-mm-dd`` text, or None."""
        return self.date.isoformat() if self.date else None


def read_deadline(raw: Optional[str], plan_year: Optional[int]) -> Deadline:
    """Read a deadline cell relative to the plan year: the one deadline parser (the warehouse stores its result).

    ``raw``: the cell or clause text (whitespace and full-width digits allowed, a trailing 。 ignored).
    ``plan_year``: the document's plan year (None → kind ``unparsed``, no date, unless the text starts
    with its own year: ``2025年5月底前`` is dated from 2025 whatever the plan).
    Returns a ``Deadline``; never raises. Kinds and rules: ``DEADLINE_KINDS``.
    """
    text = _to_half(squash(raw)).rstrip("。.")
    if not text:
        return Deadline("none")
    if plan_year is None:  # a deadline that states its own year is dated from it (round 5 rule 4)
        own = _OWN_YEAR_RE.match(text)
        if own is None:
            return Deadline("unparsed")
        plan_year = int(own.group(1))
    found = _parse_one(text, plan_year)
    if found is None:
        # several deadlines in one cell ("3月底、9月底"): the last one is when the task is done
        parts = [p for p in _SEP_RE.split(text) if p]
        if len(parts) > 1:  # steps "6月底前完成初稿，9月底前正式发布": each step's deadline without its action
            dates = [_parse_one(p, plan_year) or _parse_step(p, plan_year) for p in parts]
            if all(dates):
                found = ("several", max(d[1] for d in dates if d))
    if found is None:
        return Deadline("unparsed")
    kind, day = found
    return Deadline("next_year" if day.year > plan_year else kind, day)


def parse_deadline(raw: Optional[str], plan_year: Optional[int]) -> Optional[str]:
    """ISO date for a deadline cell relative to the plan year, or None when unknown/absent
    (``read_deadline(raw, plan_year).iso``)."""
    return read_deadline(raw, plan_year).iso


def _parse_one(text: str, plan_year: int) -> Optional[tuple[str, date]]:
    """One deadline phrase → (kind, date), or None."""
    core = text[:-2] if text.endswith("完成") and len(text) > 2 else text  # "年底前完成", "上半年完成"
    if text in _YEAR_END_STRICT or core in _YEAR_END_STRICT:
        return ("half_year" if core.startswith("下半年") else "full_year"), date(plan_year, 12, 31)
    if text in _HALF_YEAR or core in _HALF_YEAR:
        return "half_year", date(plan_year, 6, 30)
    m = _DOTTED_RE.match(text)
    if m:  # 2025.6 / 2025.12.31 / 2025.9.30前 (tests/fixtures/cases/README.md, round 4)
        d_year, d_month = int(m.group("y")), int(m.group("m"))
        if m.group("d") is None:
            return _dated("month", _month_end(d_year, d_month))
        try:
            return "day", date(d_year, d_month, int(m.group("d")))
        except ValueError:
            return None
    m = _DAY_RE.match(text)
    if m:
        year = int(m.group("y")) if m.group("y") else plan_year + (1 if m.group("next") else 0)
        month, day = cn_number(m.group("m")), cn_number(m.group("d"))
        if month and day:
            try:
                return "day", date(year, month, day)
            except ValueError:
                return None
    m = _MONTH_END_RE.match(text)
    if m:
        year = int(m.group("y")) if m.group("y") else plan_year + (1 if m.group("next") else 0)
        month = cn_number(m.group("m"))
        return _dated("month", _month_end(year, month) if month else None)
    m = _RANGE_RE.match(text)
    if m:
        year = int(m.group("y2") or m.group("y") or plan_year)
        month = cn_number(m.group("m"))
        return _dated("range", _month_end(year, month) if month else None)
    m = _YEAR_PREFIX_RE.match(text)
    if m:  # "2024年底前", "2024年上半年", "2024年第三季度": the phrase for that year
        rest = m.group("rest")
        year = int(m.group("y"))
        return _parse_one(rest, year) or (_parse_one("年" + rest, year) if not rest.startswith("年") else None)
    m = _QUARTER_RE.match(text)
    if m:
        q = cn_number(m.group("q"))
        return _dated("quarter", _month_end(plan_year, q * 3) if q else None)
    return None


_STEP_RE = re.compile(r"^(?P<when>.{2,12}?前)(?:完成)?[\u4e00-\u9fff]{1,10}$")


def _parse_step(text: str, plan_year: int) -> Optional[tuple[str, date]]:
    """One step of a several-step cell: ``9月底前正式发布`` → the date of ``9月底前`` (round 4 rule 4)."""
    m = _STEP_RE.match(text)
    return _parse_one(m.group("when"), plan_year) if m else None


def _dated(kind: str, day: Optional[date]) -> Optional[tuple[str, date]]:
    """(kind, day) when there is a day, else None."""
    return (kind, day) if day else None
