-- Task text for similarity: task_name + task_content without whitespace,
-- punctuation or symbols, and its distinct character bigrams.

with

tasks as (

    select task_id, task_name, task_content
    from {{ ref('stg_work_plans__tasks') }}

),

normalized as (

    select
        task_id,
        {{ normalize_cjk_text("coalesce(task_name, '') || coalesce(task_content, '')") }} as normalized_text

    from tasks

),

final as (

    select
        task_id,
        normalized_text,
        length(normalized_text) as normalized_length,
        {{ char_bigrams('normalized_text') }} as text_bigrams

    from normalized

)

select * from final
