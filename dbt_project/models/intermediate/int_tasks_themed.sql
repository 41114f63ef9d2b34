-- One theme per task: every keyword rule (seeds.theme_keywords) is tested
-- against the whitespace-free task_name or task_content; the matching rule with
-- the lowest priority number wins. Unmatched tasks keep theme_code null and fail
-- the assert_every_task_has_a_theme test.
-- Incremental per document version (macros/incremental_versions.sql): only versions new or
-- re-loaded since the last run are read; a change of seeds.theme_keywords needs --full-refresh.

{{ config_incremental_by_version('stg_work_plans__document_versions') }}
-- depends_on: {{ ref('stg_work_plans__document_versions') }}

with

tasks as (

    select task_id, document_version_id, load_id, task_name, task_content
    from {{ ref('stg_work_plans__tasks') }}
    {{ where_version_reloaded() }}

),

rules as (

    select * from {{ ref('theme_keywords') }}

),

candidates as (

    select
        tasks.task_id,
        rules.rule_id,
        rules.priority,
        rules.theme_code,
        rules.match_field,
        rules.keyword

    from tasks
    inner join rules
        on contains(
            case rules.match_field
                when 'task_name' then coalesce(tasks.task_name, '')
                when 'task_content' then coalesce(tasks.task_content, '')
                else coalesce(tasks.task_name, '') || coalesce(tasks.task_content, '')
            end,
            rules.keyword
        )

),

best as (

    select
        *,
        count(*) over (partition by task_id) as matching_rule_count

    from candidates
    qualify row_number() over (partition by task_id order by priority, rule_id) = 1

),

final as (

    select
        tasks.task_id,
        tasks.document_version_id,
        tasks.load_id,
        best.theme_code,
        best.rule_id as theme_rule_id,
        best.match_field as theme_match_field,
        best.keyword as theme_keyword,
        coalesce(best.matching_rule_count, 0) as matching_rule_count,
        best.theme_code is not null as is_theme_matched

    from tasks
    left join best using (task_id)

)

select * from final
