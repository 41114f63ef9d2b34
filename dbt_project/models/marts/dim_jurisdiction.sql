-- Shanghai and its districts (seeds.jurisdictions) plus one explicit unknown
-- member (var unknown_jurisdiction_code): plans whose issuer and jurisdiction
-- match no seeded jurisdiction (e.g. documents from outside Shanghai) point
-- there instead of carrying a null key.

with

jurisdictions as (

    select * from {{ ref('jurisdictions') }}

),

seeded as (

    select
        jurisdictions.jurisdiction_code,
        jurisdictions.jurisdiction_name,
        jurisdictions.jurisdiction_level,
        jurisdictions.parent_code,
        parent.jurisdiction_name as parent_name,
        false as is_unknown_member

    from jurisdictions
    left join jurisdictions as parent
        on jurisdictions.parent_code = parent.jurisdiction_code

),

unknown_member as (

    select
        '{{ var("unknown_jurisdiction_code") }}' as jurisdiction_code,
        '{{ var("unknown_jurisdiction_name") }}' as jurisdiction_name,
        'unknown' as jurisdiction_level,
        null::varchar as parent_code,
        null::varchar as parent_name,
        true as is_unknown_member

),

final as (

    select * from seeded
    union all
    select * from unknown_member

)

select * from final
