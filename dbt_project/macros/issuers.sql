{#- Issuer (发布机构) name normalization, used for the publisher identity
    (int_document_versions_attributed) and to match seeds.publishers.

    normalize_issuer_name(expr): whitespace, punctuation and symbols removed;
    a trailing 办公室/办公厅 of an organ is dropped, since an organ's general
    office issues its plan on the organ's behalf (黄浦区人民政府办公室 →
    黄浦区人民政府, 上海市人民政府办公厅 → 上海市人民政府, 区教育局办公室 →
    区教育局). Null or empty input → null. -#}
{% macro normalize_issuer_name(expr) -%}
    nullif(
        regexp_replace(
            regexp_replace(coalesce({{ expr }}, ''), '[\s\p{P}\p{S}]', '', 'g'),
            '^(.*(人民政府|政府|局|委员会|委|办事处))(办公室|办公厅)$', '\1'
        ),
        ''
    )
{%- endmacro %}
