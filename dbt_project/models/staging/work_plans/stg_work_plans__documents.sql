with

source as (

    select * from {{ source('work_plans', 'documents') }}

),

renamed as (

    select
        document_key,
        portal_id,
        notice_url,
        role as document_role,
        trim(title) as document_title,
        first_seen_at

    from source

)

select * from renamed
