-- Deadline wording → date in SQL (macros/deadlines.sql), next to the date the
-- extractor stored. The extractor's date wins when present; the warehouse parse
-- fills gaps and is checked against it (assert_deadline_parse_agrees).

with

tasks as (

    select * from {{ ref('stg_work_plans__tasks') }}

),

versions as (

    select document_version_id, plan_year
    from {{ ref('stg_work_plans__document_versions') }}

),

parsed as (

    select
        tasks.task_id,
        tasks.deadline_raw,
        versions.plan_year,
        {{ deadline_kind('tasks.deadline_raw') }} as deadline_kind,
        {{ parse_deadline('tasks.deadline_raw', 'versions.plan_year') }} as deadline_date_parsed,
        tasks.deadline_date_extracted

    from tasks
    left join versions using (document_version_id)

),

final as (

    select
        task_id,
        deadline_raw,
        deadline_kind,
        deadline_date_extracted,
        deadline_date_parsed,
        coalesce(deadline_date_extracted, deadline_date_parsed) as deadline_date,
        deadline_kind in ('month', 'day', 'next_year') as has_dated_deadline,
        case
            when deadline_kind in ('month', 'day')
                then month(coalesce(deadline_date_extracted, deadline_date_parsed))
        end as deadline_month,
        (deadline_date_extracted is null
            or deadline_date_parsed is null
            or deadline_date_extracted = deadline_date_parsed) as is_parse_consistent

    from parsed

)

select * from final
