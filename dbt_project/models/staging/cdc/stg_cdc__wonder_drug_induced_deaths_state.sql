-- Drug-induced deaths and crude rates per 100,000 by U.S. state and year.
select
    state_name,
    cast(year as integer) as year,
    cast(deaths as integer) as deaths,
    cast(population as bigint) as population,
    cast(crude_rate_per_100k as double precision) as crude_rate_per_100k,
    crude_rate_reliable,
    cast(crude_rate_lower_95 as double precision) as crude_rate_lower_95,
    cast(crude_rate_upper_95 as double precision) as crude_rate_upper_95,
    cast(crude_rate_standard_error as double precision) as crude_rate_standard_error
from {{ source('cdc', 'cdc_wonder_drug_induced_deaths_state') }}
