-- Matched task pairs of compared plans (one-to-one per plan pair), with the evidence:
--   year_over_year : task of a plan ↔ task of the same publisher's previous plan
--   district_city  : task of a district plan ↔ task of the city plan (same organ type, year)
-- similarity = cosine of the tasks' jieba tf-idf vectors (int_task_terms); key_terms =
-- the shared terms that weigh most; confidence_band high / medium (var thresholds).

-- Incremental per plan pair (delete+insert on plan_pair_id): a plan pair is rebuilt when it
-- has a current match this table lacks (new pair, or a document of the pair got a new version)
-- or its pair columns changed; the post-hook drops matches no longer current (pair gone, or its
-- new versions have no match). Seeds or match vars changed: --full-refresh.

{% set pair_columns = [
    'plan_pair_id', 'comparison_type', 'document_id', 'matched_document_id', 'publisher_id', 'plan_year',
    'matched_plan_year', 'year_gap'] %}

{{ config(
    materialized='incremental',
    unique_key='plan_pair_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="delete from {{ this }} where task_match_id not in (select task_match_id from ({{ current_task_matches() }}))"
) }}

with

plan_pairs as (

    select
        plan_pair_id,
        comparison_type,
        document_key as document_id,
        matched_document_key as matched_document_id,
        publisher_id,
        plan_year,
        matched_plan_year,
        year_gap

    from {{ ref('int_plan_pairs_enumerated') }}

),

current_matches as (

    {{ current_task_matches() }}

),

matches as (

    select * from current_matches
    {% if is_incremental() %}
        where plan_pair_id in (
            select plan_pair_id from (
                select {{ pair_columns | join(', ') }} from plan_pairs
                except
                select distinct {{ pair_columns | join(', ') }} from {{ this }}
            ) as changed_pairs
            union
            select plan_pair_id from current_matches
            where task_match_id not in (select stored.task_match_id from {{ this }} as stored)
        )
    {% endif %}

),

tasks as (

    select task_id, seq, task_name, task_content, theme_code
    from {{ ref('int_tasks_joined') }}

),

final as (

    select
        matches.task_match_id,
        matches.plan_pair_id,
        matches.comparison_type,
        plan_pairs.document_id,
        plan_pairs.matched_document_id,
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
        {{ var('task_match_threshold') }} as similarity_threshold

    from matches
    inner join plan_pairs using (plan_pair_id)
    inner join tasks using (task_id)
    inner join tasks as matched_tasks
        on matches.matched_task_id = matched_tasks.task_id

)

select * from final
