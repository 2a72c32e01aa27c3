select
    cvegeo,
    substr(cvegeo, 1, 2) as cve_ent,
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    cast(homicides as integer) as homicides,
    cast(pop_est as double precision) as pop_est,
    'INEGI/Gargiulo' as source
from {{ source('gargiulo', 'gargiulo_homicides') }}
