-- One row per municipality of the 2020 census with names, population and seat coordinates.
select
    cvegeo,
    cve_ent,
    cve_mun,
    state_name,
    state_name_official,
    state_abbr,
    municipality_name,
    cast(population_2020 as bigint) as population_2020,
    cast(population_male_2020 as bigint) as population_male_2020,
    cast(population_female_2020 as bigint) as population_female_2020,
    metro_area,
    cast(seat_longitude as double precision) as seat_longitude,
    cast(seat_latitude as double precision) as seat_latitude
from {{ source('census', 'census_municipal_catalogue_2020') }}
