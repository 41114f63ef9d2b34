-- The plan pairs whose tasks are compared (primary current plans only):
--   year_over_year : a publisher's plan vs its previous plan (latest earlier year)
--   district_city  : a district plan vs the city plan of the same organ type and year
-- "plan" is the left side (the newer / district plan), "matched plan" the right.
-- load_id / matched_load_id: the loads of the two versions' tasks (a re-parse keeps the version id
-- and gets a new load): the pair models score a pair again when any of the four ids changes.
-- inputs_key: what the marts incremental per plan pair rebuild a pair on (macros/incremental_versions.sql,
-- plan_pair_inputs): md5 of the pair's columns and, for both versions, id, load_id and publisher;
-- worked out here once a build rather than by each of those marts and their post-hooks.

with

plans as (

    select * from {{ ref('int_document_versions_ranked') }}
    where is_primary_plan and plan_year is not null

),

-- a publisher has one primary plan a year (int_document_versions_ranked), so the row before a plan
-- in year order is its latest earlier plan: one window over the 16.7k plans instead of joining
-- every earlier plan and keeping the first (4.1M joined rows, 0.5 s at 1M tasks)
plans_with_previous as (

    select
        'year_over_year' as comparison_type,
        document_key,
        document_version_id,
        load_id,
        lag(document_key) over by_year as matched_document_key,
        lag(document_version_id) over by_year as matched_document_version_id,
        lag(load_id) over by_year as matched_load_id,
        lag(publisher_id) over by_year as matched_publisher_id,
        publisher_id,
        plan_year,
        lag(plan_year) over by_year as matched_plan_year

    from plans
    where publisher_id is not null
    window by_year as (partition by publisher_id order by plan_year)

),

year_over_year as (

    select * from plans_with_previous
    where matched_plan_year is not null

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
        city_plan.publisher_id as matched_publisher_id,
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

identified as (

    select
        md5(comparison_type || '|' || document_key || '|' || matched_document_key) as plan_pair_id,
        *

    from unioned

),

final as (

    select
        * exclude (matched_publisher_id),
        plan_year - matched_plan_year as year_gap,
        {{ surrogate_key([
            'plan_pair_id', 'comparison_type', 'document_key', 'matched_document_key', 'publisher_id',
            'plan_year', 'matched_plan_year', 'document_version_id', 'load_id', 'matched_document_version_id',
            'matched_load_id', 'matched_publisher_id']) }} as inputs_key

    from identified

)

select * from final
