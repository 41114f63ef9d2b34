"""Prose work plans: a task is text closed by a responsibility clause.

A clause names the responsible units, in any bracket (``（牵头部门：…）``, ``(责任单位:…)``,
``【责任部门：…】``, ``〔…〕``), or as a bare unit list ``（区经委、区科委）``; it stands before
or right after the full stop, may carry the deadline (``（责任单位：…；完成时限：…）``), and
may be unbracketed after the paragraph's last sentence (``……。牵头部门：区人社局``). A
paragraph may hold several tasks: each clause closes the text since the previous one. The
clause is removed from the task content (shared/cases/README.md, tests/fixtures/gold/README.md).

The task name is the nearest （一）-style heading (a heading line, or the inline title of a
``（三）标题。正文`` paragraph), else the 一、-style section title; the section is the 一、-style
title. Half-width punctuation (NFKC text) reads like full-width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from extract.parse.model import Document
from extract.tasks.normalize import BY_RE, clean_text, split_outside_parens, squash
from extract.tasks.reconcile import split_inline_title

CLAUSE_KEYS = (
    "牵头部门", "牵头单位", "牵头处室", "牵头科室", "责任处室", "责任单位", "责任部门", "责任主体", "责任科室",
    "主责部门", "主责单位", "负责部门", "负责单位", "承办单位", "实施单位", "落实单位", "责任股室", "牵头股室",
)
_KEYS = "|".join(CLAUSE_KEYS)
_OPEN, _CLOSE = "（(【〔［[", "）)】〕］]"
_DEADLINE_KEYS = "完成时限|完成时间|完成期限|时间节点|时间要求|时限要求|时限"
# A 牵头领导/分管领导 label names a post (副局长), not a unit: dropped from the clause (round 5 rule 3).
_LEADER_KEYS = "(?:牵头|分管|责任|联系|主管|包抓)领导|责任人|联系人"
# A labelled clause in any bracket; the units may hold one level of parentheses (区政府办公室（区政务公开办）).
# Labels come in any order: deadline or leader labels may stand before the unit label
# (``（完成时限：Y；责任部门：X）``, ``（牵头领导：副局长；责任科室：X；完成时限：Y）``; round 5 rule 3).
_LABELLED_RE = re.compile(
    r"[（(【〔［\[]\s*(?P<pre>(?:(?:" + _DEADLINE_KEYS + "|" + _LEADER_KEYS + r")\s*[:：]"
    r"[^（）()【】〔〕［］\[\]:：]{1,40}?[；;，,]\s*){0,3})(?P<key>" + _KEYS + r")\s*[:：]\s*"
    r"(?P<units>(?:[^（）()【】〔〕［］\[\]]|[（(][^（）()]*[）)])+?)\s*[）)】〕］\]]"
)
# the deadline of labels before the unit label (``完成时限：Y；`` / ``完成时限：Y，``), up to the next label
_PRE_DEADLINE_RE = re.compile(
    r"(?:" + _DEADLINE_KEYS + r")\s*[:：]\s*(?P<deadline>[^:：]+?)\s*[；;，,]\s*(?=[^:：；;，,]{1,8}[:：]|$)")
_LEADER_FIRST = "牵分责联主包"  # how a leader label starts (a cheap test before _LEADER_LINE_RE)
_LEADER_LINE_RE = re.compile(r"^(?:" + _LEADER_KEYS + r")\s*[:：]\s*[^。；;:：]{1,30}[。.]?$")
_LEADER_PART_RE = re.compile(r"[；;，,]\s*(?:" + _LEADER_KEYS + r")\s*[:：][^；;]*")
# A bare parenthesised list, checked by ``is_unit_list``.
_PAREN_RE = re.compile(r"[（(](?P<units>(?:[^（）()。：:]|[（(][^（）()。：:]*[）)]){2,80}?)[）)]")
_MORE_KEYS = "(?:配合|协办|参与|协助|协同)(?:单位|部门|处室|科室|股室)|" + _DEADLINE_KEYS
# Unbracketed, after the paragraph's last full stop: ``……宣传。牵头部门：区人社局``, also as a run of
# label sentences ``牵头单位：X。协同单位：Y。时间要求：Z。`` (one clause; round 4 rule 6).
_BARE_CLAUSE_RE = re.compile(
    r"(?<=[。；;！!.])\s*(?P<pre>(?:(?:" + _DEADLINE_KEYS + "|" + _LEADER_KEYS + r")\s*[:：][^。:：]{1,40}?[；;，,]\s*){0,3})"
    r"(?P<key>" + _KEYS + r")\s*[:：]\s*(?P<units>[^。]{1,120}?"
    r"(?:[。.]\s*(?:" + _MORE_KEYS + r")\s*[:：][^。]{1,120}?)*)\s*[。.]?\s*$"
)
_LABEL_STOP_RE = re.compile(r"\s*[。.]\s*(?=(?:" + _MORE_KEYS + r")\s*[:：])")
# A second bracket right after a labelled clause holding the deadline: ``【责任单位：X】【完成时限：Y】``,
# or right before it (``【完成时限：Y】【责任单位：X】``).
_BRACKET_DEADLINE_RE = re.compile(
    r"\s*[（(【〔［\[]\s*(?:" + _DEADLINE_KEYS + r")\s*[:：]\s*(?P<deadline>[^（）()【】〔〕［］\[\]]{1,40}?)\s*[）)】〕］\]]"
)
_DEADLINE_BRACKET_BEFORE_RE = re.compile(
    r"[（(【〔［\[]\s*(?:" + _DEADLINE_KEYS + r")\s*[:：]\s*(?P<deadline>[^（）()【】〔〕［］\[\]]{1,40}?)\s*[）)】〕］\]]\s*$"
)
_STANDALONE_RE = re.compile(
    r"^[（(【〔\[]?\s*(?:" + _KEYS + r")\s*[:：]\s*(?P<units>.+?)\s*[）)】〕\]]?\s*[。.]?$"
)
_DEADLINE_IN_CLAUSE_RE = re.compile(r"[；;，,]\s*(?:" + _DEADLINE_KEYS + r")\s*[:：]\s*(?P<deadline>.+)$")
_SECTION_RE = re.compile(r"^\s*(?:[一二三四五六七八九十百]+)\s*[、．.]\s*")
_ITEM_RE = re.compile(r"^\s*[（(]\s*[一二三四五六七八九十百零〇]+\s*[）)]\s*")
_NUMBERED_RE = re.compile(r"^\s*(?:\d{1,3}\s*[.．、](?!\d)|[（(]\s*\d{1,3}\s*[）)]|\d{1,3}\s*[）)]|[⑴-⒇①-⑳])\s*")
_STOPS = "。.；;！!？?"
# A plain-text list of labelled blocks (round 4 rule 6): ``任务一：名称`` opens a task (its name), the
# ``具体内容：`` line is its content, the unit and deadline label lines below close it.
_TASK_LABEL_RE = re.compile(r"^任务\s*[一二三四五六七八九十百0-9]{1,4}\s*[:：]\s*(?P<name>\S.{0,59})$")
_CONTENT_LABEL_RE = re.compile(r"^(?:具体内容|工作内容|主要内容|任务内容|具体措施|工作措施|具体要求|工作要求)\s*[:：]\s*(?=\S)")
# How a unit name ends; a bare parenthesised list is units only when every item ends so.
_UNIT_END_RE = re.compile(
    r"(?:局|委|办|室|府|院|厅|会|处|科|所|站|队|中心|街道|镇|乡|街镇|公司|集团|单位|部门|社|团|馆|组|"
    r"分局|总队|支队|大队|署|司|庭|台|法院|检察院|政府|机构|部|办公室|联|协|校|区|县|市|州|盟|旗|行)$"
)
_ROLE_WORDS_RE = re.compile(r"(?:牵头|配合|负责|落实|参与|协办|按职责分工负责|等(?:[相有]关|各|其他)?[\u4e00-\u9fff]{0,6})$")
# How the name of an organ ends, when a parenthesised name right after it is its alias (区政府办公室（区政务
# 公开办）); not the words task sentences end with (发布会, 平台, 专区, 格局, 场所, 督办).
_GLOSSED_ORGAN_RE = re.compile(
    r"(?:办公室|办公厅|委员会|政府|中心|(?<![举承督协创开申代包兴主])办|(?<![格布大结开全当])局|委|厅|处|科|(?<!场)所|院|署|队)$")
_TRAILING_GLOSS_RE = re.compile(r"(?:[（(][^（）()]*[）)]|〔[^〔〕]*〕)$")  # 区府办（区政务公开办）, 市府办〔市大数据局〕
_NOT_UNITS_RE = re.compile(r"^(?:含|包括|以下简称|简称|即|如|详见|见|原|不含|其中|暂定|试行)")


@dataclass
class ProseTask:
    """One task of a prose plan (a paragraph, or a part of one, closed by a clause)."""

    seq: int
    section: Optional[str]
    task_name: Optional[str]
    content: str
    responsible: str
    deadline: Optional[str] = None
    clause: str = ""  # the clause that closed the task, as written (for --explain)


@dataclass
class _Clause:
    start: int
    end: int
    units: str
    text: str


_DEADLINE_WORD_RE = re.compile(
    r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})月|季度|年底|年末|年内|年中|上半年|下半年|全年|日前|持续|长期|常态|每[月季年周]"
)


def split_deadline_tail(text: str) -> tuple[str, Optional[str]]:
    """``市统计局，第一季度`` → (``市统计局``, ``第一季度``): a clause's last comma part naming a time."""
    parts = split_outside_parens(text, "，,；;")
    if len(parts) > 1 and _DEADLINE_WORD_RE.search(parts[-1]) and not _UNIT_END_RE.search(parts[-1]):
        head = text[: len(text) - len(parts[-1])].rstrip("，,；; ")
        return head, squash(parts[-1])
    return text, None


