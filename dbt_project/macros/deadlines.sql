{#- Deadline wording → date, the same rules as tests/fixtures/gold/README.md:
      全年 / 年底 / 年内 / 年底前        → 12-31 of the plan year
      N月, N月份, N月底, N月底前, N月前   → last day of month N (a trailing 完成 allowed)
      N月D日, N月D日前                   → that day
      次年N月 (…)                        → month N (or day D) of the next year
    Anything else → null (kind 'unparsed'); no text → kind 'none'. -#}

{% macro deadline_text(raw) -%}
    regexp_replace(coalesce({{ raw }}, ''), '\s', '', 'g')
{%- endmacro %}

{% macro deadline_kind(raw) -%}
    case
        when {{ deadline_text(raw) }} = '' then 'none'
        when regexp_matches({{ deadline_text(raw) }}, '^(全年|年内|年底|年底前|年末)(完成)?$') then 'full_year'
        when regexp_matches({{ deadline_text(raw) }}, '^次年\d{1,2}月') then 'next_year'
        when regexp_matches({{ deadline_text(raw) }}, '^\d{1,2}月\d{1,2}日') then 'day'
        when regexp_matches({{ deadline_text(raw) }}, '^\d{1,2}月(份|底|底前|前|末)?(完成)?$') then 'month'
        else 'unparsed'
    end
{%- endmacro %}

{% macro parse_deadline(raw, plan_year) -%}
    case {{ deadline_kind(raw) }}
        when 'full_year' then try(make_date({{ plan_year }}::bigint, 12, 31))
        when 'next_year' then
            case
                when regexp_extract({{ deadline_text(raw) }}, '^次年\d{1,2}月(\d{1,2})日', 1) <> ''
                then try(make_date(
                    {{ plan_year }}::bigint + 1,
                    regexp_extract({{ deadline_text(raw) }}, '^次年(\d{1,2})月', 1)::bigint,
                    regexp_extract({{ deadline_text(raw) }}, '^次年\d{1,2}月(\d{1,2})日', 1)::bigint))
                else try(last_day(make_date(
                    {{ plan_year }}::bigint + 1,
                    regexp_extract({{ deadline_text(raw) }}, '^次年(\d{1,2})月', 1)::bigint, 1)))
            end
        when 'day' then try(make_date(
            {{ plan_year }}::bigint,
            regexp_extract({{ deadline_text(raw) }}, '^(\d{1,2})月', 1)::bigint,
            regexp_extract({{ deadline_text(raw) }}, '^\d{1,2}月(\d{1,2})日', 1)::bigint))
        when 'month' then try(last_day(make_date(
            {{ plan_year }}::bigint,
            regexp_extract({{ deadline_text(raw) }}, '^(\d{1,2})月', 1)::bigint, 1)))
    end
{%- endmacro %}
