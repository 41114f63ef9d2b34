-- Task × responsible unit × role (lead / support) for current plans, with the
-- canonical department and its functional category.

with

units as (

    select * from {{ ref('int_task_units_unnested') }}

),

tasks as (

    select task_id, document_key, publisher_id, plan_year
    from {{ ref('int_tasks_joined') }}
    where is_current_version

),

final as (

    select
        units.task_responsibility_id,
        units.task_id,
        tasks.document_key as document_id,
        units.document_version_id,
        tasks.publisher_id,
        units.jurisdiction_code,
        units.organ_type,
        tasks.plan_year,
        units.unit_role,
        units.unit_position,
        units.unit_raw,
        units.department_id,
        units.department_name,
        units.department_category,
        units.unit_kind,
        units.is_collective,
        units.is_alias_matched

    from units
    inner join tasks using (task_id)

)

select * from final