def is_unit_list(text: str) -> bool:
    """True when a parenthesised text is a list of responsible units (``区经委、区科委``,
    ``区发改委牵头，区财政局配合``, ``市直有关部门等单位``), not a gloss such as ``含调整情况``."""
    text = split_deadline_tail(squash(text))[0]
    if not text or _NOT_UNITS_RE.match(text) or re.search(r"\d{3,}|[《》“”\"]", text):
        return False
    parts = split_outside_parens(text, "、，,；;")
    if not parts or len(parts) > 12:
        return False
    for i, part in enumerate(parts):
        core = _ROLE_WORDS_RE.sub("", part) if not _UNIT_END_RE.search(part) else part
        core = _TRAILING_GLOSS_RE.sub("", core)
        if len(core) == 1 and i > 0 and _UNIT_END_RE.search(core):
            continue  # "区政府各委、办、局": a one-character organ word continuing the list
        if not (2 <= len(core) <= 30 and _UNIT_END_RE.search(core)):
            return False
    return True


def _clauses(text: str) -> list[_Clause]:
    """Responsibility clauses of a paragraph, in order, non-overlapping."""
    found: list[_Clause] = []
    for m in _LABELLED_RE.finditer(text):
        more = _BRACKET_DEADLINE_RE.match(text, m.end())
        if m.group("pre"):  # labels before the unit label: keep a deadline, drop a leader
            found.append(_Clause(m.start(), m.end(), _with_pre_deadline(m.group("units"), m.group("pre")), m.group(0)))
        elif more is None and m.start() and text[m.start() - 1] in _CLOSE \
                and (first := _DEADLINE_BRACKET_BEFORE_RE.search(text, max(0, m.start() - 50), m.start())):
            found.append(_Clause(first.start(), m.end(), m.group("units") + "；完成时限：" + first.group("deadline"),
                                 text[first.start():m.end()]))
        elif more is None:
            found.append(_Clause(m.start(), m.end(), m.group("units"), m.group(0)))
        else:  # 【责任单位：X】【完成时限：Y】: one clause with its deadline
            found.append(_Clause(m.start(), more.end(), m.group("units") + "；完成时限：" + more.group("deadline"),
                                 text[m.start():more.end()]))
    for m in _PAREN_RE.finditer(text):
        if any(c.start <= m.start() < c.end for c in found):
            continue
        before = text[: m.start()].rstrip()
        after = text[m.end():].lstrip()
        at_sentence_end = (not after or after[0] in _STOPS + "，,") or (before and before[-1] in _STOPS)
        # "区政府办公室（区政务公开办）": one name glossing the organ before it; a list of units, or a
        # name after any other word (新闻发布会, 政策专区, 平台), closes a task
        glosses_organ = (bool(_GLOSSED_ORGAN_RE.search(before[-8:]))
                         and len(split_outside_parens(m.group("units"), "、，,；;")) == 1)
        if at_sentence_end and not glosses_organ and is_unit_list(m.group("units")):
            found.append(_Clause(m.start(), m.end(), m.group("units"), m.group(0)))
    found.sort(key=lambda c: c.start)
    last_end = found[-1].end if found else 0
    bare = _BARE_CLAUSE_RE.search(text, last_end)
    if bare:  # label sentences joined by 。 read like labels joined by ；
        units = _with_pre_deadline(_LABEL_STOP_RE.sub("；", bare.group("units")), bare.group("pre"))
        found.append(_Clause(bare.start("pre"), bare.end(), units, bare.group(0).strip()))
    elif text.rstrip("。. ").endswith(_DUTY_ENDS):
        duty = _duty_sentence(text, last_end)
        if duty is not None:
            found.append(duty)
    return found


