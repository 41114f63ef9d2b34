{#-
    One-to-one matching of tasks within each plan pair. Candidates are pairs
    with similarity >= var('task_match_threshold'). Each round keeps the pairs
    that are each other's best remaining candidate (ties broken by task_id, so
    the order is total), then removes both tasks. Iterated to a fixpoint this is
    exactly greedy best-first matching; var('task_match_rounds') rounds are run
    and assert_task_matching_converged checks nothing is left over.
-#}
{%- set threshold = var('task_match_threshold') -%}
{%- set rounds = var('task_match_rounds') | int -%}

with

candidates_0 as (

    select plan_pair_id, comparison_type, task_id, matched_task_id, similarity, containment
    from {{ ref('int_task_pairs_scored') }}
    where similarity >= {{ threshold }}

),

{% for n in range(1, rounds + 1) %}
ranked_{{ n }} as (

    select
        *,
        row_number() over (
            partition by plan_pair_id, task_id
            order by similarity desc, matched_task_id
        ) as rank_for_task,
        row_number() over (
            partition by plan_pair_id, matched_task_id
            order by similarity desc, task_id
        ) as rank_for_matched_task

    from candidates_{{ n - 1 }}

),

matched_{{ n }} as (

    select plan_pair_id, comparison_type, task_id, matched_task_id, similarity, containment, {{ n }} as match_round
    from ranked_{{ n }}
    where rank_for_task = 1 and rank_for_matched_task = 1

),

candidates_{{ n }} as (

    select candidates.*
    from candidates_{{ n - 1 }} as candidates
    where not exists (
        select 1
        from matched_{{ n }} as matched
        where matched.plan_pair_id = candidates.plan_pair_id
            and (matched.task_id = candidates.task_id
                or matched.matched_task_id = candidates.matched_task_id)
    )

),
{% endfor %}

all_matches as (

    {% for n in range(1, rounds + 1) %}
    select * from matched_{{ n }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        md5(plan_pair_id || '|' || task_id || '|' || matched_task_id) as task_match_id,
        plan_pair_id,
        comparison_type,
        task_id,
        matched_task_id,
        similarity,
        containment,
        match_round

    from all_matches

)

select * from final
