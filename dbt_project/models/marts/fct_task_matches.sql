-- Matched task pairs of compared plans (one-to-one per plan pair), with the evidence:
--   year_over_year : task of a plan ↔ task of the same publisher's previous plan
--   district_city  : task of a district plan ↔ task of the city plan (same organ type, year)
-- similarity = cosine of the tasks' jieba tf-idf vectors (int_task_terms); key_terms =
-- the shared terms that weigh most; confidence_band high / medium (var thresholds).

-- Incremental per plan pair (macros/incremental_versions.sql, plan_pair_inputs): a pair is rebuilt
-- when it is new or one of its versions changed (new version, re-load: the task columns come
-- from int_tasks_joined); the post-hook drops the matches of pairs gone or rebuilt without a match.
-- Seeds or match vars changed: --full-refresh.

{{ config_incremental_by_inputs('plan_pair_id', 'plan_pair_inputs') }}

with

plan_pairs as (

    {{ plan_pairs_to_build() }}

),

matches as (

    {{ current_task_matches('plan_pairs') }}

),

tasks as (

    select task_id, seq, task_name, task_content, theme_code
    from {{ ref('int_tasks_joined') }}
    {% if is_incremental() %}
    where document_version_id in ({{ plan_pair_versions('plan_pairs') }})
    {% endif %}

),

final as (

    select
        matches.task_match_id,
        matches.plan_pair_id,
        matches.comparison_type,
        plan_pairs.document_key as document_id,
        plan_pairs.matched_document_key as matched_document_id,
        plan_pairs.publisher_id,
        plan_pairs.plan_year,
        plan_pairs.matched_plan_year,
        plan_pairs.year_gap,
        matches.task_id,
        tasks.seq,
        tasks.task_name,
        tasks.task_content,
        tasks.theme_code,
        matches.matched_task_id,
        matched_tasks.seq as matched_seq,
        matched_tasks.task_name as matched_task_name,
        matched_tasks.task_content as matched_task_content,
        matched_tasks.theme_code as matched_theme_code,
        matches.similarity,
        matches.shared_term_count,
        array_to_string(matches.key_terms, '、') as key_terms,
        matches.confidence_band,
        {{ var('task_match_threshold') }} as similarity_threshold,
        plan_pairs.inputs_key

    from matches
    inner join plan_pairs using (plan_pair_id)
    inner join tasks using (task_id)
    inner join tasks as matched_tasks
        on matches.matched_task_id = matched_tasks.task_id

)

select * from final