_DUTY_ENDS = ("负责", "配合", "落实", "牵头")


def _with_pre_deadline(units: str, pre: str) -> str:
    """The units of a clause whose deadline label came first (``完成时限：Y；责任部门：X``): ``X；完成时限：Y``.
    A leader label before the units (``牵头领导：副局长；``) is dropped (round 5 rule 3)."""
    m = _PRE_DEADLINE_RE.search(pre) if pre else None
    return units + "；完成时限：" + m.group("deadline") if m else units


def _duty_sentence(text: str, start: int) -> Optional[_Clause]:
    """The paragraph's last sentence when it only says who does the task (``区发改委负责，区建管委配合。``,
    ``由区府办牵头，各部门按职责分工负责。``, or after a comma ``…，由区财政局负责。``: a 分工方案 written as
    sentences), else None."""
    end = len(text.rstrip("。. "))
    stop = max(text.rfind(ch, start, end) for ch in "。；;")
    cuts = [stop + 1] + [i + 1 for i in range(stop + 1, end) if text[i] in "，,"]  # whole sentence, then tails
    for cut in cuts:
        sentence = text[cut:end].strip()
        if sentence and not re.search(r"\d", sentence) and is_unit_list(BY_RE.sub("", sentence)):
            return _Clause(cut, len(text), sentence, sentence)
    return None


