-- One row per task of the CURRENT version of each document, with theme,
-- deadline, unit counts and how the task fares against the publisher's
-- previous / next plan (via int_task_pairs_matched).

-- Incremental per document version (macros/incremental_versions.sql): a current version is
-- rebuilt when new, re-loaded, re-attributed, or when the plan pairs it takes part in changed
-- (plan_pairs_key: a previous / next / city plan appeared, got a new version or was re-parsed);
-- the post-hook drops versions no longer current. Matches of an unchanged plan pair are unchanged
-- (int_task_pairs_matched assigns a pair again only when one of its versions or their loads changed).

{% set version_columns = [
    'document_version_id', 'load_id', 'document_id', 'jurisdiction', 'jurisdiction_code', 'jurisdiction_level',
    'issuer', 'publisher_id', 'organ_type', 'plan_year', 'is_primary_plan', 'plan_pairs_key'] %}

{{ config_incremental_by_version('int_document_versions_ranked', current_only=true) }}

with

current_versions as (

    select * from {{ ref('int_document_versions_ranked') }}
    where is_current_version

),

-- the plan pairs whose matches fill a version's columns: as the newer / district plan
-- (vs_previous, vs_city) or as the previous plan of a year-over-year pair (in_next)
version_pairs as (

    select
        document_key, plan_pair_id, document_version_id as left_version_id, load_id as left_load_id,
        matched_document_version_id, matched_load_id
    from {{ ref('int_plan_pairs_enumerated') }}
    union all
    select
        matched_document_key, plan_pair_id, document_version_id as left_version_id, load_id as left_load_id,
        matched_document_version_id, matched_load_id
    from {{ ref('int_plan_pairs_enumerated') }}
    where comparison_type = 'year_over_year'

),

pairs_keys as (

    select
        document_key,
        {{ md5_of_sorted(
            "plan_pair_id || '|' || left_version_id || '|' || coalesce(left_load_id, '') || '|' "
            ~ "|| matched_document_version_id || '|' || coalesce(matched_load_id, '')") }} as plan_pairs_key

    from version_pairs
    group by document_key

),

version_state as (

    select
        current_versions.document_version_id,
        current_versions.load_id,
        current_versions.document_key as document_id,
        current_versions.jurisdiction_name as jurisdiction,
        current_versions.jurisdiction_code,
        current_versions.jurisdiction_level,
        current_versions.issuer_name as issuer,
        current_versions.publisher_id,
        current_versions.organ_type,
        current_versions.plan_year,
        current_versions.is_primary_plan,
        pairs_keys.plan_pairs_key

    from current_versions
    left join pairs_keys using (document_key)

),

{% if is_incremental() %}
-- the versions to build, worked out once: `tasks` below is inlined in each of its readers,
-- and so was this comparison with the stored rows (7 scans of the table, 0.5 s at 1M tasks)
versions_to_build as materialized (

    {{ changed_versions('version_state', version_columns) }}

),
{% endif %}

-- not materialized: only `final` reads every column; the three match lookups read `task_keys`.
-- DuckDB materializes a CTE read more than once, and a copy of all the columns of 1M tasks beside
-- fct_task_matches' joins ran out of DuckDB's 2GB in a 1M full build (docs/BENCHMARKS.md §4).
tasks as not materialized (

    select * from {{ ref('int_tasks_joined') }}
    where is_current_version
    {% if is_incremental() %}
        and document_version_id in (select versions_to_build.document_version_id from versions_to_build)
    {% endif %}

),

task_keys as (

    select task_id, document_key from tasks

),

{% if is_incremental() %}
built_documents as (

    select version_state.document_id as document_key from version_state
    where version_state.document_version_id in (select versions_to_build.document_version_id from versions_to_build)

),
{% endif %}

-- the plan pairs of the versions built (their matches only are read)
plan_pairs as (

    select * from {{ ref('int_plan_pairs_enumerated') }}
    {% if is_incremental() %}
        -- the built versions' documents (read from version_state, not from the tasks: a pair
        -- of a version without tasks joins no task below)
        where document_key in (select built.document_key from built_documents as built)
            or matched_document_key in (select built.document_key from built_documents as built)
    {% endif %}

),

matches as (

    {{ current_task_matches('plan_pairs') }}

),

themes as (

    select theme_code, theme_name from {{ ref('themes') }}

),

-- this task's plan has a previous plan → continued (matched) or new
vs_previous as (

    select
        tasks.task_id,
        plan_pairs.matched_plan_year as previous_plan_year,
        matches.matched_task_id as previous_plan_task_id,
        matches.similarity as previous_plan_similarity

    from task_keys as tasks
    inner join plan_pairs
        on tasks.document_key = plan_pairs.document_key
        and plan_pairs.comparison_type = 'year_over_year'
    left join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.task_id = tasks.task_id

),

-- this task's plan has a next plan → continued (matched) or dropped
in_next as (

    select
        tasks.task_id,
        plan_pairs.plan_year as next_plan_year,
        matches.task_id as next_plan_task_id

    from task_keys as tasks
    inner join plan_pairs
        on tasks.document_key = plan_pairs.matched_document_key
        and plan_pairs.comparison_type = 'year_over_year'
    left join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.matched_task_id = tasks.task_id

),

vs_city as (

    select
        tasks.task_id,
        matches.matched_task_id as city_plan_task_id,
        matches.similarity as city_plan_similarity

    from task_keys as tasks
    inner join plan_pairs
        on tasks.document_key = plan_pairs.document_key
        and plan_pairs.comparison_type = 'district_city'
    inner join matches
        on matches.plan_pair_id = plan_pairs.plan_pair_id
        and matches.task_id = tasks.task_id

),

final as (

    select
        tasks.task_id,
        tasks.document_key as document_id,
        tasks.document_version_id,
        tasks.jurisdiction_name as jurisdiction,
        tasks.jurisdiction_code,
        tasks.jurisdiction_level,
        tasks.issuer_name as issuer,
        tasks.publisher_id,
        tasks.organ_type,
        tasks.plan_year,
        tasks.is_primary_plan,
        tasks.seq,
        tasks.task_name,
        tasks.section,
        tasks.task_content,
        tasks.responsible_raw,
        tasks.lead_units,
        tasks.support_units,
        tasks.units_open_list,
        tasks.lead_unit_count,
        tasks.support_unit_count,
        tasks.deadline_raw,
        tasks.deadline_kind,
        tasks.deadline_date,
        tasks.deadline_month,
        tasks.has_dated_deadline,
        tasks.theme_code,
        themes.theme_name as theme,
        vs_previous.previous_plan_year,
        case
            when vs_previous.task_id is null then null
            when vs_previous.previous_plan_task_id is null then 'new'
            else 'continued'
        end as status_vs_previous_plan,
        vs_previous.previous_plan_task_id,
        vs_previous.previous_plan_similarity,
        in_next.next_plan_year,
        case
            when in_next.task_id is null then null
            when in_next.next_plan_task_id is null then 'dropped'
            else 'continued'
        end as status_in_next_plan,
        in_next.next_plan_task_id,
        vs_city.city_plan_task_id,
        vs_city.city_plan_similarity,
        tasks.load_id,
        tasks.loaded_at,
        version_state.plan_pairs_key

    from tasks
    inner join version_state using (document_version_id)
    left join themes using (theme_code)
    left join vs_previous using (task_id)
    left join in_next using (task_id)
    left join vs_city using (task_id)

)

select * from final
