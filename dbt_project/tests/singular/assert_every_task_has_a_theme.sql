-- Every current task gets exactly one theme: a task no keyword rule matches
-- needs a new rule in seeds/theme_keywords.csv.
select task_id, document_id, seq, task_name
from {{ rebuilt_rows(ref('fct_work_plan_tasks')) }}
where theme_code is null
