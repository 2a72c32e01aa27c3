-- One row per (goal, line of action, indicator, unit, period, value, source): national
-- series for the three strategic goals of the Bicentennial Framework, ready to be compared
-- with the pre-October-2021 baseline. Counts of dated events are zero-filled within the
-- months their source covers; everything else is reported only where the source reports it.
{% set g1 = "I. Protect our people" %}
{% set g2 = "II. Prevent transborder crime" %}
{% set g3 = "III. Pursue criminal networks" %}

with calendar as (
    -- every month from Jan 2012 to the last IDEFF month (Jul 2025)
    select distinct period from {{ ref('stg_sesnsp__ideff_federal_state') }}
),

victims as (
    select
        period,
        year,
        sum(case when crime_subtype = 'Homicidio doloso' then victims else 0 end) as homicide,
        sum(case when crime_subtype = 'Homicidio doloso' and age_group = 'minor_0_17' then victims else 0 end) as homicide_minors,
        sum(case when crime_subtype = 'Feminicidio' then victims else 0 end) as femicide,
        sum(case when crime_subtype = 'Secuestro' then victims else 0 end) as kidnapping,
        sum(case when crime_subtype = 'Extorsión' then victims else 0 end) as extortion,
        sum(case when crime_subtype = 'Trata de personas' then victims else 0 end) as trafficking
    from {{ ref('stg_sesnsp__victims_state') }}
    group by period, year
),

victims_year as (
    select year, sum(homicide) as homicide, count(*) as months
    from victims
    group by year
),

population as (
    select year, sum(population) as population
    from {{ ref('stg_conapo__population') }}
    group by year
),

federal as (
    select
        period,
        sum(case when crime_group = 'narcotics_federal_penal_code' then crimes else 0 end) as narcotics,
        sum(case when crime_group = 'firearms' then crimes else 0 end) as firearms,
        sum(case when crime_group = 'organized_crime' then crimes else 0 end) as organized_crime,
        sum(case when crime_group = 'migration' then crimes else 0 end) as migration
    from {{ ref('stg_sesnsp__ideff_federal_state') }}
    group by period
),

cbp as (
    select
        period,
        sum(case when drug_type = 'Fentanyl' then quantity_lbs else 0 end) as fentanyl_lbs,
        sum(case when drug_type = 'Fentanyl' then seizure_events else 0 end) as fentanyl_events,
        sum(case when drug_type = 'Methamphetamine' then quantity_lbs else 0 end) as meth_lbs,
        sum(case when drug_type = 'Cocaine' then quantity_lbs else 0 end) as cocaine_lbs
    from {{ ref('cbp_seizures_month') }}
    where is_southwest_border and component in ('Office of Field Operations', 'U.S. Border Patrol')
    group by period
),

sdn_new as (
    select
        {{ month_of('first_seen_date') }} as period,
        sum(case when f.narcotics_program then 1 else 0 end) as narcotics,
        sum(case when f.narcotics_program and s.mexico_nexus then 1 else 0 end) as narcotics_mexico
    from {{ ref('stg_enforcement__ofac_sdn_first_last_seen') }} as f
    left join {{ ref('stg_enforcement__ofac_sdn_2024_05_03') }} as s on s.ent_num = f.ent_num
    where not f.present_in_first_snapshot
    group by {{ month_of('first_seen_date') }}
),

sdn_window as (
    select min({{ month_of('first_seen_date') }}) as first_period, max({{ month_of('last_seen_date') }}) as last_period
    from {{ ref('stg_enforcement__ofac_sdn_first_last_seen') }}
),

arrests as (
    select
        {{ month_of('conference_date') }} as period,
        count(*) as arrests,
        sum(case when us_extradition_request = 'yes' then 1 else 0 end) as extradition_requests
    from {{ ref('stg_enforcement__gabinete_arrests') }}
    group by {{ month_of('conference_date') }}
),

arrests_window as (
    select min({{ month_of('conference_date') }}) as first_period, max({{ month_of('conference_date') }}) as last_period
    from {{ ref('stg_enforcement__gabinete_arrests') }}
),

inegi as (
    select period, sum(homicides) as homicides
    from {{ ref('stg_gargiulo__homicides') }}
    group by period
),

inegi_registration as (
    -- deaths in Mexico only (deaths abroad excluded), by year of registration
    select year, sum(homicides) as homicides
    from {{ ref('stg_inegi__homicides_registration') }}
    where area_type <> 'abroad'
    group by year
),

