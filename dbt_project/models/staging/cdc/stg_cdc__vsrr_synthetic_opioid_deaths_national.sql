-- U.S. synthetic-opioid overdose deaths in the 12 months ending each month.
select
    cast(period_end_month as date) as period,
    cast(year as integer) as year,
    cast(month as integer) as month,
    drug_indicator,
    cast(deaths_12mo_ending as integer) as deaths_12mo_ending
from {{ source('cdc', 'cdc_vsrr_synthetic_opioid_deaths_national') }}
