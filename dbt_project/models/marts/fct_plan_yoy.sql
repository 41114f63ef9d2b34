-- One row per publisher × plan year that has an earlier plan from the same
-- publisher: the plan vs that previous plan (year_gap may exceed 1 when years
-- are missing). Continued = matched one-to-one in int_task_pairs_matched (split by
-- confidence band: high / medium); new /
-- dropped = unmatched on either side. Units = distinct canonical departments
-- (lead or support), collective placeholders such as 各单位 excluded.

-- Incremental per plan pair (macros/incremental_versions.sql, plan_pair_inputs): a pair is
-- rebuilt when it is new or one of its versions changed (new version, re-load, publisher).

{{ config_incremental_by_inputs('plan_yoy_id', 'plan_pair_inputs') }}

with

plan_pairs as (

    {{ plan_pairs_to_build('year_over_year') }}

),

tasks as (

    select document_version_id, count(*) as task_count
    from {{ ref('int_tasks_joined') }}
    {% if is_incremental() %}
    where document_version_id in ({{ plan_pair_versions('plan_pairs') }})
    {% endif %}
    group by document_version_id

),

matches as (

    select
        plan_pair_id,
        count(*) as tasks_continued,
        count(*) filter (where confidence_band = 'high') as tasks_continued_high,
        count(*) filter (where confidence_band = 'medium') as tasks_continued_medium,
        avg(similarity) as avg_continued_similarity

    from ({{ current_task_matches('plan_pairs') }})
    group by plan_pair_id

),

departments as (

    select distinct document_version_id, department_id
    from {{ ref('int_task_units_unnested') }}
    where not is_collective
    {% if is_incremental() %}
        and document_version_id in ({{ plan_pair_versions('plan_pairs') }})
    {% endif %}

),

current_departments as (

    select plan_pairs.plan_pair_id, departments.department_id
    from plan_pairs
    inner join departments
        on departments.document_version_id = plan_pairs.document_version_id

),

previous_departments as (

    select plan_pairs.plan_pair_id, departments.department_id
    from plan_pairs
    inner join departments
        on departments.document_version_id = plan_pairs.matched_document_version_id

),

department_changes as (

    select
        coalesce(current_departments.plan_pair_id, previous_departments.plan_pair_id) as plan_pair_id,
        count(current_departments.department_id) as units_current,
        count(previous_departments.department_id) as units_previous,
        count(*) filter (where previous_departments.department_id is null) as units_added,
        count(*) filter (where current_departments.department_id is null) as units_removed,
        count(*) filter (
            where current_departments.department_id is not null
                and previous_departments.department_id is not null
        ) as units_kept

    from current_departments
    full outer join previous_departments
        on current_departments.plan_pair_id = previous_departments.plan_pair_id
        and current_departments.department_id = previous_departments.department_id
    group by coalesce(current_departments.plan_pair_id, previous_departments.plan_pair_id)

),

final as (

    select
        plan_pairs.plan_pair_id as plan_yoy_id,
        plan_pairs.publisher_id,
        plan_pairs.plan_year,
        plan_pairs.matched_plan_year as previous_plan_year,
        plan_pairs.year_gap,
        plan_pairs.document_key as document_id,
        plan_pairs.matched_document_key as previous_document_id,
        current_tasks.task_count as tasks,
        previous_tasks.task_count as tasks_previous,
        coalesce(matches.tasks_continued, 0) as tasks_continued,
        coalesce(matches.tasks_continued_high, 0) as tasks_continued_high,
        coalesce(matches.tasks_continued_medium, 0) as tasks_continued_medium,
        current_tasks.task_count - coalesce(matches.tasks_continued, 0) as tasks_new,
        previous_tasks.task_count - coalesce(matches.tasks_continued, 0) as tasks_dropped,
        current_tasks.task_count - previous_tasks.task_count as tasks_change,
        round(coalesce(matches.tasks_continued, 0) / nullif(previous_tasks.task_count, 0), 4)
            as previous_tasks_continued_share,
        round(matches.avg_continued_similarity, 4) as avg_continued_similarity,
        coalesce(department_changes.units_current, 0) as units,
        coalesce(department_changes.units_previous, 0) as units_previous,
        coalesce(department_changes.units_added, 0) as units_added,
        coalesce(department_changes.units_removed, 0) as units_removed,
        coalesce(department_changes.units_kept, 0) as units_kept,
        plan_pairs.inputs_key

    from plan_pairs
    left join tasks as current_tasks
        on current_tasks.document_version_id = plan_pairs.document_version_id
    left join tasks as previous_tasks
        on previous_tasks.document_version_id = plan_pairs.matched_document_version_id
    left join matches using (plan_pair_id)
    left join department_changes using (plan_pair_id)

)

select * from final
