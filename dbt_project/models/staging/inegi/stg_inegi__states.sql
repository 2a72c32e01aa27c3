select
    cve_ent,
    nom_ent as state_name,
    geometry_wkb
from {{ source('inegi', 'states') }}
