-- Tasks per theme for each plan year × jurisdiction × organ type (long format).
-- Incremental per jurisdiction-year like fct_jurisdiction_year (macros/incremental_versions.sql).

{{ config_incremental_by_inputs('jurisdiction_year_id', 'jurisdiction_year_inputs') }}

with

versions_to_build as (

    {{ jurisdiction_year_versions_to_build() }}

),

inputs as (

    select distinct jurisdiction_year_id, inputs_key from versions_to_build

),

tasks as (

    select * from {{ ref('int_tasks_joined') }}
    where is_current_version
    {% if is_incremental() %}
        and document_version_id in (select versions_to_build.document_version_id from versions_to_build)
    {% endif %}

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
        {{ surrogate_key(['counts.plan_year', 'counts.jurisdiction_code', 'counts.organ_type', 'counts.theme_code']) }}
            as jurisdiction_year_theme_id,
        inputs.jurisdiction_year_id,
        counts.plan_year,
        counts.jurisdiction_code,
        counts.organ_type,
        counts.theme_code,
        counts.tasks,
        round(counts.tasks / sum(counts.tasks) over (
            partition by counts.plan_year, counts.jurisdiction_code, counts.organ_type), 4) as share_of_tasks,
        inputs.inputs_key

    from counts
    inner join inputs
        on inputs.jurisdiction_year_id = {{ surrogate_key([
            'counts.plan_year', 'counts.jurisdiction_code', 'counts.organ_type']) }}

)

select * from final
