{{ config(materialized='incremental', unique_key='plan_pair_id', incremental_strategy='delete+insert') }}
{#-
    Candidate task pairs of each compared plan pair, generated from shared
    terms (an inverted index joined in SQL: only tasks sharing at least one
    weighted term of int_task_terms meet), scored with the cosine similarity of
    their tf-idf vectors (0..1); pairs below var('task_candidate_min_similarity')
    are dropped. key_terms = the shared terms that contribute most, best first
    (at most 5), the evidence an analyst reads.

    Incremental: a plan pair is scored again only when it is new or one of its
    two document versions changed (delete+insert on plan_pair_id); term weights
    do not depend on the rest of the corpus, so untouched pairs keep their scores.
-#}

with

plan_pairs as (

    select plan_pair_id, comparison_type, document_version_id, matched_document_version_id
    -- the alias is used by the incremental filter only (not rendered on a full build)
    from {{ ref('int_plan_pairs_enumerated') }} as plan_pairs  -- noqa: AL05
    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as scored
        where scored.plan_pair_id = plan_pairs.plan_pair_id
            and scored.document_version_id = plan_pairs.document_version_id
            and scored.matched_document_version_id = plan_pairs.matched_document_version_id
    )
    {% endif %}

),

terms as (

    select terms.task_id, terms.document_version_id, terms.term, terms.weight
    from {{ ref('int_task_terms') }} as terms
    -- a task deleted by a re-parse of its version keeps no terms here
    inner join {{ ref('stg_work_plans__tasks') }} as tasks
        on tasks.task_id = terms.task_id
        and tasks.document_version_id = terms.document_version_id

),

shared_terms as (

    select
        plan_pairs.plan_pair_id,
        plan_pairs.comparison_type,
        plan_pairs.document_version_id,
        plan_pairs.matched_document_version_id,
        left_terms.task_id,
        right_terms.task_id as matched_task_id,
        left_terms.term,
        left_terms.weight * right_terms.weight as contribution

    from plan_pairs
    inner join terms as left_terms
        on left_terms.document_version_id = plan_pairs.document_version_id
    inner join terms as right_terms
        on right_terms.document_version_id = plan_pairs.matched_document_version_id
        and right_terms.term = left_terms.term

),

final as (

    select
        md5(plan_pair_id || '|' || task_id || '|' || matched_task_id) as task_pair_id,
        plan_pair_id,
        comparison_type,
        document_version_id,
        matched_document_version_id,
        task_id,
        matched_task_id,
        least(round(sum(contribution), 6), 1.0) as similarity,
        count(*) as shared_term_count,
        -- top 5 by contribution (ties by term, descending): a heap, not a sorted list per pair
        max_by(term, {'contribution': contribution, 'term': term}, 5) as key_terms

    from shared_terms
    group by all
    -- pairs this weak can neither match nor be a task's best score (task_match_threshold
    -- is higher), so they are not kept
    having sum(contribution) >= {{ var('task_candidate_min_similarity') }}

)

select * from final
