-- fct_plan_yoy split by theme: one row per publisher × plan year × theme that
-- occurs in either the plan or its previous plan. Long format so BI tools can
-- pivot / filter by theme without parsing JSON.

-- Incremental per plan pair like fct_plan_yoy (macros/incremental_versions.sql).

{{ config_incremental_by_inputs('plan_yoy_id', 'plan_pair_inputs') }}

with

plan_pairs as (

    {{ plan_pairs_to_build('year_over_year') }}

),

tasks as (

    select task_id, document_version_id, theme_code
    from {{ ref('int_tasks_joined') }}
    {% if is_incremental() %}
    where document_version_id in ({{ plan_pair_versions('plan_pairs') }})
    {% endif %}

),

matches as (

    {{ current_task_matches('plan_pairs') }}

),

current_counts as (

    select
        plan_pairs.plan_pair_id,
        tasks.theme_code,
        count(*) as tasks,
        count(matches.task_id) as tasks_continued

    from plan_pairs
    inner join tasks on tasks.document_version_id = plan_pairs.document_version_id
    left join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.task_id = tasks.task_id
    group by all

),

previous_counts as (

    select
        plan_pairs.plan_pair_id,
        tasks.theme_code,
        count(*) as tasks_previous,
        count(*) - count(matches.matched_task_id) as tasks_dropped

    from plan_pairs
    inner join tasks on tasks.document_version_id = plan_pairs.matched_document_version_id
    left join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.matched_task_id = tasks.task_id
    group by all

),

combined as (

    select
        coalesce(current_counts.plan_pair_id, previous_counts.plan_pair_id) as plan_pair_id,
        coalesce(current_counts.theme_code, previous_counts.theme_code) as theme_code,
        coalesce(current_counts.tasks, 0) as tasks,
        coalesce(previous_counts.tasks_previous, 0) as tasks_previous,
        coalesce(current_counts.tasks_continued, 0) as tasks_continued,
        coalesce(current_counts.tasks, 0) - coalesce(current_counts.tasks_continued, 0) as tasks_new,
        coalesce(previous_counts.tasks_dropped, 0) as tasks_dropped

    from current_counts
    full outer join previous_counts
        on current_counts.plan_pair_id = previous_counts.plan_pair_id
        and current_counts.theme_code is not distinct from previous_counts.theme_code

),

final as (

    select
        md5(combined.plan_pair_id || '|' || coalesce(combined.theme_code, '?')) as plan_yoy_theme_id,
        combined.plan_pair_id as plan_yoy_id,
        plan_pairs.publisher_id,
        plan_pairs.plan_year,
        plan_pairs.matched_plan_year as previous_plan_year,
        plan_pairs.year_gap,
        combined.theme_code,
        combined.tasks,
        combined.tasks_previous,
        combined.tasks - combined.tasks_previous as tasks_change,
        combined.tasks_continued,
        combined.tasks_new,
        combined.tasks_dropped,
        plan_pairs.inputs_key

    from combined
    inner join plan_pairs using (plan_pair_id)

)

select * from final