def _units_and_deadline(units: str) -> tuple[str, Optional[str]]:
    """Split ``区发改委；完成时限：6月底前`` or ``区发改委，6月底前`` into the units and the deadline."""
    if "领导" in units or "责任人" in units or "联系人" in units:
        units = _LEADER_PART_RE.sub("", units)  # 责任科室：X；分管领导：副局长: the post is not a unit
    m = _DEADLINE_IN_CLAUSE_RE.search(units)
    if m:
        return units[: m.start()], squash(m.group("deadline"))
    return split_deadline_tail(units)


def _title(text: str, pattern: re.Pattern[str]) -> str:
    """Heading text without its enumerator and trailing full stop."""
    return pattern.sub("", text, count=1).strip().rstrip("。.")


def _is_short_heading(text: str) -> bool:
    """A heading line: short, no full stop inside."""
    return len(text) <= 60 and "。" not in text.rstrip("。")


@dataclass
class _State:
    tasks: list[ProseTask] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)  # （N）-item title → tasks read under it
    section: Optional[str] = None
    sub: Optional[str] = None
    pending: Optional[str] = None  # last plain paragraph: a task when a clause line follows it
    labelled: Optional[ProseTask] = None  # task closed by a bare 牵头单位：X line: 配合单位/完成时限 lines may follow
    held: Optional[str] = None  # a 完成时限：Y line between an item and its 牵头单位：X line

    def add(self, body: str, units: str, clause: str, name: Optional[str]) -> None:
        body = _NUMBERED_RE.sub("", body, count=1).strip()
        if not body:
            return
        units, deadline = _units_and_deadline(squash(units))
        self.tasks.append(ProseTask(len(self.tasks) + 1, self.section, name, body, units, deadline, clause))
        if name:
            self.items[name] = self.items.get(name, 0) + 1


def _split_tasks(state: _State, text: str, name: Optional[str], clauses: list[_Clause]) -> Optional[str]:
    """Add one task per clause of ``text``; return the text after the last clause (may be '')."""
    pos = 0
    for c in clauses:
        body = text[pos:c.start].strip().rstrip("，,")  # "公开预决算，由区财政局负责": the comma is not content
        end = c.end
        while end < len(text) and text[end] in " 　":
            end += 1
        if end < len(text) and text[end] in _STOPS and (not body or body[-1] not in _STOPS):
            body += text[end]
            end += 1
        if not body and state.pending is not None:
            body, state.pending = state.pending, None
        state.add(body, c.units, c.text, name)
        pos = end
    return text[pos:].strip()


_MORE_UNITS_LINE_RE = re.compile(r"^(?:配合|协办|参与|协助|协同)(?:单位|部门|处室|科室)\s*[:：]\s*\S")
_DUTY_LINE_RE = re.compile(r"^责任(?:单位|部门|处室|科室)\s*[:：]\s*\S")  # after 牵头单位：X, the support units
_DEADLINE_LINE_RE = re.compile(
    r"^(?:完成时限|完成时间|完成期限|时间节点|时间要求|时限要求|时限)\s*[:：]\s*(?P<deadline>\S.*?)[。.]?$")


