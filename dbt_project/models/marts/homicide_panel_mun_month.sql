-- Municipality × month homicide panel (INEGI/Gargiulo, month of occurrence) with CONAPO population,
-- the monthly rate per 100,000 and the start month of the joint military operation covering it.
with homicides as (
    select * from {{ ref('stg_gargiulo__homicides') }}
),

population as (
    select cvegeo, year, population from {{ ref('stg_conapo__population') }}
),

operations as (
    select unit_type, unit_code, first_start_period
    from {{ ref('int_program_first_start') }}
    where program = 'joint_operations_2006_2008'
),

joined as (
    select
        h.cvegeo,
        h.cve_ent,
        h.year,
        h.month,
        h.period,
        h.homicides,
        coalesce(cast(p.population as double precision), h.pop_est) as population,
        case
            when p.population is not null then 'CONAPO'
            when h.pop_est is not null then 'Gargiulo interpolation'
        end as population_source,
        coalesce(m.first_start_period, s.first_start_period) as treatment_start_period,
        h.source
    from homicides as h
    left join population as p on p.cvegeo = h.cvegeo and p.year = h.year
    left join operations as m on m.unit_type = 'municipality' and m.unit_code = h.cvegeo
    left join operations as s on s.unit_type = 'state' and s.unit_code = h.cve_ent
)

select
    cvegeo,
    cve_ent,
    year,
    month,
    period,
    homicides,
    population,
    population_source,
    case when population > 0 then homicides * 100000.0 / population end as homicide_rate,
    treatment_start_period,
    source
from joined
