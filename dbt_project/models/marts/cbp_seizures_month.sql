-- CBP drug seizures as a complete panel: every area of responsibility × drug that ever
-- appears, for every month CBP published, with zeros where CBP lists no seizure
-- (CBP's files only carry non-zero cells). Land and other seizures are added together.
with seizures as (
    select period, component, region, area_of_responsibility, drug_type, seizure_events, quantity_lbs, fiscal_year_to_date
    from {{ ref('stg_cbp__drug_seizures_nationwide') }}
    union all
    select period, component, region, area_of_responsibility, drug_type, seizure_events, quantity_lbs, fiscal_year_to_date
    from {{ ref('stg_cbp__drug_seizures_amo') }}
),

months as (
    select distinct period from seizures
),

units as (
    select distinct component, region, area_of_responsibility, drug_type from seizures
),

cells as (
    select
        period,
        component,
        region,
        area_of_responsibility,
        drug_type,
        sum(seizure_events) as seizure_events,
        sum(quantity_lbs) as quantity_lbs
    from seizures
    group by period, component, region, area_of_responsibility, drug_type
),

fytd as (
    select distinct period from seizures
    where fiscal_year_to_date
)

select
    m.period,
    cast(extract(year from m.period) as integer) as calendar_year,
    cast(extract(month from m.period) as integer) as month,
    cast(extract(year from m.period) as integer)
    + case when extract(month from m.period) >= 10 then 1 else 0 end as fiscal_year,
    coalesce(f.period is not null, false) as fiscal_year_to_date,
    u.component,
    u.region,
    u.area_of_responsibility,
    u.drug_type,
    coalesce(u.region = 'Southwest Border', false) as is_southwest_border,
    coalesce(c.seizure_events, 0) as seizure_events,
    coalesce(c.quantity_lbs, 0.0) as quantity_lbs
from months as m
cross join units as u
left join cells as c
    on c.period = m.period
        and c.component = u.component
        and c.region = u.region
        and c.area_of_responsibility = u.area_of_responsibility
        and c.drug_type = u.drug_type
left join fytd as f on f.period = m.period
