-- Provenance of every task row (all versions, current or not): task → document
-- version → crawl request (url, fetched_at, status, sha256, WARC record) →
-- load_audit (DAG run) → parser → GX validation outcome.
-- Incremental per document version (macros/incremental_versions.sql): a version is rebuilt
-- when any of its version-level columns changed (new, re-loaded, new version of its document so
-- version_count / is_current_version moved, re-validated, load audit updated).

{% set version_columns = [
    'document_id', 'document_version_id', 'version_number', 'version_count', 'is_current_version',
    'portal_id', 'notice_url', 'source_url', 'source_format', 'request_id', 'request_url', 'final_url',
    'fetched_at', 'http_status', 'content_type', 'content_sha256', 'warc_file', 'warc_offset',
    'warc_length', 'crawl_dag_id', 'crawl_run_id', 'load_id', 'load_dag_id', 'load_run_id',
    'load_task_id', 'load_status', 'load_started_at', 'load_ended_at', 'parser_name', 'parser_version',
    'parser_warning_count', 'validation_suites', 'validation_suites_passed', 'is_validation_success',
    'expectations_failed', 'validation_suite_names', 'gx_version', 'last_validated_at'] %}

{{ config_incremental_by_version('int_document_versions_ranked') }}

with

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

-- one row per version: every column of a lineage row but the task's own (task_id, seq);
-- the load is the version's (extract/load.py writes a version and its tasks in one
-- transaction under one load_id)
version_lineage as (

    select
        versions.document_key as document_id,
        versions.document_version_id,
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
        versions.load_id,
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

    from versions
    left join documents on versions.document_key = documents.document_key
    left join requests on versions.request_id = requests.request_id
    left join loads on versions.load_id = loads.load_id
    left join validations on versions.document_version_id = validations.document_version_id

),

tasks as (

    select task_id, document_version_id, seq
    from {{ ref('stg_work_plans__tasks') }}
    {% if is_incremental() %}
        where document_version_id in ({{ changed_versions('version_lineage', version_columns) }})
    {% endif %}

),

final as (

    select
        tasks.task_id,
        tasks.seq,
        version_lineage.*

    from tasks
    inner join version_lineage using (document_version_id)

)

select * from final
