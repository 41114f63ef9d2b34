-- The GX validation outcome of each document version (one row per version
-- validated): suites run and passed, overall success, failed expectations.
-- Read by fct_task_lineage and fct_documents.

with

validations as (

    select * from {{ ref('stg_work_plans__validation_results') }}

),

final as (

    select
        document_version_id,
        count(*) as validation_suites,
        count(*) filter (where is_success) as validation_suites_passed,
        bool_and(is_success) as is_validation_success,
        sum(expectations_failed) as expectations_failed,
        list_sort(list(validation_suite)) as validation_suite_names,
        any_value(gx_version) as gx_version,
        max(validated_at) as last_validated_at

    from validations
    group by document_version_id

)

select * from final
