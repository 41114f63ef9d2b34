with

source as (

    select * from {{ source('work_plans', 'version_parts') }}

),

renamed as (

    select
        md5(document_version_id || '|' || part_no::varchar) as version_part_id,
        document_version_id,
        part_no,
        role as part_role,
        url as part_url,
        lower(format) as part_format,
        sha256 as content_sha256,
        request_id

    from source

)

select * from renamed
