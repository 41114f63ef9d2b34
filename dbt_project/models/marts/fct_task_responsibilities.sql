-- Task × responsible unit × role (lead / support) for current plans, with the
-- canonical department and its functional category.
-- Incremental per document version (macros/incremental_versions.sql): a current version is
-- rebuilt when new, re-loaded (load_id) or re-attributed; the post-hook drops the rows of
-- versions that are no longer current (superseded by a new version, quarantined).

{% set version_columns = [
    'document_version_id', 'load_id', 'document_id', 'publisher_id', 'jurisdiction_code', 'organ_type', 'plan_year'] %}

{{ config_incremental_by_version('int_document_versions_ranked', current_only=true) }}

with

current_versions as (

    select
        document_version_id,
        load_id,
        document_key as document_id,
        publisher_id,
        jurisdiction_code,
        organ_type,
        plan_year

    from {{ ref('int_document_versions_ranked') }}
    where is_current_version

),

units as (

    select * from {{ ref('int_task_units_unnested') }}
    {% if is_incremental() %}
        where document_version_id in ({{ changed_versions('current_versions', version_columns) }})
    {% endif %}

),

final as (

    select
        units.task_responsibility_id,
        units.task_id,
        current_versions.document_id,
        units.document_version_id,
        current_versions.publisher_id,
        units.jurisdiction_code,
        units.organ_type,
        current_versions.plan_year,
        units.unit_role,
        units.unit_position,
        units.unit_raw,
        units.department_id,
        units.department_name,
        units.department_category,
        units.unit_kind,
        units.is_collective,
        units.is_alias_matched,
        units.load_id

    from units
    inner join current_versions using (document_version_id)

)

select * from final
