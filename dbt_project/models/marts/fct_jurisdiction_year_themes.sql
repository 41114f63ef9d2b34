-- Tasks per theme for each plan year × jurisdiction × organ type (long format).

with

tasks as (

    select * from {{ ref('int_tasks_joined') }}
    where is_current_version

),

counts as (

    select
        plan_year,
        jurisdiction_code,
        organ_type,
        theme_code,
        count(*) as tasks

    from tasks
    group by all

),

final as (

    select
        {{ surrogate_key(['plan_year', 'jurisdiction_code', 'organ_type', 'theme_code']) }}
            as jurisdiction_year_theme_id,
        {{ surrogate_key(['plan_year', 'jurisdiction_code', 'organ_type']) }} as jurisdiction_year_id,
        plan_year,
        jurisdiction_code,
        organ_type,
        theme_code,
        tasks,
        round(tasks / sum(tasks) over (partition by plan_year, jurisdiction_code, organ_type), 4)
            as share_of_tasks

    from counts

)

select * from final
