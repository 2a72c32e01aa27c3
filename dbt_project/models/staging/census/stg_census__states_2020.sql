-- One row per state with names, abbreviations and 2020 census population.
select
    cve_ent,
    state_name,
    state_name_official,
    state_abbr,
    state_abbr_official,
    cast(population_2020 as bigint) as population_2020
from {{ source('census', 'census_state_catalogue_2020') }}
