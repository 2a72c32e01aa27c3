-- U.S. synthetic-opioid (T40.4) overdose deaths in the 12 months ending each month, national and by state,
-- in one table for the public-health interrupted time series (national headline, the same model per state).
select
    'national' as geography_level,
    'US' as state_abbr,
    'United States' as state_name,
    period,
    deaths_12mo_ending,
    'data_value' as value_type
from {{ ref('stg_cdc__vsrr_synthetic_opioid_deaths_national') }}
union all
select
    'state' as geography_level,
    state_abbr,
    state_name,
    period,
    deaths_12mo_ending,
    value_type
from {{ ref('stg_cdc__vsrr_synthetic_opioid_deaths_state') }}
