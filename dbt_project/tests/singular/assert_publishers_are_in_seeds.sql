{{ config(severity='warn') }}
-- Publishers seen in documents but missing from seeds/publishers.csv: one row
-- per publisher with the seed row to add (issuer spellings, inferred
-- jurisdiction and organ type). Warn: the marts build with the inferred
-- identity meanwhile.
select
    publisher_id,
    publisher_name,
    jurisdiction_code,
    jurisdiction_name,
    organ_type,
    organ_level,
    issuer_names,
    current_plan_count

from {{ ref('dim_publisher') }}
where not is_reference
