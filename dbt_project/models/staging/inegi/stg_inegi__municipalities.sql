select
    cvegeo,
    cve_ent,
    cve_mun,
    nom_ent as state_name,
    nomgeo as municipality_name,
    geometry_wkb
from {{ source('inegi', 'municipalities') }}
