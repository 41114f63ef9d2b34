-- int_task_terms holds each text's terms once: one row per (text_md5, term); a text without any
-- term has exactly one row, term and weight null; every term has a weight. A text's rows are
-- written together (delete+insert on text_md5), so the rebuilt texts are checked whole.
with

terms as (

    select * from {{ rebuilt_rows(ref('int_task_terms')) }}

),

final as (

    select
        text_md5,
        count(*) as term_rows,
        count(term) as terms,
        count(distinct term) as distinct_terms,
        count(*) filter (where (term is null) <> (weight is null)) as rows_with_null_mismatch

    from terms
    group by text_md5
    having
        count(distinct term) <> count(term)
        or count(*) filter (where (term is null) <> (weight is null)) > 0
        or (count(term) < count(*) and count(*) > 1)

)

select * from final
