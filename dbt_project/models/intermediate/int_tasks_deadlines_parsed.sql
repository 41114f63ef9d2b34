-- Deadline kind and date as the extractor read them (extract.tasks.normalize.read_deadline,
-- the one deadline parser; stored in raw.tasks by the loader), with the figures the marts
-- count: whether the deadline is more precise than the year end, and its month.

with

tasks as (

    select * from {{ ref('stg_work_plans__tasks') }}

),

final as (

    select
        task_id,
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
