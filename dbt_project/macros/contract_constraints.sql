{#- Column checks as enforced model contracts (docs/ARCHITECTURE.md, "Column checks as constraints").

    The SQL table and incremental models declare an enforced contract: every column with its type,
    `not_null` and fixed-value `check` constraints instead of not_null / accepted_values test nodes.
    DuckDB checks them on every insert, so a table model's create and an incremental model's
    delete+insert are both checked. dbt writes the constraints only when it creates a table
    (create table, then insert), so an incremental table created before its contract (or before a
    constraint was added or changed) would silently go unchecked: this on-run-start hook fails the
    command instead, naming the tables to rebuild with --full-refresh. -#}

{% macro contract_constraints_expected() -%}
    {#- [(schema, table, 'NOT NULL' | 'CHECK', column, expression or none)] of every selected
        incremental model with an enforced contract, from the graph (no query). -#}
    {%- set expected = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
            and node.config.materialized == 'incremental' and node.config.contract.enforced
            and node.unique_id in selected_resources -%}
        {%- for column in node.columns.values() -%}
            {%- for constraint in column.constraints -%}
                {%- if constraint.type == 'not_null' -%}
                    {%- do expected.append([node.schema, node.alias, 'NOT NULL', column.name, none]) -%}
                {%- elif constraint.type == 'check' -%}
                    {%- do expected.append([node.schema, node.alias, 'CHECK', column.name, constraint.expression]) -%}
                {%- else -%}
                    {%- do exceptions.raise_compiler_error(
                        "contract_constraints: only not_null and check constraints are used here, "
                        ~ node.name ~ "." ~ column.name ~ " has " ~ constraint.type) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(expected) }}
{%- endmacro %}

{% macro assert_contract_constraints() -%}
    {#- on-run-start: raise when a selected incremental model's existing table lacks a constraint its
        contract declares (same type, column and, for check, expression up to case, spaces and
        parentheses). Skipped by --full-refresh, which recreates the tables. One query per command. -#}
    {%- if execute and flags.WHICH in ('build', 'run') and not flags.FULL_REFRESH -%}
        {%- set expected = contract_constraints_expected() -%}
        {%- if expected -%}
            {%- set rows = [] -%}
            {%- for e in expected -%}
                {%- set literals = [] -%}
                {%- for value in e -%}
                    {%- do literals.append("'" ~ (value or '') | replace("'", "''") ~ "'") -%}
                {%- endfor -%}
                {%- do rows.append('(' ~ literals | join(', ') ~ ')') -%}
            {%- endfor -%}
            {%- set missing = run_query("
                with expected(schema_name, table_name, constraint_type, column_name, expression) as (
                    values " ~ rows | join(', ') ~ "
                )
                select distinct expected.schema_name || '.' || expected.table_name
                from expected
                join duckdb_tables() as t using (schema_name, table_name)
                where not exists (
                    select 1 from duckdb_constraints() as c
                    where c.schema_name = expected.schema_name and c.table_name = expected.table_name
                        and c.constraint_type = expected.constraint_type
                        and c.constraint_column_names = [expected.column_name]
                        and regexp_replace(lower(coalesce(c.expression, '')), '[\\s()]', '', 'g')
                            = regexp_replace(lower(expected.expression), '[\\s()]', '', 'g')
                )
                order by 1").columns[0].values() | list -%}
            {%- if missing -%}
                {%- do exceptions.raise_compiler_error(
                    "These incremental tables lack constraints their model contract declares (built before "
                    ~ "the contract or a changed constraint): " ~ missing | join(', ') ~ ". Rebuild them once: "
                    ~ "dbt build --full-refresh --select " ~ missing | map('replace', 'intermediate.', '')
                    | map('replace', 'marts.', '') | join(' ')) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
