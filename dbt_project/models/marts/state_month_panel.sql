-- State × month panel of the Framework's Mexican outcomes and inputs, 2012 onwards.
-- Each source is null outside the months it covers and 0 inside them when it reports
-- nothing for a state (the published files list only non-zero cells for some sources).
-- Sources count different things (victims, death certificates, investigation files,
-- preliminary reports): they sit side by side, never added together.
with states as (
    select cve_ent, state_name from {{ ref('stg_census__states_2020') }}
),

calendar as (
    select distinct year, month, period from {{ ref('stg_sesnsp__ideff_federal_state') }}
    union
    select distinct year, month, period from {{ ref('int_sesnsp__victims_state_month') }}
    union
    select distinct year, month, period from {{ ref('stg_sesnsp__lethal_violence_state') }}
),

spine as (
    select s.cve_ent, s.state_name, c.year, c.month, c.period
    from states as s
    cross join calendar as c
),

inegi as (
    select cve_ent, period, sum(homicides) as homicides
    from {{ ref('stg_gargiulo__homicides') }}
    group by cve_ent, period
),

victims as (
    select * from {{ ref('int_sesnsp__victims_state_month') }}
),

lethal as (
    select cve_ent, period, sum(homicide_intentional) as homicide_files
    from {{ ref('stg_sesnsp__lethal_violence_municipal') }}
    group by cve_ent, period
),

sspc as (
    select cve_ent, period, sum(homicides) as homicides
    from {{ ref('stg_sspc__daily_homicides') }}
    where cve_ent is not null
    group by cve_ent, period
),

federal as (
    select
        cve_ent,
        period,
        sum(case when crime_group = 'narcotics_federal_penal_code' then crimes else 0 end) as narcotics_files,
        sum(case when crime_group = 'narcotics_retail' then crimes else 0 end) as narcotics_retail_files,
        sum(case when crime_group = 'firearms' then crimes else 0 end) as firearms_files,
        sum(case when crime_group = 'organized_crime' then crimes else 0 end) as organized_crime_files,
        sum(case when crime_group = 'migration' then crimes else 0 end) as migration_files
    from {{ ref('stg_sesnsp__ideff_federal_state') }}
    where cve_ent is not null
    group by cve_ent, period
),

guard as (
    select
        g.cve_ent,
        g.period,
        g.personnel_assigned,
        g.suspected_transcription_error,
        m.migrants_detained
    from {{ ref('stg_guardia__deployment_state_month') }} as g
    left join {{ ref('stg_guardia__deployment_migrants_state_month') }} as m
        on m.cve_ent = g.cve_ent and m.period = g.period
),

arrests as (
    select
        cve_ent,
        {{ month_of('conference_date') }} as period,
        count(*) as arrests,
        sum(case when us_extradition_request = 'yes' then 1 else 0 end) as arrests_us_extradition_request
    from {{ ref('stg_enforcement__gabinete_arrests') }}
    where cve_ent is not null
    group by cve_ent, {{ month_of('conference_date') }}
),

population as (
    select cve_ent, year, sum(population) as population
    from {{ ref('stg_conapo__population') }}
    group by cve_ent, year
),

coverage as (
    select 'inegi' as source_key, min(period) as first_period, max(period) as last_period from {{ ref('stg_gargiulo__homicides') }}
    union all
    select 'lethal', min(period), max(period) from {{ ref('stg_sesnsp__lethal_violence_municipal') }}
    union all
    select 'sspc', min(period), max(period) from {{ ref('stg_sspc__daily_homicides') }}
    union all
    select 'arrests', min({{ month_of('conference_date') }}), max({{ month_of('conference_date') }})
    from {{ ref('stg_enforcement__gabinete_arrests') }}
),

joined as (
    select
        s.cve_ent,
        s.state_name,
        s.year,
        s.month,
        s.period,
        case when s.period between ci.first_period and ci.last_period then coalesce(i.homicides, 0) end
            as inegi_homicide_victims,
        v.homicide_victims as sesnsp_homicide_victims,
        v.homicide_victims_minors as sesnsp_homicide_victims_minors,
        v.femicide_victims as sesnsp_femicide_victims,
        v.kidnapping_victims as sesnsp_kidnapping_victims,
        v.extortion_victims as sesnsp_extortion_victims,
        v.trafficking_victims as sesnsp_trafficking_victims,
        case when s.period between cl.first_period and cl.last_period then coalesce(l.homicide_files, 0) end
            as sesnsp_homicide_files,
        case when s.period between cs.first_period and cs.last_period then coalesce(p.homicides, 0) end
            as sspc_preliminary_homicides,
        f.narcotics_files as federal_narcotics_files,
        f.narcotics_retail_files as federal_narcotics_retail_files,
        f.firearms_files as federal_firearms_files,
        f.organized_crime_files as federal_organized_crime_files,
        f.migration_files as federal_migration_files,
        g.personnel_assigned as guardia_personnel_assigned,
        g.suspected_transcription_error as guardia_suspected_transcription_error,
        g.migrants_detained,
        case when s.period between ca.first_period and ca.last_period then coalesce(a.arrests, 0) end
            as security_cabinet_arrests,
        case when s.period between ca.first_period and ca.last_period then coalesce(a.arrests_us_extradition_request, 0) end
            as arrests_us_extradition_request,
        pop.population
    from spine as s
    cross join (
        select first_period, last_period from coverage
        where source_key = 'inegi'
    ) as ci
    cross join (
        select first_period, last_period from coverage
        where source_key = 'lethal'
    ) as cl
    cross join (
        select first_period, last_period from coverage
        where source_key = 'sspc'
    ) as cs
    cross join (
        select first_period, last_period from coverage
        where source_key = 'arrests'
    ) as ca
    left join inegi as i on i.cve_ent = s.cve_ent and i.period = s.period
    left join victims as v on v.cve_ent = s.cve_ent and v.period = s.period
    left join lethal as l on l.cve_ent = s.cve_ent and l.period = s.period
    left join sspc as p on p.cve_ent = s.cve_ent and p.period = s.period
    left join federal as f on f.cve_ent = s.cve_ent and f.period = s.period
    left join guard as g on g.cve_ent = s.cve_ent and g.period = s.period
    left join arrests as a on a.cve_ent = s.cve_ent and a.period = s.period
    left join population as pop on pop.cve_ent = s.cve_ent and pop.year = s.year
)

select
    *,
    case when population > 0 then sesnsp_homicide_victims * 100000.0 / population end
        as sesnsp_homicide_victims_per_100k
from joined
