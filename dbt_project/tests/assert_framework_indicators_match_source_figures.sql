{# National figures stated in the data folders' SOURCE.md files, recomputed from the indicators mart.
   Returns one row per figure that does not match (the test passes when it returns nothing).
   Skipped on warehouses that do not hold the embedded data (e.g. a one-month sample): each check
   only fires when the indicator has the months it needs. #}
with ind as (
    select indicator, period, value from {{ ref('indicators') }}
),

checks as (
    -- sesnsp_victimas_estatal_2015_2025/SOURCE.md: intentional-homicide victims 2019 = 34,723; 2024 = 30,046
    select 'SESNSP homicide victims 2019' as figure, 34723.0 as expected, sum(value) as observed, count(*) as months, 12 as months_needed
    from
        ind
    where indicator = 'Intentional-homicide victims'
        and period between cast('2019-01-01' as date) and cast('2019-12-01' as date)
    union all
    select 'SESNSP homicide victims 2024', 30046.0, sum(value), count(*), 12
    from
        ind
    where indicator = 'Intentional-homicide victims'
        and period between cast('2024-01-01' as date) and cast('2024-12-01' as date)
    -- cbp_drug_seizures_fy19_fy26/SOURCE.md: southwest-border fentanyl FY2023 = 26,718 lb; FY2021 = 10,586 lb
    union all
    select 'CBP SWB fentanyl FY2023 (lb, rounded)', 26718.0, round(sum(value)), count(*), 12
    from
        ind
    where indicator = 'Fentanyl seized at the southwest border (ports and between ports)'
        and period between cast('2022-10-01' as date) and cast('2023-09-01' as date)
    union all
    select 'CBP SWB fentanyl FY2021 (lb, rounded)', 10586.0, round(sum(value)), count(*), 12
    from
        ind
    where indicator = 'Fentanyl seized at the southwest border (ports and between ports)'
        and period between cast('2020-10-01' as date) and cast('2021-09-01' as date)
    -- sspc_fuentes_abiertas…/SOURCE.md: national totals after clean-up 2019 = 27,987; 2020 = 26,646
    union all
    select 'SSPC preliminary homicides 2020', 26646.0, sum(value), count(*), 12
    from
        ind
    where indicator = 'Homicide victims in the preliminary daily report'
        and period between cast('2020-01-01' as date) and cast('2020-12-01' as date)
    -- ofac_sdn_gitscrape_2021_2024/SOURCE.md: new SDNTK / ILLICIT-DRUGS entries first seen in 2023Q4 = 79
    union all
    select 'OFAC new narcotics designations 2023Q4', 79.0, sum(value), count(*), 3
    from
        ind
    where indicator = 'New OFAC SDN designations under counter-narcotics programs'
        and period between cast('2023-10-01' as date) and cast('2023-12-01' as date)
    -- gabinete_seguridad_detenidos_2024_2025/SOURCE.md: 15 arrests with a U.S. extradition request
    union all
    select 'Announced arrests with a U.S. extradition request', 15.0, sum(value), count(*), 10
    from ind
    where indicator = 'Announced arrests with a U.S. extradition request'
)

select figure, expected, observed, months
from checks
where months >= months_needed and observed <> expected
