-- Federal investigation files by state, month, law, concept and type, with a Framework-relevant crime_group.
select
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    cve_ent,
    state_name,
    law,
    concept,
    crime_type,
    crime_group,
    cast(crimes as integer) as crimes
from {{ source('sesnsp', 'sesnsp_ideff_federal_state') }}
