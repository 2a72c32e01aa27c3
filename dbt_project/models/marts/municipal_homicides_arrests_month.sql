-- Municipality × month intentional-homicide investigation files (SESNSP municipal incidence, Jan 2024 –
-- Jun 2025) with CONAPO population, the rate per 100,000 and the month of the first high-profile arrest
-- (announced by the Security Cabinet) in the municipality, by arrest date: the panel of the arrests event
-- study. The month of the first press-conference announcement is kept for reference only; arrests without
-- an arrest date are counted (undated_arrests) but do not date the treatment.
with files as (
    select cvegeo, cve_ent, period, sum(homicide_intentional) as homicide_files
    from {{ ref('stg_sesnsp__lethal_violence_municipal') }}
    where cvegeo is not null
    group by cvegeo, cve_ent, period
),

panel_window as (
    select max(period) as last_period from files
),

arrests as (
    select
        cvegeo,
        -- min() skips the null event_period of arrests with an unknown arrest date
        min(event_period) as first_arrest_period,
        min({{ month_of('announced_date') }}) as first_announcement_period,
        count(*) as arrests,
        count(case when event_date is null then 1 end) as undated_arrests
    from {{ ref('enforcement_events') }}
    where event_type = 'arrest' and cvegeo is not null
    group by cvegeo
),

population as (
    select cvegeo, year, population from {{ ref('stg_conapo__population') }}
)

select
    f.cvegeo,
    f.cve_ent,
    f.period,
    cast(extract(year from f.period) as integer) as year,
    f.homicide_files,
    cast(p.population as double precision) as population,
    case when p.population > 0 then f.homicide_files * 100000.0 / p.population end as homicide_files_per_100k,
    -- an arrest after the last month of the panel cannot be studied: such municipalities count as not treated
    case when a.first_arrest_period <= w.last_period then a.first_arrest_period end as first_arrest_period,
    -- for reference only (not the treatment date), whether or not it falls inside the panel
    a.first_announcement_period,
    coalesce(a.arrests, 0) as arrests_announced,
    coalesce(a.undated_arrests, 0) as undated_arrests
from files as f
cross join panel_window as w
left join population as p on p.cvegeo = f.cvegeo and p.year = cast(extract(year from f.period) as integer)
left join arrests as a on a.cvegeo = f.cvegeo
