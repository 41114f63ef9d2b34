with

source as (

    select * from {{ source('work_plans', 'quarantine') }}

),

renamed as (

    select
        document_version_id,
        document_key,
        source_url,
        request_id,
        stage as quarantine_stage,
        reasons as reasons_json,
        coalesce(json_array_length(reasons), 0) as reason_count,
        warc_file,
        warc_offset,
        quarantined_at,
        attempts,
        resolved_at,
        (resolved_at is not null) as is_resolved,
        dag_id,
        run_id

    from source

)

select * from renamed
