-- One row per task × responsible unit × role (lead / support), the unit's
-- spelling canonicalized through seeds.department_aliases. A department is
-- identified within its publisher (办公室 of the city bureau is not 办公室 of
-- the Pudong bureau, nor 办公室 of one street that of another street).

-- Incremental per document version (macros/incremental_versions.sql): versions new, re-loaded
-- or re-attributed (publisher, jurisdiction, organ type) since the last run are read; a change
-- of seeds.department_aliases needs --full-refresh.

{% set version_columns = [
    'document_version_id', 'load_id', 'document_key', 'publisher_id', 'jurisdiction_code', 'organ_type'] %}

{{ config_incremental_by_version('int_document_versions_ranked') }}

with

versions as (

    select {{ version_columns | join(', ') }}
    from {{ ref('int_document_versions_ranked') }}

),

tasks as (

    select * from {{ ref('stg_work_plans__tasks') }}
    {% if is_incremental() %}
        where document_version_id in ({{ changed_versions('versions', version_columns) }})
    {% endif %}

),

aliases as (

    select * from {{ ref('department_aliases') }}

),

lead_units as (

    select tasks.task_id, tasks.document_version_id, 'lead' as unit_role, u.unit_raw, u.unit_position
    from tasks, unnest(tasks.lead_units) with ordinality as u(unit_raw, unit_position)

),

support_units as (

    select tasks.task_id, tasks.document_version_id, 'support' as unit_role, u.unit_raw, u.unit_position
    from tasks, unnest(tasks.support_units) with ordinality as u(unit_raw, unit_position)

),

unioned as (

    select * from lead_units
    union all
    select * from support_units

),

canonicalized as (

    select
        unioned.task_id,
        unioned.document_version_id,
        versions.load_id,
        versions.document_key,
        unioned.unit_role,
        unioned.unit_position::integer as unit_position,
        unioned.unit_raw,
        regexp_replace(unioned.unit_raw, '\s', '', 'g') as unit_spelling,
        coalesce(aliases.canonical_name, regexp_replace(unioned.unit_raw, '\s', '', 'g')) as department_name,
        coalesce(aliases.category, '未归类') as department_category,
        coalesce(aliases.unit_kind, 'unmapped') as unit_kind,
        aliases.alias is not null as is_alias_matched,
        versions.publisher_id,
        versions.jurisdiction_code,
        versions.organ_type

    from unioned
    left join versions using (document_version_id)
    left join aliases
        on regexp_replace(unioned.unit_raw, '\s', '', 'g') = aliases.alias

),

final as (

    select
        md5(task_id || '|' || unit_role || '|' || unit_position::varchar) as task_responsibility_id,
        {{ surrogate_key(['publisher_id', 'department_name']) }} as department_id,
        *,
        unit_kind in ('collective', 'subdistrict_collective') as is_collective

    from canonicalized

)

select * from final
