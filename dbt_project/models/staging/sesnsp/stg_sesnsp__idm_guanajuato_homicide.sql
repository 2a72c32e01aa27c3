-- Homicide investigation files (carpetas) by Guanajuato municipality, month, subtype and modality.
select
    cvegeo,
    cve_ent,
    municipality_name,
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    crime_type,
    crime_subtype,
    modality,
    cast(crimes as integer) as crimes
from {{ source('sesnsp', 'sesnsp_idm_guanajuato_homicide') }}
