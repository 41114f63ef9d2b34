with

source as (

    select * from {{ source('work_plans', 'load_audit') }}

),

renamed as (

    select
        load_id,
        dag_id,
        run_id,
        task_id as airflow_task_id,
        document_version_id,
        started_at,
        ended_at,
        rows_loaded,
        status as load_status

    from source

)

select * from renamed
