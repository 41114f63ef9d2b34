{#-
    Schemas are exactly the folder's +schema (staging, intermediate, marts,
    seeds) instead of dbt's default "<target_schema>_<custom>" so BI tools and
    extract/publish.py can rely on fixed names.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
