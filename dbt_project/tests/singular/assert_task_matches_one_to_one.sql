-- Within a plan pair a task is matched at most once on each side (per plan pair: the rows of the
-- plan pairs this build merged, macros/test_scope.sql).
with

by_task as (

    select plan_pair_id, 'task_id' as side, task_id as id, count(*) as n
    from {{ rebuilt_rows(ref('fct_task_matches')) }}
    group by all
    having count(*) > 1

),

by_matched_task as (

    select plan_pair_id, 'matched_task_id' as side, matched_task_id as id, count(*) as n
    from {{ rebuilt_rows(ref('fct_task_matches')) }}
    group by all
    having count(*) > 1

)

select * from by_task
union all
select * from by_matched_task
