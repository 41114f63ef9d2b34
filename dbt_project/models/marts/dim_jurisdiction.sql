with

jurisdictions as (

    select * from {{ ref('jurisdictions') }}

),

final as (

    select
        jurisdictions.jurisdiction_code,
        jurisdictions.jurisdiction_name,
        jurisdictions.jurisdiction_level,
        jurisdictions.parent_code,
        parent.jurisdiction_name as parent_name

    from jurisdictions
    left join jurisdictions as parent
        on jurisdictions.parent_code = parent.jurisdiction_code

)

select * from final
