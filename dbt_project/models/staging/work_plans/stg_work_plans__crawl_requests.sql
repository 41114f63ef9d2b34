with

source as (

    select * from {{ source('work_plans', 'crawl_requests') }}

),

renamed as (

    select
        request_id,
        portal_id,
        url as request_url,
        final_url,
        kind as request_kind,
        status as http_status,
        error as request_error,
        fetched_at,
        etag,
        last_modified,
        content_type,
        content_length,
        sha256 as content_sha256,
        warc_file,
        warc_offset,
        warc_length,
        -- a 304 stands for the archived bytes of this earlier request
        source_request_id,
        dag_id,
        run_id,
        -- fetched | not_modified | challenged (anti-bot page: archived, never parsed) | refused | error
        state as crawl_state,
        (status between 200 and 299 and coalesce(state, '') <> 'challenged') as is_success,
        (status = 304) as is_not_modified

    from source

)

select * from renamed
