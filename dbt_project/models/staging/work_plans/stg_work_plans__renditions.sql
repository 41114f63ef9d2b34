with

source as (

    select * from {{ source('work_plans', 'renditions') }}

),

renamed as (

    select
        md5(document_key || '|' || url || '|' || sha256) as rendition_id,
        document_key,
        url as rendition_url,
        lower(format) as rendition_format,
        sha256 as content_sha256,
        request_id,
        seen_at

    from source

)

select * from renamed
