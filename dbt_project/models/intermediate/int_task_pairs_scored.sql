-- Every task × task combination of each compared plan pair, scored with the
-- Jaccard similarity of their character-bigram sets (0..1). Pairs sharing no
-- bigram are dropped. containment = |A ∩ B| / min(|A|, |B|) is informative only.

with

plan_pairs as (

    select * from {{ ref('int_plan_pairs_enumerated') }}

),

tasks as (

    select task_id, document_version_id
    from {{ ref('stg_work_plans__tasks') }}

),

texts as (

    select * from {{ ref('int_tasks_normalized_text') }}

),

task_texts as (

    select tasks.task_id, tasks.document_version_id, texts.text_bigrams
    from tasks
    inner join texts using (task_id)

),

scored as (

    select
        plan_pairs.plan_pair_id,
        plan_pairs.comparison_type,
        left_tasks.task_id,
        right_tasks.task_id as matched_task_id,
        {{ bigram_jaccard('left_tasks.text_bigrams', 'right_tasks.text_bigrams') }} as similarity,
        len(list_intersect(left_tasks.text_bigrams, right_tasks.text_bigrams))::double
            / nullif(least(len(left_tasks.text_bigrams), len(right_tasks.text_bigrams)), 0) as containment

    from plan_pairs
    inner join task_texts as left_tasks
        on plan_pairs.document_version_id = left_tasks.document_version_id
    inner join task_texts as right_tasks
        on plan_pairs.matched_document_version_id = right_tasks.document_version_id

),

final as (

    select
        md5(plan_pair_id || '|' || task_id || '|' || matched_task_id) as task_pair_id,
        plan_pair_id,
        comparison_type,
        task_id,
        matched_task_id,
        round(similarity, 6) as similarity,
        round(containment, 6) as containment

    from scored
    where similarity > 0

)

select * from final
