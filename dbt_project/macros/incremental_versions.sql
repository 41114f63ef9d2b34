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
        version with `columns`) that {{ this }} does not hold with the same `columns`. -#}
    select document_version_id from (
        select {{ columns | join(', ') }} from {{ candidates }}
        except
        select distinct {{ columns | join(', ') }} from {{ this }}
    ) as changed
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
