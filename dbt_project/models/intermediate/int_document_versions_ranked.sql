-- Every document version, ranked within its document (latest fetched_at is
-- current) and attributed to a publisher, jurisdiction and organ type
-- (int_document_versions_attributed; seeds enrich, they never gate). A
-- document's current version is its "plan";
-- when one publisher has several plans for one year, the primary one (most
-- tasks, then latest fetched) is the one compared year over year.

with

versions as (

    select * from {{ ref('stg_work_plans__document_versions') }}

),

open_quarantine as (

    select document_version_id
    from {{ ref('stg_work_plans__quarantine') }}
    where not is_resolved

),

attributions as (

    select * from {{ ref('int_document_versions_attributed') }}

),

with_publisher as (

    select
        -- the excluded names are columns of versions
        versions.* exclude (issuer_name, jurisdiction_name),  -- noqa: RF02
        attributions.* exclude (document_version_id),
        versions.document_version_id in (select open_quarantine.document_version_id from open_quarantine)
            as is_quarantined

    from versions
    inner join attributions using (document_version_id)

),

ranked as (

    select
        *,
        row_number() over (
            partition by document_key
            order by fetched_at, loaded_at, document_version_id
        ) as version_number,
        count(*) over (partition by document_key) as version_count,
        lag(document_version_id) over (
            partition by document_key
            order by fetched_at, loaded_at, document_version_id
        ) as previous_version_id,
        -- quarantined versions never become current
        row_number() over (
            partition by document_key
            order by is_quarantined asc, fetched_at desc, loaded_at desc, document_version_id desc
        ) = 1 and not is_quarantined as is_current_version

    from with_publisher

),

primary_plans as (

    select
        document_version_id,
        row_number() over (
            partition by publisher_id, plan_year
            order by declared_task_count desc, fetched_at desc, document_key asc
        ) = 1 as is_primary_plan

    from ranked
    where is_current_version

),

final as (

    select
        ranked.document_version_id,
        ranked.document_key,
        ranked.version_number,
        ranked.version_count,
        ranked.previous_version_id,
        ranked.is_current_version,
        coalesce(primary_plans.is_primary_plan, false) as is_primary_plan,
        ranked.is_quarantined,
        ranked.publisher_id,
        ranked.is_reference_publisher,
        ranked.issuer_name,
        ranked.issuer_source,
        ranked.issuer_normalized,
        ranked.organ_type,
        ranked.organ_type_label,
        ranked.organ_kind,
        ranked.organ_field,
        ranked.organ_level,
        ranked.jurisdiction_code,
        ranked.jurisdiction_name,
        ranked.document_jurisdiction_name,
        ranked.jurisdiction_level,
        ranked.plan_year,
        ranked.document_title,
        ranked.doc_number,
        ranked.issued_on,
        ranked.layout,
        ranked.declared_task_count,
        ranked.source_url,
        ranked.source_format,
        ranked.request_id,
        ranked.fetched_at,
        ranked.parser_name,
        ranked.parser_version,
        ranked.warning_count,
        ranked.load_id,
        ranked.loaded_at

    from ranked
    left join primary_plans using (document_version_id)

)

select * from final
