{#- Text helpers used by int_tasks_normalized_text and int_task_pairs_scored. -#}

{#- Remove all whitespace (PDF line breaks put stray spaces inside CJK text) and
    all Unicode punctuation/symbols, so that only content characters compare. -#}
{% macro normalize_cjk_text(expr) -%}
    regexp_replace(coalesce({{ expr }}, ''), '[\s\p{P}\p{S}]', '', 'g')
{%- endmacro %}

{#- Distinct character bigrams of an (already normalized) string, as a list.
    A one-character string yields []. -#}
{% macro char_bigrams(expr) -%}
    list_sort(list_distinct([substr({{ expr }}, i, 2) for i in range(1, length({{ expr }}))]))
{%- endmacro %}

{#- Jaccard similarity |A ∩ B| / |A ∪ B| of two lists of distinct bigrams;
    0 when both are empty. -#}
{% macro bigram_jaccard(a, b) -%}
    case
        when len({{ a }}) + len({{ b }}) = 0 then 0.0
        else len(list_intersect({{ a }}, {{ b }}))::double
            / (len({{ a }}) + len({{ b }}) - len(list_intersect({{ a }}, {{ b }})))
    end
{%- endmacro %}
