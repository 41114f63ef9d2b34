-- Deadline kind and date as the extractor read them (extract.tasks.normalize.read_deadline,
-- the one deadline parser; stored in raw.tasks by the loader), with the figures the marts
-- count: whether the deadline is more precise than the year end, and its month.
-- Incremental per document version (macros/incremental_versions.sql): only versions new or
-- re-loaded (new load_id) since the last run are read.

{{ config_incremental_by_version('stg_work_plans__document_versions') }}
-- depends_on: {{ ref('stg_work_plans__document_versions') }}

with

tasks as (

    select * from {{ ref('stg_work_plans__tasks') }}
    {{ where_version_reloaded() }}

),

final as (

    select
        task_id,
        document_version_id,
        load_id,
        deadline_raw,
        deadline_kind,
        deadline_date,
        deadline_date is not null and deadline_kind <> 'full_year' as has_dated_deadline,
        case
            when deadline_kind in ('month', 'day') then month(deadline_date)
        end as deadline_month

    from tasks

)

select * from final
