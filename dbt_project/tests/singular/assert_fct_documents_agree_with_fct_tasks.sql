-- fct_documents and fct_work_plan_tasks name the same current version of every
-- document, with the same number of tasks (rows returned = disagreements).

with

documents as (

    select document_id, document_version_id, task_count
    from {{ ref('fct_documents') }}

),

tasks as (

    select document_id, document_version_id, count(*) as task_count
    from {{ ref('fct_work_plan_tasks') }}
    group by all

),

final as (

    select
        coalesce(documents.document_id, tasks.document_id) as document_id,
        documents.document_version_id as fct_documents_version_id,
        tasks.document_version_id as fct_tasks_version_id,
        documents.task_count as fct_documents_tasks,
        tasks.task_count as fct_tasks_tasks

    from documents
    full outer join tasks using (document_id)
    where documents.document_version_id is distinct from tasks.document_version_id
        or documents.task_count is distinct from tasks.task_count

)

select * from final
