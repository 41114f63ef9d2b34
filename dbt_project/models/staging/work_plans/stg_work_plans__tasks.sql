with

source as (

    select * from {{ source('work_plans', 'tasks') }}

),

renamed as (

    select
        task_id,
        document_version_id,
        seq,
        -- whitespace inside CJK text is a PDF line-break artefact, not content
        nullif(regexp_replace(task_name, '\s', '', 'g'), '') as task_name,
        nullif(regexp_replace(section, '\s', '', 'g'), '') as section,
        regexp_replace(task_content, '\s', '', 'g') as task_content,
        responsible_raw,
        coalesce(lead_units, []::varchar[]) as lead_units,
        coalesce(support_units, []::varchar[]) as support_units,
        units_open_list,
        nullif(regexp_replace(deadline_raw, '\s', '', 'g'), '') as deadline_raw,
        -- read by the extractor (extract.tasks.normalize.read_deadline), stored by the loader
        deadline_kind,
        deadline_date,
        load_id,
        loaded_at

    from source

)

select * from renamed
