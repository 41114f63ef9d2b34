-- The text of every task that int_task_terms segments, as a hash: text_md5 = surrogate key of the
-- name weight (var task_name_term_weight), the name's length, the name and the content, so tasks
-- carried over verbatim share one text and int_task_terms segments and weighs it once (the length
-- makes the split between name and content unambiguous). The staging view's texts are hashed
-- (ASCII whitespace already removed there): two texts that differ only in other whitespace (U+3000,
-- U+00A0) get two hashes and the same terms (int_task_terms strips all whitespace before it
-- segments).
-- Incremental per document version (macros/incremental_versions.sql): only versions new or
-- re-loaded (new load_id) since the last run are read; a version's rows are replaced whole, so a
-- task a re-parse dropped leaves no row.

{{ config_incremental_by_version('stg_work_plans__document_versions') }}
-- depends_on: {{ ref('stg_work_plans__document_versions') }}

with

final as (

    select
        task_id,
        document_version_id,
        load_id,
        {{ surrogate_key([
            "'" ~ var('task_name_term_weight') ~ "'", 'length(task_name)', 'task_name', 'task_content'
        ]) }} as text_md5

    from {{ ref('stg_work_plans__tasks') }}
    {{ where_version_reloaded() }}

)

select * from final
