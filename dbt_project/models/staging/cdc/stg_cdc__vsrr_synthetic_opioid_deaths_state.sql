-- Synthetic-opioid overdose deaths in the 12 months ending each month, by U.S. state (null where CDC suppressed the value).
select
    state_abbr,
    state_name,
    cast(period_end_month as date) as period,
    cast(year as integer) as year,
    cast(month as integer) as month,
    drug_indicator,
    cast(deaths_12mo_ending as integer) as deaths_12mo_ending,
    value_type,
    cast(percent_complete as double precision) as percent_complete,
    cast(percent_pending_investigation as double precision) as percent_pending_investigation
from {{ source('cdc', 'cdc_vsrr_synthetic_opioid_deaths_state') }}
