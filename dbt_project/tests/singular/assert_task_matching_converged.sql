{{ config(severity='warn') }}
-- After var('task_match_rounds') rounds no candidate pair may have both tasks
-- unmatched; otherwise raise task_match_rounds.
with

candidates as (

    select * from {{ ref('int_task_pairs_scored') }}
    where similarity >= {{ var('task_match_threshold') }}

),

matches as (

    select * from {{ ref('int_task_pairs_matched') }}

)

select candidates.*
from candidates
where not exists (
        select 1 from matches
        where matches.plan_pair_id = candidates.plan_pair_id and matches.task_id = candidates.task_id
    )
    and not exists (
        select 1 from matches
        where matches.plan_pair_id = candidates.plan_pair_id
            and matches.matched_task_id = candidates.matched_task_id
    )
