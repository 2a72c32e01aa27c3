-- Census population by municipality and sex at each census or count.
select
    cast(census_year as integer) as census_year,
    cvegeo,
    cve_ent,
    cve_mun,
    municipality_name,
    cast(population as bigint) as population,
    cast(population_male as bigint) as population_male,
    cast(population_female as bigint) as population_female
from {{ source('census', 'census_population_municipal') }}