idm_lethal as (
    select period, sum(homicide_intentional) as files
    from {{ ref('stg_sesnsp__lethal_violence_municipal') }}
    group by period
),

sspc as (
    select period, sum(homicides) as homicides
    from {{ ref('stg_sspc__daily_homicides') }}
    group by period
),

migrants as (
    select period, sum(migrants_detained) as migrants
    from {{ ref('stg_guardia__deployment_migrants_state_month') }}
    group by period
),

guardia as (
    select
        period,
        sum(personnel_assigned) as personnel,
        sum(case when suspected_transcription_error then 1 else 0 end) as flagged_cells
    from {{ ref('stg_guardia__deployment_state_month') }}
    group by period
),

vsrr as (
    select period, deaths_12mo_ending from {{ ref('stg_cdc__vsrr_synthetic_opioid_deaths_national') }}
),

wonder as (
    select year, sum(deaths) as deaths from {{ ref('stg_cdc__wonder_drug_induced_deaths_state') }} group by year
),

rows_ as (
    -- Goal I: Protect our people
    select '{{ g1 }}' as goal, 'Homicide and high-impact crime reduction' as line_of_action,
           'Intentional-homicide victims' as indicator, 'victims' as unit,
           period, 'month' as period_grain, 'MX' as geography, cast(homicide as double) as value,
           'SESNSP víctimas (fuero común)' as source
    from victims
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Intentional-homicide victims per 100,000 inhabitants',
           'victims per 100,000 per year', {{ month_start('v.year', '1') }}, 'year', 'MX',
           v.homicide * 100000.0 / p.population, 'SESNSP víctimas; CONAPO population'
    from victims_year as v
    inner join population as p on p.year = v.year
    where v.months = 12
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Homicide victims on death certificates (month of occurrence)',
           'victims', period, 'month', 'MX', cast(homicides as double), 'INEGI death records (Gargiulo et al.)'
    from inegi
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Homicide victims on death certificates (year of registration)',
           'victims', {{ month_start('year', '1') }}, 'year', 'MX', cast(homicides as double), 'INEGI death records (OLAP exports)'
    from inegi_registration
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Intentional-homicide investigation files (sum of municipalities)',
           'investigation files', period, 'month', 'MX', cast(files as double), 'SESNSP incidencia delictiva municipal (third-party aggregate)'
    from idm_lethal
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Homicide victims in the preliminary daily report',
           'victims', period, 'month', 'MX', cast(homicides as double), 'SSPC daily report (fuentes abiertas, PADeCI transcription)'
    from sspc
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Femicide victims', 'victims', period, 'month', 'MX',
           cast(femicide as double), 'SESNSP víctimas (fuero común)'
    from victims
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Kidnapping victims', 'victims', period, 'month', 'MX',
           cast(kidnapping as double), 'SESNSP víctimas (fuero común)'
    from victims
    union all
    select '{{ g1 }}', 'Homicide and high-impact crime reduction', 'Extortion victims', 'victims', period, 'month', 'MX',
           cast(extortion as double), 'SESNSP víctimas (fuero común)'
    from victims
    union all
    select '{{ g1 }}', 'Safe communities', 'Intentional-homicide victims aged 0–17', 'victims', period, 'month', 'MX',
           cast(homicide_minors as double), 'SESNSP víctimas (fuero común)'
    from victims
    union all
    select '{{ g1 }}', 'Public health', 'Synthetic-opioid (T40.4) overdose deaths, 12 months ending', 'deaths',
           period, 'month', 'US', cast(deaths_12mo_ending as double), 'CDC VSRR provisional drug overdose death counts'
    from vsrr
    union all
    select '{{ g1 }}', 'Public health', 'Drug-induced deaths', 'deaths', {{ month_start('year', '1') }}, 'year', 'US',
           cast(deaths as double), 'CDC WONDER underlying cause of death'
    from wonder

    -- Goal II: Prevent transborder crime
    union all
    select '{{ g2 }}', 'Secure modes of travel and commerce', 'Fentanyl seized at the southwest border (ports and between ports)',
           'pounds', period, 'month', 'US-MX border', fentanyl_lbs, 'CBP nationwide drug seizures (OFO + USBP)'
    from cbp
    union all
    select '{{ g2 }}', 'Secure modes of travel and commerce', 'Fentanyl seizure events at the southwest border',
           'events', period, 'month', 'US-MX border', cast(fentanyl_events as double), 'CBP nationwide drug seizures (OFO + USBP)'
    from cbp
    union all
    select '{{ g2 }}', 'Secure modes of travel and commerce', 'Methamphetamine seized at the southwest border',
           'pounds', period, 'month', 'US-MX border', meth_lbs, 'CBP nationwide drug seizures (OFO + USBP)'
    from cbp
    union all
    select '{{ g2 }}', 'Secure modes of travel and commerce', 'Cocaine seized at the southwest border',
           'pounds', period, 'month', 'US-MX border', cocaine_lbs, 'CBP nationwide drug seizures (OFO + USBP)'
    from cbp
    union all
    select '{{ g2 }}', 'Reduce arms trafficking', 'Federal firearms-law investigations (LFAFE)', 'investigation files',
           period, 'month', 'MX', cast(firearms as double), 'SESNSP incidencia delictiva del fuero federal'
    from federal
    union all
    select '{{ g2 }}', 'Disrupt TCO supply chains', 'Federal narcotics investigations (contra la salud, CPF)', 'investigation files',
           period, 'month', 'MX', cast(narcotics as double), 'SESNSP incidencia delictiva del fuero federal'
    from federal
    union all
    select '{{ g2 }}', 'Human smuggling and trafficking', 'Federal migration-law investigations', 'investigation files',
           period, 'month', 'MX', cast(migration as double), 'SESNSP incidencia delictiva del fuero federal'
    from federal
    union all
    select '{{ g2 }}', 'Human smuggling and trafficking', 'Human-trafficking victims (trata de personas)', 'victims',
           period, 'month', 'MX', cast(trafficking as double), 'SESNSP víctimas (fuero común)'
    from victims
    union all
    select '{{ g2 }}', 'Human smuggling and trafficking', 'Migrants detained in INM migration stations', 'persons',
           period, 'month', 'MX', cast(migrants as double), 'INM (via National Guard deployment republication)'
    from migrants
    union all
    -- an input rather than an outcome: the deployment whose effect the evaluations estimate
    select '{{ g1 }}', 'Safe communities', 'National Guard personnel assigned to the states (input)', 'personnel',
           period, 'month', 'MX', cast(personnel as double),
           case when flagged_cells > 0 then 'Guardia Nacional, request 2800100091921 (includes a flagged outlier)'
                else 'Guardia Nacional, request 2800100091921' end
    from guardia

    -- Goal III: Pursue criminal networks
    union all
    select '{{ g3 }}', 'Disrupt illicit financiers', 'New OFAC SDN designations under counter-narcotics programs', 'entries',
           c.period, 'month', 'US', cast(coalesce(n.narcotics, 0) as double), 'OFAC SDN list (first seen in scrape history)'
    from calendar as c
    cross join sdn_window as w
    left join sdn_new as n on n.period = c.period
    where c.period > w.first_period and c.period < w.last_period
    union all
    select '{{ g3 }}', 'Disrupt illicit financiers', 'New OFAC SDN counter-narcotics designations with a Mexico nexus', 'entries',
           c.period, 'month', 'US', cast(coalesce(n.narcotics_mexico, 0) as double), 'OFAC SDN list (first seen; remarks of 2024-05-03)'
    from calendar as c
    cross join sdn_window as w
    left join sdn_new as n on n.period = c.period
    where c.period > w.first_period and c.period < w.last_period
    union all
    select '{{ g3 }}', 'Capacity to investigate and prosecute', 'Federal organized-crime investigations (LFCDO)', 'investigation files',
           period, 'month', 'MX', cast(organized_crime as double), 'SESNSP incidencia delictiva del fuero federal'
    from federal
    union all
    select '{{ g3 }}', 'Capacity to investigate and prosecute', 'High-profile arrests announced by the Security Cabinet', 'detainees',
           c.period, 'month', 'MX', cast(coalesce(a.arrests, 0) as double), 'Gabinete de Seguridad press conferences (third-party compilation)'
    from calendar as c
    cross join arrests_window as w
    left join arrests as a on a.period = c.period
    where c.period between w.first_period and w.last_period
    union all
    select '{{ g3 }}', 'Extraditions', 'Announced arrests with a U.S. extradition request', 'detainees',
           c.period, 'month', 'MX', cast(coalesce(a.extradition_requests, 0) as double), 'Gabinete de Seguridad press conferences (third-party compilation)'
    from calendar as c
    cross join arrests_window as w
    left join arrests as a on a.period = c.period
    where c.period between w.first_period and w.last_period
)

select
    goal,
    line_of_action,
    indicator,
    unit,
    period,
    period_grain,
    geography,
    value,
    source,
    case when period < cast('2021-10-01' as date) then 'baseline' else 'framework' end as framework_phase
from rows_
