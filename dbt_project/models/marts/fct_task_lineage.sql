-- Provenance of every task row (all versions, current or not): task → document
-- version → crawl request (url, fetched_at, status, sha256, WARC record) →
-- load_audit (DAG run) → parser → GX validation outcome.

with

tasks as (

    select task_id, document_version_id, seq, load_id as task_load_id
    from {{ ref('stg_work_plans__tasks') }}

),

versions as (

    select * from {{ ref('int_document_versions_ranked') }}

),

requests as (

    select * from {{ ref('stg_work_plans__crawl_requests') }}

),

loads as (

    select * from {{ ref('stg_work_plans__load_audit') }}

),

documents as (

    select * from {{ ref('stg_work_plans__documents') }}

),

validations as (

    select * from {{ ref('int_document_versions_validated') }}

),

final as (

    select
        tasks.task_id,
        tasks.seq,
        versions.document_key as document_id,
        tasks.document_version_id,
        versions.version_number,
        versions.version_count,
        versions.is_current_version,
        documents.portal_id,
        documents.notice_url,
        versions.source_url,
        versions.source_format,
        versions.request_id,
        requests.request_url,
        requests.final_url,
        requests.fetched_at,
        requests.http_status,
        requests.content_type,
        requests.content_sha256,
        requests.warc_file,
        requests.warc_offset,
        requests.warc_length,
        requests.dag_id as crawl_dag_id,
        requests.run_id as crawl_run_id,
        tasks.task_load_id as load_id,
        loads.dag_id as load_dag_id,
        loads.run_id as load_run_id,
        loads.airflow_task_id as load_task_id,
        loads.load_status,
        loads.started_at as load_started_at,
        loads.ended_at as load_ended_at,
        versions.parser_name,
        versions.parser_version,
        versions.warning_count as parser_warning_count,
        coalesce(validations.validation_suites, 0) as validation_suites,
        coalesce(validations.validation_suites_passed, 0) as validation_suites_passed,
        validations.is_validation_success,
        validations.expectations_failed,
        validations.validation_suite_names,
        validations.gx_version,
        validations.last_validated_at

    from tasks
    inner join versions using (document_version_id)
    left join documents on versions.document_key = documents.document_key
    left join requests on versions.request_id = requests.request_id
    left join loads on tasks.task_load_id = loads.load_id
    left join validations using (document_version_id)

)

select * from final
