-- INEGI homicide victims by municipality of occurrence and month of registration, 1990–2015, typed; zero months
-- are explicit for places listed in a year's export.
select
    cvegeo,
    cve_ent,
    cve_mun,
    place_name,
    area_type,
    cast(year_registration as integer) as year,
    cast(month_registration as integer) as month,
    {{ month_start('year_registration', 'month_registration') }} as period,
    cast(homicides as integer) as homicides,
    source_file
from {{ source('inegi', 'inegi_homicides_mun_month_registration') }}
