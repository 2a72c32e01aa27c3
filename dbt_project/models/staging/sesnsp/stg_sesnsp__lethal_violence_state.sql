-- Lethal-violence investigation files by state and month; total_equals_subtypes flags the revised Aug–Dec 2024 rows.
select
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    cve_ent,
    state_name,
    cast(femicide as integer) as femicide,
    cast(homicide_negligent as integer) as homicide_negligent,
    cast(homicide_intentional as integer) as homicide_intentional,
    cast(other_against_life as integer) as other_against_life,
    cast(total as integer) as total,
    total_equals_subtypes
from {{ source('sesnsp', 'sesnsp_lethal_violence_state_month') }}
