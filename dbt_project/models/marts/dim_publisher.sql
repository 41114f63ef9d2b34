-- One row per publisher (issuing organ). Seeded publishers (seeds.publishers)
-- carry their spellings as aliases; every other publisher seen in documents is
-- added with is_reference = false under the identity of
-- int_document_versions_attributed (jurisdiction × normalized issuer name) and
-- the organ type inferred from its name. Publishers missing from the seeds are
-- listed by the warning test assert_publishers_are_in_seeds.

with

reference as (

    select * from {{ ref('publishers') }}

),

issuers as (

    select * from {{ ref('int_issuers_classified') }}

),

versions as (

    select * from {{ ref('int_document_versions_ranked') }}

),

reference_publishers as (

    select
        reference.publisher_id,
        any_value(reference.publisher_name) as publisher_name,
        any_value(reference.jurisdiction_code) as jurisdiction_code,
        any_value(reference.organ_type) as organ_type,
        any_value(issuers.organ_kind) as organ_kind,
        any_value(issuers.organ_field) as organ_field,
        any_value(issuers.organ_type_label) as organ_type_label,
        list_sort(list(reference.issuer_name)) as issuer_names,
        true as is_reference

    from reference
    left join issuers using (issuer_name)
    group by reference.publisher_id

),

observed_only as (

    select
        publisher_id,
        min(issuer_normalized) as publisher_name,
        any_value(jurisdiction_code) as jurisdiction_code,
        any_value(organ_type) as organ_type,
        any_value(organ_kind) as organ_kind,
        any_value(organ_field) as organ_field,
        any_value(organ_type_label) as organ_type_label,
        list_sort(list(distinct issuer_name) filter (where issuer_name is not null)) as issuer_names,
        false as is_reference

    from versions
    where publisher_id not in (select reference.publisher_id from reference)
    group by publisher_id

),

unioned as (

    select * from reference_publishers
    union all
    select * from observed_only

),

observed as (

    select
        publisher_id,
        any_value(organ_level) as organ_level,
        any_value(document_jurisdiction_name) as observed_jurisdiction_name,
        list_sort(list(distinct issuer_name) filter (where issuer_name is not null)) as observed_issuer_names

    from versions
    group by publisher_id

),

plans as (

    select
        publisher_id,
        count(*) as current_plan_count,
        count(distinct plan_year) as plan_years,
        min(plan_year) as first_plan_year,
        max(plan_year) as last_plan_year

    from versions
    where is_current_version
    group by publisher_id

),

final as (

    select
        unioned.publisher_id,
        coalesce(unioned.publisher_name, '未识别发布机构') as publisher_name,
        unioned.jurisdiction_code,
        -- the unknown member shows the name the documents give (浙江省), if any
        case
            when jurisdictions.is_unknown_member
                then coalesce(observed.observed_jurisdiction_name, jurisdictions.jurisdiction_name)
            else jurisdictions.jurisdiction_name
        end as jurisdiction_name,
        coalesce(jurisdictions.jurisdiction_level, 'unknown') as jurisdiction_level,
        unioned.organ_type,
        coalesce(unioned.organ_type_label, unioned.organ_type) as organ_type_label,
        coalesce(unioned.organ_kind, 'unknown') as organ_kind,
        unioned.organ_field,
        coalesce(
            observed.organ_level,
            case when unioned.organ_kind = 'subdistrict' then 'subdistrict' end,
            jurisdictions.jurisdiction_level,
            'unknown'
        ) as organ_level,
        unioned.issuer_names,
        list_sort(list_distinct(list_concat(unioned.issuer_names, coalesce(observed.observed_issuer_names, []))))
            as issuer_names_seen,
        unioned.is_reference,
        coalesce(plans.current_plan_count, 0) as current_plan_count,
        coalesce(plans.plan_years, 0) as plan_years,
        plans.first_plan_year,
        plans.last_plan_year

    from unioned
    left join {{ ref('dim_jurisdiction') }} as jurisdictions using (jurisdiction_code)
    left join observed using (publisher_id)
    left join plans using (publisher_id)

)

select * from final
