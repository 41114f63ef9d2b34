-- The plan pairs whose tasks are compared (primary current plans only):
--   year_over_year : a publisher's plan vs its previous plan (latest earlier year)
--   district_city  : a district plan vs the city plan of the same organ type and year
-- "plan" is the left side (the newer / district plan), "matched plan" the right.
-- load_id / matched_load_id: the loads of the two versions' tasks (a re-parse keeps the version id
-- and gets a new load): the pair models score a pair again when any of the four ids changes.

with

plans as (

    select * from {{ ref('int_document_versions_ranked') }}
    where is_primary_plan and plan_year is not null

),

year_over_year as (

    select
        'year_over_year' as comparison_type,
        current_plan.document_key,
        current_plan.document_version_id,
        current_plan.load_id,
        previous_plan.document_key as matched_document_key,
        previous_plan.document_version_id as matched_document_version_id,
        previous_plan.load_id as matched_load_id,
        current_plan.publisher_id,
        current_plan.plan_year,
        previous_plan.plan_year as matched_plan_year

    from plans as current_plan
    inner join plans as previous_plan
        on current_plan.publisher_id = previous_plan.publisher_id
        and previous_plan.plan_year < current_plan.plan_year
    qualify row_number() over (
        partition by current_plan.document_key
        order by previous_plan.plan_year desc
    ) = 1

),

district_city as (

    select
        'district_city' as comparison_type,
        district_plan.document_key,
        district_plan.document_version_id,
        district_plan.load_id,
        city_plan.document_key as matched_document_key,
        city_plan.document_version_id as matched_document_version_id,
        city_plan.load_id as matched_load_id,
        district_plan.publisher_id,
        district_plan.plan_year,
        city_plan.plan_year as matched_plan_year

    from plans as district_plan
    inner join plans as city_plan
        on district_plan.organ_type = city_plan.organ_type
        and district_plan.plan_year = city_plan.plan_year
    where district_plan.jurisdiction_level = 'district'
        and city_plan.jurisdiction_level = 'city'

),

unioned as (

    select * from year_over_year
    union all
    select * from district_city

),

final as (

    select
        md5(comparison_type || '|' || document_key || '|' || matched_document_key) as plan_pair_id,
        *,
        plan_year - matched_plan_year as year_gap

    from unioned

)

select * from final
