select
    cvegeo,
    substr(cvegeo, 1, 2) as cve_ent,
    entidad as state_name,
    municipio as municipality_name,
    cast(year as integer) as year,
    cast(population as bigint) as population
from {{ source('conapo', 'conapo_population') }}
