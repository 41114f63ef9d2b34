-- Each document contributes exactly the task rows of its current version.
with

facts as (

    select document_version_id, count(*) as fact_tasks
    from {{ ref('fct_work_plan_tasks') }}
    group by document_version_id

),

current_versions as (

    select document_key, document_version_id, declared_task_count
    from {{ ref('int_document_versions_ranked') }}
    where is_current_version

)

select current_versions.*, facts.fact_tasks
from current_versions
full outer join facts using (document_version_id)
where coalesce(facts.fact_tasks, -1) <> coalesce(current_versions.declared_task_count, -2)
