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

{% macro delete_versions_not_in(versions_sql) -%}
    {#- post-hook: drop the rows of versions `versions_sql` (a query of document_version_id) no longer lists -#}
    delete from {{ this }} where document_version_id not in ({{ versions_sql }})
{%- endmacro %}
