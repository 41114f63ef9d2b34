-- Who published each document version. Seeds enrich, they never gate: every
-- version gets a publisher, a jurisdiction and an organ type, also for issuers
-- missing from seeds.publishers.
--   issuer       the document's issuer, else the notice page's 发布机构
--   jurisdiction seeds.publishers for a known spelling, else the document's
--                jurisdiction name, else (document silent) the longest seeded
--                jurisdiction the normalized issuer starts with, else var
--                unknown_jurisdiction_code (explicit; the document's wording
--                stays in document_jurisdiction_name)
--   publisher    seeds.publishers by normalized spelling (aliases merged; not
--                when the document names a place the seeds lack), else
--                the seeded publisher of the same jurisdiction × organ type for a
--                government or a department of a known field, else a new
--                identity <jurisdiction_code>-<12 hex> = key of jurisdiction ×
--                normalized issuer (stable: same name, same id)
--   organ        int_issuers_classified (seeds.organ_name_rules); organ_level =
--                subdistrict for a 街道/乡镇 organ, else the jurisdiction's level,
--                else what the name says, else 'unknown'

with

versions as (

    select
        versions.document_version_id,
        versions.jurisdiction_name,
        coalesce(versions.issuer_name, nullif(regexp_replace(notices.publisher_org, '\s', '', 'g'), ''))
            as issuer_name,
        case
            when versions.issuer_name is not null then 'document'
            when nullif(trim(notices.publisher_org), '') is not null then 'notice'
            else 'none'
        end as issuer_source

    from {{ ref('stg_work_plans__document_versions') }} as versions
    -- documents is the bridge to notice_url (joined by using): its alias is never selected
    left join {{ ref('stg_work_plans__documents') }} as documents using (document_key)  -- noqa: AL05
    left join {{ ref('stg_work_plans__notices') }} as notices using (notice_url)

),

issuers as (

    select * from {{ ref('int_issuers_classified') }}

),

jurisdictions as (

    select
        jurisdictions.*,
        parent.jurisdiction_name as parent_name

    from {{ ref('jurisdictions') }} as jurisdictions
    left join {{ ref('jurisdictions') }} as parent
        on jurisdictions.parent_code = parent.jurisdiction_code

),

seed_publishers as (

    select
        issuers.issuer_normalized,
        min(publishers.publisher_id) as publisher_id

    from {{ ref('publishers') }} as publishers
    inner join issuers using (issuer_name)
    group by issuers.issuer_normalized

),

-- a jurisdiction × organ type with exactly one seeded publisher: an unseeded
-- spelling of that organ (浦东新区市场监管局) joins it
seed_organs as (

    select jurisdiction_code, organ_type, min(publisher_id) as publisher_id
    from {{ ref('publishers') }}
    group by jurisdiction_code, organ_type
    having count(distinct publisher_id) = 1

),

seed_publisher_jurisdictions as (

    select distinct publisher_id, jurisdiction_code from {{ ref('publishers') }}

),

seed_publisher_types as (

    select distinct publisher_id, organ_type from {{ ref('publishers') }}

),

classified as (

    select
        versions.*,
        issuers.issuer_normalized,
        issuers.organ_kind,
        issuers.organ_field,
        issuers.organ_type,
        issuers.organ_type_label,
        issuers.name_level,
        jurisdiction_by_name.jurisdiction_code as named_jurisdiction_code,
        -- a place the document names but the seeds lack (浙江省舟山市) vetoes a
        -- seeded spelling that happens to be equal (普陀区人民政府)
        case
            when versions.jurisdiction_name is null or jurisdiction_by_name.jurisdiction_code is not null
                then seed_publishers.publisher_id
        end as seed_publisher_id

    from versions
    left join issuers using (issuer_name)
    left join seed_publishers using (issuer_normalized)
    left join jurisdictions as jurisdiction_by_name
        on versions.jurisdiction_name = jurisdiction_by_name.jurisdiction_name
        or versions.jurisdiction_name = jurisdiction_by_name.parent_name || jurisdiction_by_name.jurisdiction_name

),

jurisdiction_by_issuer as (

    select
        classified.document_version_id,
        jurisdictions.jurisdiction_code

    from classified
    inner join jurisdictions
        on starts_with(classified.issuer_normalized, jurisdictions.jurisdiction_name)
    -- a jurisdiction the document names but the seeds lack (浙江省) is not guessed over
    where classified.jurisdiction_name is null
    qualify row_number() over (
        partition by classified.document_version_id
        order by length(jurisdictions.jurisdiction_name) desc
    ) = 1

),

located as (

    select
        classified.*,
        coalesce(
            seed_by_id.jurisdiction_code,
            classified.named_jurisdiction_code,
            jurisdiction_by_issuer.jurisdiction_code,
            '{{ var("unknown_jurisdiction_code") }}'
        ) as jurisdiction_code

    from classified
    left join seed_publisher_jurisdictions as seed_by_id
        on classified.seed_publisher_id = seed_by_id.publisher_id
    left join jurisdiction_by_issuer using (document_version_id)

),

matched as (

    select
        located.*,
        seed_types.organ_type as seed_organ_type,
        case
            when located.organ_kind = 'government'
                or (located.organ_kind = 'department' and located.organ_type <> 'department')
                then seed_organs.publisher_id
        end as seed_organ_publisher_id

    from located
    left join seed_organs
        on located.jurisdiction_code = seed_organs.jurisdiction_code
        and located.organ_type = seed_organs.organ_type
    left join seed_publisher_types as seed_types
        on located.seed_publisher_id = seed_types.publisher_id

),

final as (

    select
        matched.document_version_id,
        matched.issuer_name,
        matched.issuer_source,
        matched.issuer_normalized,
        matched.jurisdiction_code,
        coalesce(jurisdictions.jurisdiction_name, '{{ var("unknown_jurisdiction_name") }}') as jurisdiction_name,
        matched.jurisdiction_name as document_jurisdiction_name,
        coalesce(jurisdictions.jurisdiction_level, 'unknown') as jurisdiction_level,
        coalesce(matched.organ_kind, 'unknown') as organ_kind,
        matched.organ_field,
        coalesce(matched.seed_organ_type, matched.organ_type, 'unknown') as organ_type,
        matched.organ_type_label,
        case
            when matched.organ_kind = 'subdistrict' then 'subdistrict'
            else coalesce(jurisdictions.jurisdiction_level, matched.name_level, 'unknown')
        end as organ_level,
        coalesce(
            matched.seed_publisher_id,
            matched.seed_organ_publisher_id,
            matched.jurisdiction_code || '-'
                || left({{ surrogate_key(['matched.jurisdiction_code', 'matched.issuer_normalized']) }}, 12)
        ) as publisher_id,
        coalesce(matched.seed_publisher_id, matched.seed_organ_publisher_id) is not null
            as is_reference_publisher

    from matched
    left join jurisdictions using (jurisdiction_code)

)

select * from final
