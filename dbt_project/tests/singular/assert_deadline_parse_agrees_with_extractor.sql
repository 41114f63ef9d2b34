{{ config(severity='warn') }}
-- The SQL deadline parse and the extractor's deadline_date disagree.
select *
from {{ ref('int_tasks_deadlines_parsed') }}
where not is_parse_consistent
