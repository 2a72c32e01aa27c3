-- National victims of fuero-común crimes (SESNSP) by month, crime subtype, sex and age group: the
-- series behind the safe-communities evaluations of women and minors (modalities and states summed).
select
    period,
    crime_subtype,
    sex,
    age_group,
    sum(victims) as victims
from {{ ref('stg_sesnsp__victims_state') }}
group by period, crime_subtype, sex, age_group
