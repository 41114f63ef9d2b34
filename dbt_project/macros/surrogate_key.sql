{#- Null-safe surrogate key: md5 of the fields cast to varchar, a null field
    written as a fixed token, joined with '-'. Same rule as
    dbt_utils.generate_surrogate_key (dbt-utils 1.x), written here because
    `dbt deps` needs the dbt hub (network) and this project builds offline.
    fields: list of SQL expressions. Returns a 32-hex-char varchar, never null. -#}
{% macro surrogate_key(fields) -%}
    md5({{ null_safe_concat(fields) }})
{%- endmacro %}

{#- The text surrogate_key hashes: the fields cast to varchar, a null field written as a fixed
    token, joined with '-'. Never null. -#}
{% macro null_safe_concat(fields) -%}
    {%- for field in fields %}
        coalesce(cast({{ field }} as varchar), '_dbt_utils_surrogate_key_null_')
        {%- if not loop.last %} || '-' || {% endif %}
    {%- endfor %}
{%- endmacro %}
