-- One row per task of the CURRENT version of each document, with theme,
-- deadline, unit counts and how the task fares against the publisher's
-- previous / next plan (via int_task_pairs_matched).

with

tasks as (

    select * from {{ ref('int_tasks_joined') }}
    where is_current_version

),

plan_pairs as (

    select * from {{ ref('int_plan_pairs_enumerated') }}

),

matches as (

    {{ current_task_matches() }}

),

themes as (

    select theme_code, theme_name from {{ ref('themes') }}

),

-- this task's plan has a previous plan → continued (matched) or new
vs_previous as (

    select
        tasks.task_id,
        plan_pairs.matched_plan_year as previous_plan_year,
        matches.matched_task_id as previous_plan_task_id,
        matches.similarity as previous_plan_similarity

    from tasks
    inner join plan_pairs
        on tasks.document_key = plan_pairs.document_key
        and plan_pairs.comparison_type = 'year_over_year'
    left join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.task_id = tasks.task_id

),

-- this task's plan has a next plan → continued (matched) or dropped
in_next as (

    select
        tasks.task_id,
        plan_pairs.plan_year as next_plan_year,
        matches.task_id as next_plan_task_id

    from tasks
    inner join plan_pairs
        on tasks.document_key = plan_pairs.matched_document_key
        and plan_pairs.comparison_type = 'year_over_year'
    left join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.matched_task_id = tasks.task_id

),

vs_city as (

    select
        tasks.task_id,
        matches.matched_task_id as city_plan_task_id,
        matches.similarity as city_plan_similarity

    from tasks
    inner join plan_pairs
        on tasks.document_key = plan_pairs.document_key
        and plan_pairs.comparison_type = 'district_city'
    inner join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.task_id = tasks.task_id

),

final as (

    select
        tasks.task_id,
        tasks.document_key as document_id,
        tasks.document_version_id,
        tasks.jurisdiction_name as jurisdiction,
        tasks.jurisdiction_code,
        tasks.jurisdiction_level,
        tasks.issuer_name as issuer,
        tasks.publisher_id,
        tasks.organ_type,
        tasks.plan_year,
        tasks.is_primary_plan,
        tasks.seq,
        tasks.task_name,
        tasks.section,
        tasks.task_content,
        tasks.responsible_raw,
        tasks.lead_units,
        tasks.support_units,
        tasks.units_open_list,
        tasks.lead_unit_count,
        tasks.support_unit_count,
        tasks.deadline_raw,
        tasks.deadline_kind,
        tasks.deadline_date,
        tasks.deadline_month,
        tasks.has_dated_deadline,
        tasks.theme_code,
        themes.theme_name as theme,
        vs_previous.previous_plan_year,
        case
            when vs_previous.task_id is null then null
            when vs_previous.previous_plan_task_id is null then 'new'
            else 'continued'
        end as status_vs_previous_plan,
        vs_previous.previous_plan_task_id,
        vs_previous.previous_plan_similarity,
        in_next.next_plan_year,
        case
            when in_next.task_id is null then null
            when in_next.next_plan_task_id is null then 'dropped'
            else 'continued'
        end as status_in_next_plan,
        in_next.next_plan_task_id,
        vs_city.city_plan_task_id,
        vs_city.city_plan_similarity,
        tasks.load_id,
        tasks.loaded_at

    from tasks
    left join themes using (theme_code)
    left join vs_previous using (task_id)
    left join in_next using (task_id)
    left join vs_city using (task_id)

)

select * from final
