with

themes as (

    select * from {{ ref('themes') }}

),

rules as (

    select
        theme_code,
        count(*) as keyword_rule_count,
        list(keyword order by priority) as keywords

    from {{ ref('theme_keywords') }}
    group by theme_code

),

final as (

    select
        themes.theme_code,
        themes.theme_name,
        themes.theme_group,
        themes.sort_order,
        themes.description,
        coalesce(rules.keyword_rule_count, 0) as keyword_rule_count,
        rules.keywords

    from themes
    left join rules using (theme_code)

)

select * from final
