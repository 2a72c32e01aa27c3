-- One row per (goal, line of action, indicator, unit, period, value, source): national
-- series for the three strategic goals of the Bicentennial Framework, ready to be compared
-- with the pre-October-2021 baseline. Counts of dated events are zero-filled within the
-- months their source covers; everything else is reported only where the source reports it.
{#- Lines of action are named by their id (seeds framework_goals and framework_lines_of_action, the one
    definition in evaluations/framework/); the goal and the published names are joined at the end. -#}
{#- Series read straight from one CTE column: (line of action, indicator, unit, CTE, column, grain, geography, source).
    grain "month": the CTE has `period`; grain "year": it has `year` (the row is dated January 1). -#}
{% set series = [
    ('homicide_reduction', 'Intentional-homicide victims', 'victims', 'victims', 'homicide', 'month', 'MX', 'SESNSP víctimas (fuero común)'),
    ('homicide_reduction', 'Homicide victims on death certificates (month of occurrence)', 'victims', 'inegi', 'homicides', 'month', 'MX', 'INEGI death records (Gargiulo et al.)'),
    ('homicide_reduction', 'Homicide victims on death certificates (year of registration)', 'victims', 'inegi_registration', 'homicides', 'year', 'MX', 'INEGI death records (OLAP exports)'),
    ('homicide_reduction', 'Intentional-homicide investigation files (sum of municipalities)', 'investigation files', 'idm_lethal', 'files', 'month', 'MX', 'SESNSP incidencia delictiva municipal (third-party aggregate)'),
    ('homicide_reduction', 'Homicide victims in the preliminary daily report', 'victims', 'sspc', 'homicides', 'month', 'MX', 'SSPC daily report (fuentes abiertas, PADeCI transcription)'),
    ('homicide_reduction', 'Femicide victims', 'victims', 'victims', 'femicide', 'month', 'MX', 'SESNSP víctimas (fuero común)'),
    ('homicide_reduction', 'Kidnapping victims', 'victims', 'victims', 'kidnapping', 'month', 'MX', 'SESNSP víctimas (fuero común)'),
    ('homicide_reduction', 'Extortion victims', 'victims', 'victims', 'extortion', 'month', 'MX', 'SESNSP víctimas (fuero común)'),
    ('safe_communities', 'Intentional-homicide victims aged 0–17', 'victims', 'victims', 'homicide_minors', 'month', 'MX', 'SESNSP víctimas (fuero común)'),
    ('public_health', 'Synthetic-opioid (T40.4) overdose deaths, 12 months ending', 'deaths', 'vsrr', 'deaths_12mo_ending', 'month', 'US', 'CDC VSRR provisional drug overdose death counts'),
    ('public_health', 'Drug-induced deaths', 'deaths', 'wonder', 'deaths', 'year', 'US', 'CDC WONDER underlying cause of death'),
    ('secure_travel_commerce', 'Fentanyl seized at the southwest border (ports and between ports)', 'pounds', 'cbp', 'fentanyl_lbs', 'month', 'US-MX border', 'CBP nationwide drug seizures (OFO + USBP)'),
    ('secure_travel_commerce', 'Fentanyl seizure events at the southwest border', 'events', 'cbp', 'fentanyl_events', 'month', 'US-MX border', 'CBP nationwide drug seizures (OFO + USBP)'),
    ('secure_travel_commerce', 'Methamphetamine seized at the southwest border', 'pounds', 'cbp', 'meth_lbs', 'month', 'US-MX border', 'CBP nationwide drug seizures (OFO + USBP)'),
    ('secure_travel_commerce', 'Cocaine seized at the southwest border', 'pounds', 'cbp', 'cocaine_lbs', 'month', 'US-MX border', 'CBP nationwide drug seizures (OFO + USBP)'),
    ('arms_trafficking', 'Federal firearms-law investigations (LFAFE)', 'investigation files', 'federal', 'firearms', 'month', 'MX', 'SESNSP incidencia delictiva del fuero federal'),
    ('tco_supply_chains', 'Federal narcotics investigations (contra la salud, CPF)', 'investigation files', 'federal', 'narcotics', 'month', 'MX', 'SESNSP incidencia delictiva del fuero federal'),
    ('human_smuggling_trafficking', 'Federal migration-law investigations', 'investigation files', 'federal', 'migration', 'month', 'MX', 'SESNSP incidencia delictiva del fuero federal'),
    ('human_smuggling_trafficking', 'Human-trafficking victims (trata de personas)', 'victims', 'victims', 'trafficking', 'month', 'MX', 'SESNSP víctimas (fuero común)'),
    ('human_smuggling_trafficking', 'Migrants detained in INM migration stations', 'persons', 'migrants', 'migrants', 'month', 'MX', 'INM (via National Guard deployment republication)'),
    ('investigation_prosecution', 'Federal organized-crime investigations (LFCDO)', 'investigation files', 'federal', 'organized_crime', 'month', 'MX', 'SESNSP incidencia delictiva del fuero federal'),
] %}
{#- Counts of dated events, zero-filled over the months the source covers: (line, indicator, unit, CTE, column, window CTE,
    window bounds (open: the first and last months are partial and left out; closed: kept), geography, source). -#}
{% set event_series = [
    ('illicit_financiers', 'New OFAC SDN designations under counter-narcotics programs', 'entries', 'sdn_new', 'narcotics', 'sdn_window', 'open', 'US', 'OFAC SDN list (first seen in scrape history)'),
    ('illicit_financiers', 'New OFAC SDN counter-narcotics designations with a Mexico nexus', 'entries', 'sdn_new', 'narcotics_mexico', 'sdn_window', 'open', 'US', 'OFAC SDN list (first seen; remarks of 2024-05-03)'),
    ('investigation_prosecution', 'High-profile arrests announced by the Security Cabinet', 'detainees', 'arrests', 'arrests', 'arrests_window', 'closed', 'MX', 'Gabinete de Seguridad press conferences (third-party compilation)'),
    ('extraditions', 'Announced arrests with a U.S. extradition request', 'detainees', 'arrests', 'extradition_requests', 'arrests_window', 'closed', 'MX', 'Gabinete de Seguridad press conferences (third-party compilation)'),
] %}


with calendar as (
    -- every month from Jan 2012 to the last IDEFF month (Jul 2025)
    select distinct period from {{ ref('stg_sesnsp__ideff_federal_state') }}
),

victims as (
    select
        period,
        year,
        sum(homicide_victims) as homicide,
        sum(homicide_victims_minors) as homicide_minors,
        sum(femicide_victims) as femicide,
        sum(kidnapping_victims) as kidnapping,
        sum(extortion_victims) as extortion,
        sum(trafficking_victims) as trafficking
    from {{ ref('int_sesnsp__victims_state_month') }}
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
    select year, sum(deaths) as deaths from {{ ref('stg_cdc__wonder_drug_induced_deaths_state') }}
    group by year
),

rows_ as (
    {%- for line, indicator, unit, cte, column, grain, geography, source in series %}
        select
            '{{ line }}' as line_of_action_id, '{{ indicator }}' as indicator, '{{ unit }}' as unit,
            {{ 'period' if grain == 'month' else month_start('year', '1') }} as period, '{{ grain }}' as period_grain,
            '{{ geography }}' as geography, cast({{ column }} as double precision) as value, '{{ source }}' as source
        from {{ cte }}
        union all
    {%- endfor %}
    {%- for line, indicator, unit, cte, column, window, bounds, geography, source in event_series %}
        select
            '{{ line }}', '{{ indicator }}', '{{ unit }}', c.period, 'month', '{{ geography }}',
            cast(coalesce(e.{{ column }}, 0) as double precision), '{{ source }}'
        from calendar as c
        cross join {{ window }} as w
        left join {{ cte }} as e on e.period = c.period
        where {{ 'c.period > w.first_period and c.period < w.last_period' if bounds == 'open' else 'c.period between w.first_period and w.last_period' }}
        union all
    {%- endfor %}
    select
        'homicide_reduction', 'Intentional-homicide victims per 100,000 inhabitants',
        'victims per 100,000 per year', {{ month_start('v.year', '1') }}, 'year', 'MX',
        v.homicide * 100000.0 / p.population, 'SESNSP víctimas; CONAPO population'
    from victims_year as v
    inner join population as p on p.year = v.year
    where v.months = 12
    union all
    -- an input rather than an outcome: the deployment whose effect the evaluations estimate
    select
        'safe_communities', 'National Guard personnel assigned to the states (input)', 'personnel',
        period, 'month', 'MX', cast(personnel as double precision),
        case when flagged_cells > 0 then 'Guardia Nacional, request 2800100091921 (includes a flagged outlier)'
            else 'Guardia Nacional, request 2800100091921'
        end
    from guardia
)

select
    g.number || '. ' || g.name_en as goal,
    l.name_en as line_of_action,
    r.indicator,
    r.unit,
    r.period,
    r.period_grain,
    r.geography,
    r.value,
    r.source,
    case when r.period < cast('2021-10-01' as date) then 'baseline' else 'framework' end as framework_phase
from rows_ as r
left join {{ ref('framework_lines_of_action') }} as l on l.line_of_action = r.line_of_action_id
left join {{ ref('framework_goals') }} as g on g.goal = l.goal