def _more_label_line(task: ProseTask, text: str) -> bool:
    """Add a ``配合单位：Y`` or ``完成时限：Z`` line following a bare ``牵头单位：X`` line to its task
    (units joined with ；, labels kept, as r03's table cells); False when the line is neither."""
    if _MORE_UNITS_LINE_RE.match(text) or (task.responsible.startswith("牵头") and _DUTY_LINE_RE.match(text)):
        task.responsible += "；" + squash(text).rstrip("。.")
        return True
    m = _DEADLINE_LINE_RE.match(text)
    if m and task.deadline is None:
        task.deadline = squash(m.group("deadline"))
        return True
    return False


def extract_prose_tasks(docs: list[Document], untasked: Optional[list[str]] = None) -> list[ProseTask]:
    """Tasks of all parts' paragraphs, in reading order, with their section and task name.

    ``untasked``, when given, receives the （一）-style items under which no paragraph
    carried a responsibility clause, so a reader can see what was not read as a task.
    """
    st = _State()
    found: dict[str, list[_Clause]] = {}  # _clauses per text of the current paragraph: asked up to twice

    def clauses_of(text: str) -> list[_Clause]:
        if text not in found:
            found[text] = _clauses(text)
        return found[text]

    for doc in docs:
        for block in doc.blocks:
            if block.kind == "table":
                st.pending = None
                continue
            text = clean_text(block.text)
            if not text:
                continue
            found.clear()
            held, st.held = st.held, None
            if text[0] in _LEADER_FIRST and (st.pending is not None or st.labelled is not None) \
                    and _LEADER_LINE_RE.match(text):
                st.held = held  # 分管领导：副局长 on its own line names a post, not a unit: skipped
                continue
            if st.labelled is not None and _more_label_line(st.labelled, text):
                continue
            st.labelled = None
            standalone = _STANDALONE_RE.match(text)
            if standalone is not None and st.pending is not None:
                body, st.pending = st.pending, None
                bare = text[0] not in _OPEN  # 牵头单位：X on its own line keeps its label, like a table cell's lines
                st.add(body, text.rstrip("。.") if bare else standalone.group("units"), text, st.sub or st.section)
                st.labelled = st.tasks[-1] if bare and st.tasks else None
                if held and st.tasks and st.tasks[-1].deadline is None:
                    st.tasks[-1].deadline = held
                continue
            if text[0] in "完时" and st.pending is not None and (line := _DEADLINE_LINE_RE.match(text)) is not None:
                st.held = squash(line.group("deadline"))  # 完成时限：Y above the 牵头单位：X line
                continue
            name = st.sub or st.section
            body = text
            if text[0] == "任" and (label := _TASK_LABEL_RE.match(text)) is not None:
                st.sub, st.pending = label.group("name").rstrip("。."), None  # 任务一：名称
                st.items.setdefault(st.sub, 0)
                continue
            if st.sub is not None and (label := _CONTENT_LABEL_RE.match(text)) is not None:
                body = text[label.end():]  # 具体内容：… under 任务N：…: the content without its label
            if _ITEM_RE.match(text):
                title, rest = split_inline_title(text)
                if not rest and _is_short_heading(text) and not clauses_of(text):
                    # a heading; when a clause line follows right below (责任单位：X), it is the task itself
                    st.sub, st.pending = title, (title + "。" if text.endswith("。") else None)
                    st.items.setdefault(title, 0)
                    continue
                if not rest or (clauses_of(rest) and clauses_of(rest)[0].start == 0):
                    # "（一）做好X（区A）。", "（一）做好X。【牵头单位：区A】": the item is itself the task
                    body = _ITEM_RE.sub("", text, count=1)
                    cut = clauses_of(body)
                    name = st.sub = (body[: cut[0].start].rstrip("。.") if cut else title) or title
                    st.items.setdefault(name, 0)
                else:
                    st.sub, name, body = title, title, rest
                    st.items.setdefault(title, 0)
            elif _SECTION_RE.match(text):
                if _is_short_heading(text) and not clauses_of(text):
                    st.section, st.sub, st.pending = _title(text, _SECTION_RE), None, None
                    continue
                if "。" in text:
                    title, rest = split_inline_title(_SECTION_RE.sub("", text, count=1))
                    if rest:
                        st.section, st.sub, name, body = title, None, title, rest
            clauses = clauses_of(body)
            if not clauses:
                st.pending = body
                continue
            st.pending = None
            tail = _split_tasks(st, body, name, clauses)
            st.pending = tail or None
    if untasked is not None:
        untasked += [title for title, n in st.items.items() if n == 0]
    return st.tasks
