-- One row per plan year × jurisdiction × organ type (current plans): task
-- volume, distinct lead departments, deadline profile and — for district
-- plans — the echo of the city plan of the same organ type and year: the share
-- of the city's tasks that have a one-to-one match in the district plan(s).
-- Tasks per theme: fct_jurisdiction_year_themes.

-- Incremental per jurisdiction-year (macros/incremental_versions.sql, jurisdiction_year_inputs):
-- a key is rebuilt when one of its current versions or its district → city pairs changed.

{#- one deadlines_<kind> column per deadline kind; month and day deadlines are counted per month -#}
{%- set kind_columns = var('deadline_kinds') | reject('in', ['month', 'day']) | list %}

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

-- lead units of current tasks, with their task's plan keys (one join)
lead_departments as (

    select
        tasks.plan_year,
        tasks.jurisdiction_code,
        tasks.organ_type,
        units.department_id,
        units.department_category,
        units.is_collective

    from {{ ref('int_task_units_unnested') }} as units
    inner join tasks using (task_id)
    where units.unit_role = 'lead'
    {% if is_incremental() %}
        and units.document_version_id in (select versions_to_build.document_version_id from versions_to_build)
    {% endif %}

),

plan_pairs as (

    select * from {{ ref('int_plan_pairs_enumerated') }}
    where comparison_type = 'district_city'
    {% if is_incremental() %}
        and document_version_id in (select versions_to_build.document_version_id from versions_to_build)
    {% endif %}

),

matches as (

    {{ current_task_matches('plan_pairs') }}

),

task_counts as (

    select
        plan_year,
        jurisdiction_code,
        organ_type,
        any_value(jurisdiction_name) as jurisdiction_name,
        any_value(jurisdiction_level) as jurisdiction_level,
        count(distinct document_key) as plans,
        list_sort(list(distinct publisher_id)) as publisher_ids,
        count(*) as tasks,
        count(*) filter (where deadline_date is not null) as tasks_with_deadline,
        count(*) filter (where has_dated_deadline) as tasks_with_dated_deadline,
        {% for m in range(1, 13) %}
        count(*) filter (where deadline_month = {{ m }}) as deadlines_m{{ '%02d' % m }},
        {% endfor %}
        {% for kind in kind_columns %}
        count(*) filter (where deadline_kind = '{{ kind }}') as deadlines_{{ kind }},
        {% endfor %}
        count(distinct theme_code) as themes

    from tasks
    group by plan_year, jurisdiction_code, organ_type

),

lead_counts as (

    select
        plan_year,
        jurisdiction_code,
        organ_type,
        count(distinct department_id) filter (where not is_collective) as distinct_lead_units,
        count(distinct department_category) filter (where not is_collective) as distinct_lead_categories

    from lead_departments
    group by all

),

district_plans as (

    select distinct
        versions.plan_year,
        versions.jurisdiction_code,
        versions.organ_type,
        plan_pairs.plan_pair_id,
        plan_pairs.matched_document_version_id as city_document_version_id

    from plan_pairs
    inner join {{ ref('int_document_versions_ranked') }} as versions
        on plan_pairs.document_version_id = versions.document_version_id

),

city_task_counts as (

    select document_version_id, count(*) as city_tasks
    from {{ ref('int_tasks_joined') }}
    where is_current_version
        and document_version_id in (select district_plans.city_document_version_id from district_plans)
    group by document_version_id

),

echo as (

    select
        district_plans.plan_year,
        district_plans.jurisdiction_code,
        district_plans.organ_type,
        max(city_task_counts.city_tasks) as city_tasks,
        count(distinct matches.matched_task_id) as city_tasks_echoed,
        count(distinct matches.task_id) as tasks_matching_city

    from district_plans
    inner join city_task_counts
        on city_task_counts.document_version_id = district_plans.city_document_version_id
    left join matches using (plan_pair_id)
    group by all

),

final as (

    select
        {{ surrogate_key(['task_counts.plan_year', 'task_counts.jurisdiction_code', 'task_counts.organ_type']) }}
            as jurisdiction_year_id,
        task_counts.plan_year,
        task_counts.jurisdiction_code,
        task_counts.jurisdiction_name,
        task_counts.jurisdiction_level,
        task_counts.organ_type,
        task_counts.plans,
        task_counts.publisher_ids,
        task_counts.tasks,
        coalesce(lead_counts.distinct_lead_units, 0) as distinct_lead_units,
        coalesce(lead_counts.distinct_lead_categories, 0) as distinct_lead_categories,
        task_counts.themes,
        task_counts.tasks_with_deadline,
        round(task_counts.tasks_with_deadline / task_counts.tasks, 4) as share_with_deadline,
        task_counts.tasks_with_dated_deadline,
        round(task_counts.tasks_with_dated_deadline / task_counts.tasks, 4) as share_with_dated_deadline,
        {% for m in range(1, 13) %}
        task_counts.deadlines_m{{ '%02d' % m }},
        {% endfor %}
        {% for kind in kind_columns %}
        task_counts.deadlines_{{ kind }},
        {% endfor %}
        echo.city_tasks,
        echo.city_tasks_echoed,
        echo.tasks_matching_city,
        round(echo.city_tasks_echoed / nullif(echo.city_tasks, 0), 4) as city_echo_share,
        inputs.inputs_key

    from task_counts
    left join lead_counts using (plan_year, jurisdiction_code, organ_type)
    left join echo using (plan_year, jurisdiction_code, organ_type)
    inner join inputs
        on inputs.jurisdiction_year_id = {{ surrogate_key([
            'task_counts.plan_year', 'task_counts.jurisdiction_code', 'task_counts.organ_type']) }}

)

select * from final
