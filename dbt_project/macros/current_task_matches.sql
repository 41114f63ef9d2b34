{#- The matches of int_task_pairs_matched whose plan pair is still compared with
    the same two document versions and loads (the incremental match table may
    keep rows of a plan pair that is no longer enumerated, or whose version or
    load changed and now has no match). Every mart reads matches through this.
    plan_pairs: optional relation or CTE name with a plan_pair_id column; on an
    incremental run only those plan pairs' matches are read (the pairs the model
    rebuilds). -#}
{% macro current_task_matches(plan_pairs=none) -%}
    select matches.*
    from {{ ref('int_task_pairs_matched') }} as matches
    inner join {{ ref('int_plan_pairs_enumerated') }} as plan_pairs
        using (plan_pair_id, document_version_id, matched_document_version_id, load_id, matched_load_id)
    {%- if plan_pairs and is_incremental() %}
    where matches.plan_pair_id in (select todo_pairs.plan_pair_id from {{ plan_pairs }} as todo_pairs)
    {%- endif %}
{%- endmacro %}
