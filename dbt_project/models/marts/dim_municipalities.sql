-- One row per municipality polygon with its state; the geography every map joins to.
select
    m.cvegeo,
    m.cve_ent,
    m.cve_mun,
    m.municipality_name,
    s.state_name,
    m.geometry_wkb
from {{ ref('stg_inegi__municipalities') }} as m
left join {{ ref('stg_inegi__states') }} as s on s.cve_ent = m.cve_ent
