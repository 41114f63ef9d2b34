{#- Incremental models keyed on document version (docs/ARCHITECTURE.md, "Incremental marts").
    A model stores, on every row, the version-level columns its rows depend on (at least
    document_version_id and load_id: a version re-loaded by a newer parser keeps its id but gets
    a new load_id). On an incremental run it rebuilds exactly the versions whose version-level
    columns differ from what it stored (new, re-loaded, became / stopped being current or primary,
    publisher re-attributed), delete+insert on document_version_id, and a post-hook removes the
    versions it must no longer hold (superseded, quarantined, deleted). Seed changes (aliases,
    theme keywords, publishers, rules) are not seen by these filters: run `dbt build --full-refresh`. -#}

{% macro changed_versions(candidates, columns) -%}
    {#- document_version_id of each row of `candidates` (a relation or CTE name; one row per
        version with `columns`, document_version_id among them) that {{ this }} does not hold with
        the same `columns`. A version's rows are written together (delete+insert), so its
        version-level columns are the same on all of them: the stored side reads one row per
        version (the first by rowid), 2-4× cheaper than a distinct over all the columns at 1M
        tasks (fct_task_lineage 0.42 → 0.12 s, fct_work_plan_tasks 0.19 → 0.06 s). -#}
    select document_version_id from (
        select {{ columns | join(', ') }} from {{ candidates }}
        except
        select {{ columns | join(', ') }} from {{ this }}
        where rowid in (select min(rowid) from {{ this }} group by document_version_id)
    ) as changed
{%- endmacro %}

{% macro where_version_reloaded() -%}
    {#- The filter of a model keyed on document version whose rows depend on a version's tasks
        only: on an incremental run `where document_version_id in (...)` the versions new or
        re-loaded (another load_id) since the model stored them (changed_versions over
        stg_work_plans__document_versions); nothing on a full build. The model declares
        `-- depends_on: {{ ref('stg_work_plans__document_versions') }}`. -#}
    {%- if is_incremental() %}
    where document_version_id in ({{ changed_versions(
        '(select document_version_id, load_id from ' ~ ref('stg_work_plans__document_versions') ~ ')',
        ['document_version_id', 'load_id']) }})
    {%- endif %}
{%- endmacro %}

{% macro config_incremental_by_version(versions_model, current_only=false) -%}
    {#- The config of such a model: delete+insert on document_version_id; the post-hook keeps the
        versions of `versions_model` (a model the caller refs), only the current ones if
        `current_only`. -#}
    {{ config(
        materialized='incremental',
        unique_key='document_version_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_versions_not_in(ref('" ~ versions_model ~ "'), " ~ current_only ~ ") }}"
    ) }}
{%- endmacro %}

{% macro delete_versions_not_in(versions, current_only) -%}
    {#- post-hook: drop the rows of versions that `versions` no longer lists (or no longer as current) -#}
    delete from {{ this }} where document_version_id not in (
        select document_version_id from {{ versions }} {% if current_only %}where is_current_version{% endif %}
    )
{%- endmacro %}

{% macro md5_of_sorted(expression) -%}
    {#- Aggregate: md5 of the group's non-null values of `expression` (varchar), sorted and joined
        with ','; null when there are none. As md5(string_agg(x, ',' order by x)), but list_sort
        sorts each group's list at once: the ordered aggregate took 1.1 of the 1.2 s of
        fct_work_plan_tasks' version state at 1M tasks (16,694 groups). -#}
    md5(nullif(array_to_string(list_sort(
        list({{ expression }}) filter (where {{ expression }} is not null)), ','), ''))
{%- endmacro %}

{#- Aggregates incremental per key (fct_plan_yoy*, fct_jurisdiction_year*, dim_department): a row
    summarises many versions, so it stores `inputs_key`, the md5 of everything its key's rows are
    computed from (the versions' ids, load_ids and attributes, the plan pairs), as given by one of
    the *_inputs macros below (one row per key: the key column and inputs_key, never null). An
    incremental run rebuilds the keys whose inputs_key the table does not hold (delete+insert on the
    key); the post-hook drops rows whose inputs_key is no longer current (key gone, or rebuilt to no
    rows). Seeds and vars are not in the key: --full-refresh. -#}

{% macro config_incremental_by_inputs(unique_key, inputs) -%}
    {#- The config of such a model; `inputs`: the name of its *_inputs macro. -#}
    {{ config(
        materialized='incremental',
        unique_key=unique_key,
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where inputs_key is null or inputs_key not in ("
            ~ "select inputs_key from ({{ " ~ inputs ~ "() }}) as inputs)"
    ) }}
{%- endmacro %}

{% macro changed_keys(inputs, key) -%}
    {#- `key` of each row of `inputs` (the CTE of the model's *_inputs macro) whose inputs_key
        {{ this }} does not hold. -#}
    select {{ key }} from {{ inputs }}
    where inputs_key not in (
        select distinct stored.inputs_key from {{ this }} as stored where stored.inputs_key is not null)
{%- endmacro %}

{% macro plan_pair_inputs() -%}
    {#- One row per plan pair: plan_pair_id, inputs_key (int_plan_pairs_enumerated computes it: md5
        of the pair's columns and, for both document versions, id, load_id and publisher; a pair's
        matches, task counts, themes and departments are computed from these). -#}
    select plan_pairs.plan_pair_id, plan_pairs.inputs_key
    from {{ ref('int_plan_pairs_enumerated') }} as plan_pairs
{%- endmacro %}

{% macro jurisdiction_year_inputs() -%}
    {#- One row per plan year × jurisdiction × organ type with a current version:
        jurisdiction_year_id (surrogate_key of the three), inputs_key = md5 of its current
        versions (id, load_id, document, publisher, jurisdiction name and level) and of the
        district → city plan pairs of its plans (pair id, city version and its load_id). -#}
    with

    versions as (

        select * from {{ ref('int_document_versions_ranked') }}

    ),

    inputs as (

        select
            plan_year, jurisdiction_code, organ_type,
            {{ null_safe_concat([
                'document_version_id', 'load_id', 'document_key', 'publisher_id', 'jurisdiction_name',
                'jurisdiction_level']) }} as input

        from versions
        where is_current_version

        union all

        select
            versions.plan_year, versions.jurisdiction_code, versions.organ_type,
            {{ null_safe_concat([
                'plan_pairs.plan_pair_id', 'plan_pairs.matched_document_version_id', 'city_versions.load_id'])
            }} as input

        from {{ ref('int_plan_pairs_enumerated') }} as plan_pairs
        inner join versions on plan_pairs.document_version_id = versions.document_version_id
        left join versions as city_versions
            on plan_pairs.matched_document_version_id = city_versions.document_version_id
        where plan_pairs.comparison_type = 'district_city'

    )

    select
        {{ surrogate_key(['plan_year', 'jurisdiction_code', 'organ_type']) }} as jurisdiction_year_id,
        md5({{ surrogate_key(['plan_year', 'jurisdiction_code', 'organ_type']) }}
            || {{ md5_of_sorted('input') }}) as inputs_key
    from inputs
    group by plan_year, jurisdiction_code, organ_type
{%- endmacro %}

{% macro publisher_inputs() -%}
    {#- One row per publisher with a current version: publisher_id, inputs_key = md5 of its
        current versions (id, load_id, jurisdiction, organ type): what its departments are
        computed from. -#}
    select
        publisher_id,
        md5(coalesce(publisher_id, '') || {{ md5_of_sorted(null_safe_concat([
            'document_version_id', 'load_id', 'jurisdiction_code', 'organ_type'])) }}) as inputs_key
    from {{ ref('int_document_versions_ranked') }}
    where is_current_version
    group by publisher_id
{%- endmacro %}

{% macro plan_pairs_to_build(comparison_type=none) -%}
    {#- The plan pairs (int_plan_pairs_enumerated's columns, inputs_key among them), of `comparison_type`
        if given, that a model incremental per plan pair builds: all, or on an incremental run
        those whose inputs_key it does not hold (the pairs carry their own, so no join). -#}
    select plan_pairs.*
    from {{ ref('int_plan_pairs_enumerated') }} as plan_pairs
    where true
    {%- if comparison_type %}
        and plan_pairs.comparison_type = '{{ comparison_type }}'
    {%- endif %}
    {%- if is_incremental() %}
        and plan_pairs.plan_pair_id in ({{ changed_keys(ref('int_plan_pairs_enumerated'), 'plan_pair_id') }})
    {%- endif %}
{%- endmacro %}

{% macro jurisdiction_year_versions_to_build() -%}
    {#- One row per current version of the plan year × jurisdiction × organ type keys a model
        incremental per jurisdiction-year builds (all, or on an incremental run those whose
        inputs_key it does not hold): document_version_id, jurisdiction_year_id, inputs_key. -#}
    with

    inputs as (

        {{ jurisdiction_year_inputs() }}

    )

    select versions.document_version_id, inputs.jurisdiction_year_id, inputs.inputs_key
    from {{ ref('int_document_versions_ranked') }} as versions
    inner join inputs
        on inputs.jurisdiction_year_id = {{ surrogate_key([
            'versions.plan_year', 'versions.jurisdiction_code', 'versions.organ_type']) }}
    where versions.is_current_version
    {%- if is_incremental() %}
        and inputs.jurisdiction_year_id in ({{ changed_keys('inputs', 'jurisdiction_year_id') }})
    {%- endif %}
{%- endmacro %}

{% macro plan_pair_versions(plan_pairs) -%}
    {#- document_version_id of both sides of the plan pairs in `plan_pairs` (a CTE name). -#}
    select pair_sides.document_version_id from {{ plan_pairs }} as pair_sides
    union
    select pair_sides.matched_document_version_id from {{ plan_pairs }} as pair_sides
{%- endmacro %}
