-- Task rows of every document version with their plan attributes, deadline,
-- theme and unit counts. Marts filter to current versions.
-- Incremental per document version (macros/incremental_versions.sql): a version is rebuilt
-- when it is new, re-loaded (load_id) or one of its plan attributes below changed (it became
-- or stopped being the current version or the primary plan, publisher re-attributed).

{% set version_columns = [
    'document_version_id', 'load_id', 'document_key', 'is_current_version', 'is_primary_plan',
    'publisher_id', 'issuer_name', 'organ_type', 'jurisdiction_code', 'jurisdiction_name',
    'jurisdiction_level', 'plan_year'] %}

{{ config_incremental_by_version('int_document_versions_ranked') }}

with

versions as (

    select {{ version_columns | join(', ') }}
    from {{ ref('int_document_versions_ranked') }}

),

{% if is_incremental() %}
todo as (

    {{ changed_versions('versions', version_columns) }}

),
{% endif %}

tasks as (

    select * from {{ ref('stg_work_plans__tasks') }}
    {% if is_incremental() %}where document_version_id in (select todo.document_version_id from todo){% endif %}

),

deadlines as (

    select * from {{ ref('int_tasks_deadlines_parsed') }}
    {% if is_incremental() %}where document_version_id in (select todo.document_version_id from todo){% endif %}

),

themes as (

    select * from {{ ref('int_tasks_themed') }}
    {% if is_incremental() %}where document_version_id in (select todo.document_version_id from todo){% endif %}

),

units as (

    select
        task_id,
        count(*) filter (where unit_role = 'lead') as lead_unit_count,
        count(*) filter (where unit_role = 'support') as support_unit_count,
        count(*) filter (where not is_alias_matched) as unmapped_unit_count

    from {{ ref('int_task_units_unnested') }}
    {% if is_incremental() %}where document_version_id in (select todo.document_version_id from todo){% endif %}
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
