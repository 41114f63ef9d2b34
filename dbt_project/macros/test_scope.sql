{#- Data tests scoped to the rows a run rebuilt (docs/ARCHITECTURE.md, "Data tests scoped to the
    rebuilt rows").

    dbt_runs.builds: one row per dbt command that can write or test (build, run, test, seed, snapshot,
    retry): status 'running' at the start, 'passed' or 'failed' at the end. A command killed before
    its end stays 'running', which counts as not passed.
    dbt_runs.rebuilt_keys: the unique_key values each incremental model merged (delete+insert) in the
    current command, plus one null row per model as the marker "this model was merged here and the
    command may scope its tests"; only the current command's rows are kept.

    'passed' means every row of the warehouse has passed its tests (test_scope_end). A `dbt build`
    may scope (builds.scoped_tests) when it is not --full-refresh and the command before it on this
    warehouse passed: every row not rewritten since then has passed its tests. Then the
    row-level tests (not_null, accepted_values, unique) on an incremental delete+insert model read
    only the rows of the keys it merged in this command (every row of a merged key is rewritten by
    the delete+insert). Everything else reads whole tables. -#}

{% macro test_scope_commands() -%}
    {{ return(['build', 'run', 'test', 'seed', 'snapshot', 'retry']) }}
{%- endmacro %}

{% macro test_scope_tables() -%}
    create schema if not exists dbt_runs;
    create table if not exists dbt_runs.builds (
        invocation_id varchar primary key, command varchar not null, full_refresh boolean not null,
        scoped_tests boolean not null, started_at timestamp not null, finished_at timestamp, status varchar not null
    );
    create table if not exists dbt_runs.rebuilt_keys (
        invocation_id varchar not null, relation_name varchar not null, key_value varchar
    )
{%- endmacro %}

{% macro test_scope_start() -%}
    {#- on-run-start: create the two tables, forget the previous command's keys, record this command
        and whether it may scope its tests. -#}
    {%- if execute and flags.WHICH in test_scope_commands() %}
    {{ test_scope_tables() }};
    delete from dbt_runs.rebuilt_keys;
    insert into dbt_runs.builds
    select
        '{{ invocation_id }}', '{{ flags.WHICH }}', {{ flags.FULL_REFRESH or false }},
        {% if flags.WHICH == 'build' and not flags.FULL_REFRESH -%}
        coalesce((select status = 'passed' from dbt_runs.builds order by started_at desc limit 1), false)
        {%- else -%} false {%- endif %},
        now()::timestamp, null, 'running'
    {%- else %}
    select 1
    {%- endif %}
{%- endmacro %}

{% macro test_scope_end(results) -%}
    {#- on-run-end: 'passed' when every row of the warehouse has passed its tests: no node failed,
        errored or was skipped, every data test of every node this command built ran, and either the
        command before it had passed or every data test of the project ran on whole tables. So a
        `dbt run`, a --select / --exclude that left out a built node's test, or a first partial
        command leave 'failed', and the next build tests whole tables. -#}
    {%- if execute and flags.WHICH in test_scope_commands() -%}
        {%- set built, tested, failed, untested = [], [], [], [] -%}
        {%- for result in results -%}
            {%- if result.status in ('error', 'fail', 'skipped', 'runtime error', 'partial success') -%}
                {%- do failed.append(result.node.unique_id) -%}
            {%- elif result.node.resource_type in ('test', 'unit_test') -%}
                {%- do tested.append(result.node.unique_id) -%}
            {%- else -%}
                {%- do built.append(result.node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.unique_id not in tested -%}
            {%- do untested.append(node.unique_id) -%}
            {%- for parent in node.depends_on.nodes if parent in built -%}
                {%- do failed.append(node.unique_id) -%}
            {%- endfor -%}
        {%- endfor %}
    {%- do log('test_scope_end: failed or untested: ' ~ failed[:5] | join(', '), info=false) if failed %}
    {{ test_scope_tables() }};
    update dbt_runs.builds set finished_at = now()::timestamp, status = case
        when {{ not failed }} and ({{ not untested }} and not scoped_tests or coalesce((
            select previous.status = 'passed' from dbt_runs.builds as previous
            where previous.started_at < builds.started_at order by previous.started_at desc limit 1
        ), false)) then 'passed' else 'failed' end
    where invocation_id = '{{ invocation_id }}'
    {%- else %}
    select 1
    {%- endif %}
{%- endmacro %}

{% macro get_incremental_delete_insert_sql(arg_dict) -%}
    {#- dbt's delete+insert (dbt-duckdb's SQL, unchanged), then the merged keys recorded when this
        command scopes its tests. -#}
    {%- set merge_sql = dbt.get_incremental_delete_insert_sql(arg_dict) -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if key is not string -%}
        {{ return(merge_sql) }}
    {%- endif -%}
    {%- set relation = arg_dict['target_relation'] -%}
    {%- set record_sql -%}
    insert into dbt_runs.rebuilt_keys
    select '{{ invocation_id }}', '{{ relation.schema }}.{{ relation.identifier }}', key_value
    from (
        select null::varchar as key_value
        union all
        select distinct {{ key }}::varchar from {{ arg_dict['temp_relation'] }}
    ) as merged
    where exists (select 1 from dbt_runs.builds where invocation_id = '{{ invocation_id }}' and scoped_tests)
    {%- endset -%}
    {{ return(merge_sql ~ ";\n" ~ record_sql) }}
{%- endmacro %}

{% macro merged_rows_condition(relation) -%}
    {#- When `relation` is an incremental delete+insert model with one unique_key column that was
        merged in this (scoping) command: a condition on its rows that keeps the rows of the keys it
        merged (literals: DuckDB then skips the row groups that hold none of them; a subquery on the
        ledger above var('test_scope_max_literal_keys') keys) and rows with a null key, which no
        merge deletes. none (every row) for any other relation or command. Called once per test
        node, so it looks the model up among the test's own parents (not the whole graph) and reads
        the ledger with one query (counts and literals together). -#}
    {%- if not execute or flags.WHICH not in test_scope_commands() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set config = namespace(value=none) -%}
    {%- for parent in model.depends_on.nodes if parent.startswith('model.') -%}
        {%- set node = graph.nodes.get(parent) -%}
        {%- if node and node.schema == relation.schema and node.alias == relation.identifier -%}
            {%- set config.value = node.config -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set config = config.value -%}
    {%- if not config or config.materialized != 'incremental' or config.incremental_strategy != 'delete+insert'
            or config.unique_key is not string -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set keys_sql = "select key_value from dbt_runs.rebuilt_keys where invocation_id = '" ~ invocation_id
        ~ "' and relation_name = '" ~ relation.schema ~ "." ~ relation.identifier ~ "'" -%}
    {%- set max_literals = var('test_scope_max_literal_keys') -%}
    {%- set counts = run_query("select count(*), count(key_value), case when count(key_value) <= " ~ max_literals
        ~ " then string_agg('''' || replace(key_value, '''', '''''') || '''', ', ') end from (" ~ keys_sql ~ ")"
        ).rows[0] -%}
    {%- if counts[0] == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set condition = [config.unique_key ~ ' is null'] -%}
    {%- if counts[1] > max_literals -%}
        {#- many keys (a re-parse of every plan): the subquery keeps the test's SQL bounded -#}
        {%- do condition.append(config.unique_key ~ '::varchar in (' ~ keys_sql ~ ')') -%}
    {%- elif counts[1] > 0 -%}
        {%- do condition.append(config.unique_key ~ ' in (' ~ counts[2] ~ ')') -%}
    {%- endif -%}
    {{ return('(' ~ condition | join(' or ') ~ ')') }}
{%- endmacro %}

{% macro rebuilt_rows_condition(relation) -%}
    {#- The scope of a generic test on `relation`: merged_rows_condition for not_null / accepted_values
        (row checks); for unique, every row whose value occurs among those rows, so a rewritten row
        that duplicates an older one is found too. '' (whole table) for every other test. -#}
    {%- set meta = model.get('test_metadata') if execute else none -%}
    {%- if not meta or meta.get('namespace') not in (none, 'dbt')
            or meta.get('name') not in ('not_null', 'accepted_values', 'unique') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = merged_rows_condition(relation) -%}
    {%- if rows is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set column = meta.get('kwargs', {}).get('column_name') -%}
    {%- if meta.get('name') == 'unique' -%}
        {{ return(column ~ ' in (select ' ~ column ~ ' from ' ~ relation ~ ' where ' ~ rows ~ ')') }}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro rebuilt_rows(relation) -%}
    {#- For singular tests whose check holds per row or per unique_key group: `relation`, narrowed by
        merged_rows_condition when it is a merged incremental model. -#}
    {%- set rows = merged_rows_condition(relation) -%}
    {{ return(relation if rows is none else '(select * from ' ~ relation ~ ' where ' ~ rows ~ ')') }}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}
    {#- dbt's generic-test hook (the `where` config, as dbt's default__get_where_subquery) plus the
        rebuilt-rows scope of rebuilt_rows_condition. -#}
    {%- set conditions = [config.get('where', ''), rebuilt_rows_condition(relation)] | select | list -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where (' ~ conditions | join(') and (') ~ ')) dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
