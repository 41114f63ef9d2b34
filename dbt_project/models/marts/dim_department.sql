-- Departments named as responsible units in current plans, canonicalized via
-- seeds.department_aliases and identified within their publisher.
-- department_category is the functional category used to compare districts.

-- Incremental per publisher (macros/incremental_versions.sql, publisher_inputs): a department
-- belongs to one publisher (its id hashes the publisher); a publisher's departments are
-- rebuilt when one of its current versions changed.

{{ config_incremental_by_inputs('publisher_id', 'publisher_inputs') }}

with

publishers as (

    {{ publisher_inputs() }}

),

publishers_to_build as (

    select * from publishers
    {% if is_incremental() %}
        where publisher_id in ({{ changed_keys('publishers', 'publisher_id') }})
    {% endif %}

),

units as (

    select units.*
    from {{ ref('int_task_units_unnested') }} as units
    inner join {{ ref('int_document_versions_ranked') }} as versions
        on units.document_version_id = versions.document_version_id
        and versions.is_current_version
    {% if is_incremental() %}
    where units.publisher_id in (select publishers_to_build.publisher_id from publishers_to_build)
    {% endif %}

),

departments as (

    select
        department_id,
        any_value(department_name) as department_name,
        any_value(department_category) as department_category,
        any_value(unit_kind) as unit_kind,
        any_value(is_collective) as is_collective,
        any_value(publisher_id) as publisher_id,
        any_value(jurisdiction_code) as jurisdiction_code,
        any_value(organ_type) as organ_type,
        list_sort(list(distinct unit_spelling)) as spellings,
        bool_and(is_alias_matched) as is_alias_matched,
        count(distinct task_id) filter (where unit_role = 'lead') as tasks_led,
        count(distinct task_id) filter (where unit_role = 'support') as tasks_supported

    from units
    group by department_id

),

final as (

    select departments.*, publishers_to_build.inputs_key
    from departments
    inner join publishers_to_build using (publisher_id)

)

select * from final
