with

source as (

    select * from {{ source('work_plans', 'notices') }}

),

renamed as (

    select
        notice_url,
        portal_id,
        list_url,
        trim(title) as notice_title,
        index_no,
        doc_no,
        publisher_org,
        category as notice_category,
        published_on,
        detail_request_id,
        first_seen_at,
        last_seen_at

    from source

)

select * from renamed
