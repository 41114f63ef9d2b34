-- Task rows of every document version with their plan attributes, deadline,
-- theme and unit counts. Marts filter to current versions.

with

tasks as (

    select * from {{ ref('stg_work_plans__tasks') }}

),

versions as (

    select * from {{ ref('int_document_versions_ranked') }}

),

deadlines as (

    select * from {{ ref('int_tasks_deadlines_parsed') }}

),

themes as (

    select * from {{ ref('int_tasks_themed') }}

),

units as (

    select
        task_id,
        count(*) filter (where unit_role = 'lead') as lead_unit_count,
        count(*) filter (where unit_role = 'support') as support_unit_count,
        count(*) filter (where not is_alias_matched) as unmapped_unit_count

    from {{ ref('int_task_units_unnested') }}
    group by task_id

),

final as (

    select
        tasks.task_id,
        versions.document_key,
        tasks.document_version_id,
        versions.is_current_version,
        versions.is_primary_plan,
        versions.publisher_id,
        versions.issuer_name,
        versions.organ_type,
        versions.jurisdiction_code,
        versions.jurisdiction_name,
        versions.jurisdiction_level,
        versions.plan_year,
        tasks.seq,
        tasks.section,
        tasks.task_name,
        tasks.task_content,
        tasks.responsible_raw,
        tasks.lead_units,
        tasks.support_units,
        tasks.units_open_list,
        coalesce(units.lead_unit_count, 0) as lead_unit_count,
        coalesce(units.support_unit_count, 0) as support_unit_count,
        coalesce(units.unmapped_unit_count, 0) as unmapped_unit_count,
        deadlines.deadline_raw,
        deadlines.deadline_kind,
        deadlines.deadline_date,
        deadlines.deadline_month,
        deadlines.has_dated_deadline,
        themes.theme_code,
        themes.theme_rule_id,
        themes.is_theme_matched,
        tasks.load_id,
        tasks.loaded_at

    from tasks
    inner join versions using (document_version_id)
    left join deadlines using (task_id)
    left join themes using (task_id)
    left join units using (task_id)

)

select * from final
