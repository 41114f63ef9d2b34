-- One row per issuer spelling (发布机构 as written in a document, on a notice
-- page or in seeds.publishers): its normalized name (macros/issuers.sql; a
-- leading parent jurisdiction is dropped when a seeded jurisdiction follows it:
-- 上海市黄浦区教育局 → 黄浦区教育局) and what its name says about the organ,
-- by the lowest-priority matching rule of seeds.organ_name_rules per target:
--   organ_kind  government | department | subdistrict | unknown
--   organ_field the field of a department (market_supervision, education, …;
--               'department' when no field rule matches), null otherwise
--   name_level  district | city | province from the name, null when silent
-- organ_type (the comparison class used by the marts) = the field for a
-- department, else the organ kind. Seeds never gate: every spelling is classified.

with

spellings as (

    select issuer_name from {{ ref('stg_work_plans__document_versions') }}
    union
    select regexp_replace(publisher_org, '\s', '', 'g') from {{ ref('stg_work_plans__notices') }}
    union
    select issuer_name from {{ ref('publishers') }}

),

jurisdictions as (

    select
        jurisdictions.jurisdiction_name,
        parent.jurisdiction_name as parent_name

    from {{ ref('jurisdictions') }} as jurisdictions
    inner join {{ ref('jurisdictions') }} as parent
        on jurisdictions.parent_code = parent.jurisdiction_code

),

rules as (

    select * from {{ ref('organ_name_rules') }}

),

normalized as (

    select
        issuer_name,
        {{ normalize_issuer_name('issuer_name') }} as issuer_name_cleaned

    from spellings
    where nullif(issuer_name, '') is not null

),

stripped as (

    select
        normalized.issuer_name,
        case
            when jurisdictions.parent_name is not null
                then substr(normalized.issuer_name_cleaned, length(jurisdictions.parent_name) + 1)
            else normalized.issuer_name_cleaned
        end as issuer_normalized

    from normalized
    left join jurisdictions
        on starts_with(
            normalized.issuer_name_cleaned,
            jurisdictions.parent_name || jurisdictions.jurisdiction_name
        )
    where normalized.issuer_name_cleaned is not null
    qualify row_number() over (
        partition by normalized.issuer_name
        order by length(jurisdictions.jurisdiction_name) desc nulls last
    ) = 1

),

rule_hits as (

    select
        stripped.issuer_name,
        rules.target,
        rules.value,
        rules.value_label

    from stripped
    inner join rules
        on regexp_matches(stripped.issuer_normalized, rules.pattern)
    qualify row_number() over (
        partition by stripped.issuer_name, rules.target
        order by rules.priority
    ) = 1

),

pivoted as (

    select
        issuer_name,
        any_value(value) filter (where target = 'organ_kind') as organ_kind,
        any_value(value_label) filter (where target = 'organ_kind') as organ_kind_label,
        any_value(value) filter (where target = 'organ_field') as organ_field,
        any_value(value_label) filter (where target = 'organ_field') as organ_field_label,
        any_value(value) filter (where target = 'organ_level') as name_level

    from rule_hits
    group by issuer_name

),

final as (

    select
        stripped.issuer_name,
        stripped.issuer_normalized,
        coalesce(pivoted.organ_kind, 'unknown') as organ_kind,
        case when pivoted.organ_kind = 'department' then pivoted.organ_field end as organ_field,
        case
            when pivoted.organ_kind = 'department' then pivoted.organ_field
            else coalesce(pivoted.organ_kind, 'unknown')
        end as organ_type,
        case
            when pivoted.organ_kind = 'department' then pivoted.organ_field_label
            else pivoted.organ_kind_label
        end as organ_type_label,
        pivoted.name_level

    from stripped
    left join pivoted using (issuer_name)

)

select * from final
