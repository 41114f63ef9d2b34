{#- on-run-start: refuse to build against a database without raw.document_versions
    (usually WP_WAREHOUSE unset or pointing to the wrong file). -#}
{% macro assert_raw_schema_present() %}
    {% if execute and flags.WHICH in ('run', 'build', 'test', 'seed') %}
        {% set result = run_query(
            "select count(*) from information_schema.tables "
            ~ "where table_schema = 'raw' and table_name = 'document_versions'"
        ) %}
        {% if result.columns[0].values()[0] == 0 %}
            {{ exceptions.raise_compiler_error(
                "No raw.document_versions in " ~ target.path
                ~ ". Set WP_WAREHOUSE to the warehouse written by extract/load.py."
            ) }}
        {% endif %}
    {% endif %}
    select 1
{% endmacro %}
