"""extract.tasks.normalize: units and deadlines."""

from __future__ import annotations

import pytest

from extract.tasks.normalize import clean_text, cn_number, parse_deadline, split_units


@pytest.mark.parametrize(
    ("raw", "lead", "support", "open_list"),
    [
        ("区发改委、区商务委、区建交委等", ["区发改委", "区商务委", "区建交委"], [], True),
        ("区委宣传部、区政府办公室按职责分工负责", ["区委宣传部", "区政府办公室"], [], False),
        ("区司法局负责", ["区司法局"], [], False),
        ("各委办局等按职责分工负责", ["各委办局"], [], True),
        ("区财政局牵头，各相关单位落实", ["区财政局"], ["各相关单位"], False),
        ("区政务公开办、区大数据中心牵头，各单位落实", ["区政务公开办", "区大数据中心"], ["各单位"], False),
        ("区政府办公室（区政务公开办、区大数据中心）、区司法局", ["区政府办公室（区政务公开办、区大数据中心）", "区司法局"], [], False),
        ("区教育局，区民政局", ["区教育局", "区民政局"], [], False),
        ("文件起草 处室", ["文件起草处室"], [], False),
        ("牵头单位：区科委；配合单位：区经委、区商务委等", ["区科委"], ["区经委", "区商务委"], True),
        ("区民政局；配合单位：各街镇", ["区民政局"], ["各街镇"], False),
        ("区文旅局牵头，区体育局配合", ["区文旅局"], ["区体育局"], False),
        ("区财政局（牵头）、区审计局、各街镇等", ["区财政局"], ["区审计局", "各街镇"], True),
        ("区财政局牵头", ["区财政局"], [], False),
    ],
)
def test_split_units(raw: str, lead: list[str], support: list[str], open_list: bool) -> None:
    units = split_units(raw)
    assert (units.lead, units.support, units.open_list) == (lead, support, open_list)


def test_split_units_empty() -> None:
    units = split_units("")
    assert (units.raw, units.lead, units.support, units.open_list) == ("", [], [], False)


@pytest.mark.parametrize(
    ("raw", "year", "expected"),
    [
        ("全年", 2023, "2023-12-31"),
        ("全年", 2024, "2024-12-31"),
        ("11月", 2023, "2023-11-30"),
        ("2月", 2024, "2024-02-29"),
        ("8月份", 2023, "2023-08-31"),
        ("3月底", 2023, "2023-03-31"),
        ("11月底前", 2023, "2023-11-30"),
        ("4月20日前", 2023, "2023-04-20"),
        ("3月31日前", 2024, "2024-03-31"),
        ("次年1月", 2023, "2024-01-31"),
        ("次年2月", 2024, "2025-02-28"),
        ("６月底前", 2024, "2024-06-30"),
        ("十二月底", 2024, "2024-12-31"),
        ("年底前", 2024, "2024-12-31"),
        ("上半年", 2024, "2024-06-30"),
        ("第三季度", 2024, "2024-09-30"),
        ("3月-6月", 2024, "2024-06-30"),
        ("3月底、9月底", 2024, "2024-09-30"),
        ("2024年底前", 2024, "2024-12-31"),
        ("2025年年底前", 2024, "2025-12-31"),
        ("2024年上半年", 2024, "2024-06-30"),
        ("2024年第三季度", 2024, "2024-09-30"),
        ("10月底前完成", 2024, "2024-10-31"),
        ("6月30日前完成", 2024, "2024-06-30"),
        ("上半年完成", 2024, "2024-06-30"),
        ("2024年", 2024, None),
        ("9月中旬", 2024, None),
        ("长期坚持", 2024, None),
        ("持续推进", 2024, None),
        ("13月", 2024, None),
        ("", 2024, None),
        ("全年", None, None),
    ],
)
def test_parse_deadline(raw: str, year: int | None, expected: str | None) -> None:
    assert parse_deadline(raw, year) == expected


def test_clean_text_drops_spaces_inside_cjk_only() -> None:
    assert clean_text("公 开方式 与 PDF  files\n2024 年") == "公开方式与 PDF files 2024 年"


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("十", 10), ("十二", 12), ("二十四", 24), ("二〇二四", 2024), ("四", 4)])
def test_cn_number(text: str, value: int) -> None:
    assert cn_number(text) == value
