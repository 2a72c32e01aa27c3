-- CBP seizure events and pounds (Air and Marine Operations branches) by calendar month, AOR and drug.
select
    cast(fiscal_year as integer) as fiscal_year,
    fiscal_year_to_date,
    cast(calendar_year as integer) as calendar_year,
    cast(month as integer) as month,
    cast(period_month as date) as period,
    component,
    region,
    land_filter,
    area_of_responsibility,
    drug_type,
    cast(seizure_events as integer) as seizure_events,
    cast(quantity_lbs as double) as quantity_lbs,
    release_file
from {{ source('raw', 'cbp_drug_seizures_amo') }}
