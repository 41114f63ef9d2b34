with

source as (

    select * from {{ source('work_plans', 'document_versions') }}

),

renamed as (

    select
        document_version_id,
        document_key,
        source_url,
        lower(source_format) as source_format,
        request_id,
        fetched_at,
        trim(title) as document_title,
        nullif(trim(jurisdiction), '') as jurisdiction_name,
        nullif(regexp_replace(issuer, '\s', '', 'g'), '') as issuer_name,
        plan_year,
        nullif(trim(doc_number), '') as doc_number,
        issued_on,
        layout,
        task_count as declared_task_count,
        parser_name,
        parser_version,
        coalesce(json_array_length(warnings), 0) as warning_count,
        warnings as warnings_json,
        load_id,
        loaded_at

    from source

)

select * from renamed
