-- Preliminary homicide victims by municipality and day (duplicated months removed), names matched to INEGI codes.
select
    cast(report_date as date) as report_date,
    cast(year as integer) as year,
    cast(month as integer) as month,
    {{ month_start('year', 'month') }} as period,
    cve_ent,
    state_name,
    municipality_name,
    cast(entry_number as integer) as entry_number,
    cvegeo,
    match_status,
    cast(homicides as integer) as homicides,
    cast(male as integer) as male,
    cast(female as integer) as female,
    cast(sex_unidentified as integer) as sex_unidentified,
    sex_breakdown_complete,
    month_file
from {{ source('sspc', 'sspc_daily_homicides_municipal') }}
