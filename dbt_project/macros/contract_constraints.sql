{#- Column checks as constraints (docs/ARCHITECTURE.md, "Column checks as constraints").

    The SQL table and incremental models declare an enforced contract: every column with its type,
    `not_null` and fixed-value `check` constraints instead of not_null / accepted_values test nodes.
    DuckDB checks them on every insert, so a table model's create and an incremental model's
    delete+insert are both checked. dbt writes the constraints only when it creates a table
    (create table, then insert), so an incremental table created before its contract (or before a
    constraint was added or changed) would go unchecked.

    Staging views pass raw columns through; where the raw column is NOT NULL (the raw DDL,
    extract/records.py), the view's column declares `meta: {not_null_in_raw: true}` instead of a
    not_null test: DuckDB refuses the null when the loader writes the row. Likewise
    `meta: {unique_in_raw: true}` instead of a unique test, where the raw column alone is the
    table's PRIMARY KEY (or UNIQUE): a view whose only parent is that source (no join) and that
    passes the key bare without an unnest or union keeps its rows one to one, so the key stays
    unique (the hook checks the view and its one parent; the SQL itself is for review).

    The on-run-start hook below checks, with one query, that those constraints are in the
    warehouse, and stops the command otherwise, naming the tables. -#}

{% macro constraints_expected() -%}
    {#- [(schema, table, 'NOT NULL' | 'CHECK' | 'UNIQUE', column, check expression or '', remedy)], from the
        graph (no query): the constraints of every selected incremental model with an enforced
        contract (remedy 'full_refresh'; not on --full-refresh, which recreates the tables), and
        the raw NOT NULL and UNIQUE (a PRIMARY KEY counts) constraints the staging views'
        `not_null_in_raw` and `unique_in_raw` columns rely on (remedy 'raw'). -#}
    {%- set expected = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- if node.config.materialized == 'incremental' and node.config.contract.enforced
                and node.unique_id in selected_resources and not flags.FULL_REFRESH
                and flags.WHICH in ('build', 'run') -%}
            {%- for column in node.columns.values() -%}
                {%- for constraint in column.constraints -%}
                    {%- if constraint.type not in ('not_null', 'check') -%}
                        {%- do exceptions.raise_compiler_error(
                            "constraints_expected: only not_null and check constraints are used here, "
                            ~ node.name ~ "." ~ column.name ~ " has " ~ constraint.type) -%}
                    {%- endif -%}
                    {%- do expected.append([node.schema, node.alias, constraint.type | replace('_', ' ') | upper,
                        column.name, constraint.expression or '', 'full_refresh']) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
        {%- for column in node.columns.values()
                if column.meta.get('not_null_in_raw') or column.meta.get('unique_in_raw') -%}
            {%- set sources = [] -%}
            {%- for parent in node.depends_on.nodes if parent.startswith('source.') -%}
                {%- do sources.append(parent) -%}
            {%- endfor -%}
            {%- if sources | length != 1 -%}
                {%- do exceptions.raise_compiler_error(
                    "not_null_in_raw / unique_in_raw on " ~ node.name ~ "." ~ column.name
                    ~ ": the model must read exactly one source") -%}
            {%- endif -%}
            {%- if column.meta.get('unique_in_raw') and (node.config.materialized != 'view'
                    or node.depends_on.nodes | length != 1) -%}
                {%- do exceptions.raise_compiler_error(
                    "unique_in_raw on " ~ node.name ~ "." ~ column.name
                    ~ ": the model must be a view whose only parent is its source (a join could repeat keys)") -%}
            {%- endif -%}
            {%- set source = graph.sources[sources[0]] -%}
            {%- for kind, key in [('NOT NULL', 'not_null_in_raw'), ('UNIQUE', 'unique_in_raw')]
                    if column.meta.get(key) -%}
                {%- do expected.append([source.schema, source.identifier, kind, column.name, '', 'raw']) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(expected) }}
{%- endmacro %}

{% macro assert_constraints_present() -%}
    {#- on-run-start: raise when a table lacks a constraint of constraints_expected() (same type,
        a PRIMARY KEY counting as UNIQUE, same column and, for check, expression up to case, spaces
        and parentheses). One query. -#}
    {%- if execute and flags.WHICH in ('build', 'run', 'test') -%}
        {%- set rows = [] -%}
        {%- for expected in constraints_expected() -%}
            {%- set literals = [] -%}
            {%- for value in expected -%}
                {%- do literals.append("'" ~ value | replace("'", "''") ~ "'") -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ literals | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- set missing = run_query("
                with expected(schema_name, table_name, constraint_type, column_name, expression, remedy) as (
                    values " ~ rows | join(', ') ~ "
                )
                select distinct remedy, expected.schema_name, expected.table_name,
                    expected.constraint_type || ' ' || expected.column_name as constraint_name
                from expected
                left join duckdb_tables() as t using (schema_name, table_name)
                where (t.table_name is not null or remedy = 'raw') and not exists (
                    select 1 from duckdb_constraints() as c
                    where c.schema_name = expected.schema_name and c.table_name = expected.table_name
                        and (c.constraint_type = expected.constraint_type
                            or expected.constraint_type = 'UNIQUE' and c.constraint_type = 'PRIMARY KEY')
                        and c.constraint_column_names = [expected.column_name]
                        and regexp_replace(lower(coalesce(c.expression, '')), '[\\s()]', '', 'g')
                            = regexp_replace(lower(expected.expression), '[\\s()]', '', 'g')
                )
                order by all") -%}
            {%- set rebuild, raw = [], [] -%}
            {%- for remedy, schema, table, constraint_name in missing.rows -%}
                {%- if remedy == 'full_refresh' and table not in rebuild -%}
                    {%- do rebuild.append(table) -%}
                {%- elif remedy == 'raw' -%}
                    {%- do raw.append(table ~ ' (' ~ constraint_name ~ ')') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if rebuild -%}
                {%- do exceptions.raise_compiler_error(
                    "These incremental tables lack constraints their model contract declares (built before "
                    ~ "the contract or a changed constraint): " ~ rebuild | join(', ') ~ ". Rebuild them once: "
                    ~ "dbt build --full-refresh --select " ~ rebuild | join(' ')) -%}
            {%- endif -%}
            {%- if raw -%}
                {%- do exceptions.raise_compiler_error(
                    "These raw tables lack a NOT NULL or UNIQUE constraint that a staging view's not_null_in_raw "
                    ~ "or unique_in_raw column relies on (raw DDL: extract/records.py, "
                    ~ "extract.warehouse.ensure_raw_schema): raw."
                    ~ raw | join(', raw.')) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
