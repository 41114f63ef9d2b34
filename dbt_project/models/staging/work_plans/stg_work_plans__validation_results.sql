with

source as (

    select * from {{ source('work_plans', 'validation_results') }}

),

renamed as (

    select
        validation_id,
        document_version_id,
        suite as validation_suite,
        success as is_success,
        evaluated as expectations_evaluated,
        failed as expectations_failed,
        failures as failures_json,
        gx_version,
        validated_at,
        load_id

    from source

)

select * from renamed
