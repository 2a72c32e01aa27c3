-- Lethal-violence investigation files by municipality and month; unmatched names kept with null cvegeo and their match_status.
select
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    cve_ent,
    state_name,
    municipality_name,
    cvegeo,
    match_status,
    cast(femicide as integer) as femicide,
    cast(homicide_negligent as integer) as homicide_negligent,
    cast(homicide_intentional as integer) as homicide_intentional,
    cast(other_against_life as integer) as other_against_life,
    cast(total as integer) as total
from {{ source('sesnsp', 'sesnsp_idm_lethal_violence_municipal') }}
