-- One row per document that has a current version: the version chosen by
-- int_document_versions_ranked (the newest version not in open quarantine;
-- that model is the one place the rule lives), with its task count,
-- validation outcome and lineage columns. The run summary (extract/runner.py)
-- and the HTML report (extract/report.py) read this model instead of deciding
-- "current" themselves.

with

versions as (

    select * from {{ ref('int_document_versions_ranked') }}

),

current_versions as (

    select * from versions
    where is_current_version

),

documents as (

    select * from {{ ref('stg_work_plans__documents') }}

),

task_counts as (

    select document_version_id, count(*) as task_count
    from {{ ref('stg_work_plans__tasks') }}
    group by document_version_id

),

validations as (

    select * from {{ ref('int_document_versions_validated') }}

),

quarantined_versions as (

    select
        document_key,
        count(*) as quarantined_versions

    from {{ ref('stg_work_plans__quarantine') }}
    where not is_resolved
    group by document_key

),

final as (

    select
        current_versions.document_key as document_id,
        current_versions.document_version_id,
        current_versions.version_number,
        current_versions.version_count,
        coalesce(quarantined_versions.quarantined_versions, 0) as quarantined_versions,
        documents.portal_id,
        documents.notice_url,
        current_versions.publisher_id,
        current_versions.issuer_name as issuer,
        current_versions.jurisdiction_code,
        current_versions.jurisdiction_name as jurisdiction,
        current_versions.organ_type,
        current_versions.plan_year,
        current_versions.document_title,
        current_versions.layout,
        current_versions.source_url,
        current_versions.source_format,
        current_versions.request_id,
        coalesce(task_counts.task_count, 0) as task_count,
        current_versions.declared_task_count,
        coalesce(validations.validation_suites, 0) as validation_suites,
        coalesce(validations.validation_suites_passed, 0) as validation_suites_passed,
        validations.is_validation_success,
        validations.expectations_failed,
        current_versions.parser_version,
        current_versions.load_id,
        current_versions.fetched_at,
        current_versions.loaded_at

    from current_versions
    left join documents on current_versions.document_key = documents.document_key
    left join task_counts using (document_version_id)
    left join validations using (document_version_id)
    left join quarantined_versions on current_versions.document_key = quarantined_versions.document_key

)

select * from final
