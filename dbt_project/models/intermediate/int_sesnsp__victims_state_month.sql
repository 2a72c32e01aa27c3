-- SESNSP victims (fuero común) pivoted to one row per state and month with the crimes the marts report;
-- the one place that decides which crime subtypes and age groups count (marts.state_month_panel and
-- marts.indicators both read it).
select
    cve_ent,
    year,
    month,
    period,
    sum(case when crime_subtype = 'Homicidio doloso' then victims else 0 end) as homicide_victims,
    sum(case when crime_subtype = 'Homicidio doloso' and age_group = 'minor_0_17' then victims else 0 end) as homicide_victims_minors,
    sum(case when crime_subtype = 'Feminicidio' then victims else 0 end) as femicide_victims,
    sum(case when crime_subtype = 'Secuestro' then victims else 0 end) as kidnapping_victims,
    sum(case when crime_subtype = 'Extorsión' then victims else 0 end) as extortion_victims,
    sum(case when crime_subtype = 'Trata de personas' then victims else 0 end) as trafficking_victims
from {{ ref('stg_sesnsp__victims_state') }}
group by cve_ent, year, month, period
