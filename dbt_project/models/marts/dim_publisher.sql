-- One row per publisher = jurisdiction × issuing organ (organ_type). Issuer
-- spellings that belong to one organ (浦东新区人民政府 / 浦东新区人民政府办公室)
-- share a publisher. Publishers seen in documents but missing from
-- seeds.publishers are added with is_reference = false.

with

reference as (

    select * from {{ ref('publishers') }}

),

reference_publishers as (

    select
        publisher_id,
        any_value(publisher_name) as publisher_name,
        any_value(jurisdiction_code) as jurisdiction_code,
        any_value(organ_type) as organ_type,
        list_sort(list(issuer_name)) as issuer_names,
        true as is_reference

    from reference
    group by publisher_id

),

observed_only as (

    select
        publisher_id,
        min(issuer_name) as publisher_name,
        any_value(jurisdiction_code) as jurisdiction_code,
        any_value(organ_type) as organ_type,
        list_sort(list(distinct issuer_name)) as issuer_names,
        false as is_reference

    from {{ ref('int_document_versions_ranked') }}
    where publisher_id not in (select publisher_id from reference)
    group by publisher_id

),

unioned as (

    select * from reference_publishers
    union all
    select * from observed_only

),

plans as (

    select
        publisher_id,
        count(*) as current_plan_count,
        min(plan_year) as first_plan_year,
        max(plan_year) as last_plan_year

    from {{ ref('int_document_versions_ranked') }}
    where is_current_version
    group by publisher_id

),

final as (

    select
        unioned.publisher_id,
        unioned.publisher_name,
        unioned.jurisdiction_code,
        jurisdictions.jurisdiction_name,
        jurisdictions.jurisdiction_level,
        unioned.organ_type,
        case unioned.organ_type
            when 'government' then '人民政府'
            when 'market_supervision' then '市场监督管理'
            else unioned.organ_type
        end as organ_type_label,
        unioned.issuer_names,
        unioned.is_reference,
        coalesce(plans.current_plan_count, 0) as current_plan_count,
        plans.first_plan_year,
        plans.last_plan_year

    from unioned
    left join {{ ref('jurisdictions') }} as jurisdictions using (jurisdiction_code)
    left join plans using (publisher_id)

)

select * from final
