-- Victims (persons) of fuero-común crimes by state, month, crime, modality, sex and age group.
select
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    cve_ent,
    state_name,
    crime_type,
    crime_subtype,
    modality,
    sex,
    age_group,
    cast(victims as integer) as victims
from {{ source('sesnsp', 'sesnsp_victims_state') }}
