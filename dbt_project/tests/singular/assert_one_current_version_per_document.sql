select document_key, count(*) filter (where is_current_version) as current_versions
from {{ ref('int_document_versions_ranked') }}
group by document_key
having count(*) filter (where is_current_version) <> 1
   and not bool_and(is_quarantined)
