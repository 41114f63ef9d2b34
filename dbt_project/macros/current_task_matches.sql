{#- The matches of int_task_pairs_matched whose plan pair is still compared with
    the same two document versions (the incremental match table may keep rows
    of a plan pair that is no longer enumerated, or whose version changed and
    now has no match). Every mart reads matches through this. -#}
{% macro current_task_matches() -%}
    select matches.*
    from {{ ref('int_task_pairs_matched') }} as matches
    inner join {{ ref('int_plan_pairs_enumerated') }} as plan_pairs
        using (plan_pair_id, document_version_id, matched_document_version_id)
{%- endmacro %}
