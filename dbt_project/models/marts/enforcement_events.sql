-- Dated enforcement events for event studies: high-profile arrests announced by Mexico's
-- Security Cabinet (place matched to INEGI codes; dated by the arrest date, null when the file gives none,
-- with the press-conference date in announced_date) and OFAC SDN designations / delistings
-- (dates approximated by the first / last scrape snapshot listing the entry, within days).
-- event_date and event_period are null for arrests with an unknown arrest date: count announcements by
-- announced_date, never by event_period.
with arrests as (
    select
        'arrest-' || cast(arrest_id as {{ dbt.type_string() }}) as event_id,
        'arrest' as event_type,
        -- dated by the arrest only: the press conference can come months later (announced_date keeps it);
        -- an arrest without a stated arrest date has no event_date (date_basis 'unknown')
        date_of_arrest as event_date,
        case when date_of_arrest is null then 'unknown' else 'date_of_arrest' end as date_basis,
        conference_date as announced_date,
        'MX' as country,
        cve_ent,
        cvegeo,
        match_status as place_match_status,
        detainee_name as subject_name,
        'individual' as subject_type,
        criminal_group as organisation_or_program,
        mentions_fentanyl as narcotics_related,
        mentions_fentanyl,
        cast(null as boolean) as mexico_nexus,
        us_extradition_request,
        'Gabinete de Seguridad press conferences (third-party compilation)' as source
    from {{ ref('stg_enforcement__gabinete_arrests') }}
),

snapshot as (
    select ent_num, mexico_nexus from {{ ref('stg_enforcement__ofac_sdn_2024_05_03') }}
),

sdn as (
    select f.*, s.mexico_nexus
    from {{ ref('stg_enforcement__ofac_sdn_first_last_seen') }} as f
    left join snapshot as s on s.ent_num = f.ent_num
),

{#- Designations are dated by the first scrape snapshot that lists an entry, delistings by the last one. -#}
{% for kind, date_column, not_in_snapshot in [('designation', 'first_seen_date', 'present_in_first_snapshot'),
                                              ('delisting', 'last_seen_date', 'present_in_last_snapshot')] %}
    sdn_{{ kind }}s as (
        select
            'sdn-{{ kind }}-' || cast(ent_num as {{ dbt.type_string() }}) as event_id,
            'sanction_{{ kind }}' as event_type,
            {{ date_column }} as event_date,
            '{{ date_column.replace('_date', '') }}_snapshot' as date_basis,
            {{ date_column }} as announced_date,
            'US' as country,
            cast(null as {{ dbt.type_string() }}) as cve_ent,
            cast(null as {{ dbt.type_string() }}) as cvegeo,
            cast(null as {{ dbt.type_string() }}) as place_match_status,
            sdn_name as subject_name,
            sdn_type as subject_type,
            programs as organisation_or_program,
            narcotics_program as narcotics_related,
            cast(null as boolean) as mentions_fentanyl,
            mexico_nexus,
            cast(null as {{ dbt.type_string() }}) as us_extradition_request,
            'OFAC SDN list (scrape history)' as source
        from sdn
        where not {{ not_in_snapshot }}
    ),

{% endfor %}
events as (
    select * from arrests
    union all
    select * from sdn_designations
    union all
    select * from sdn_delistings
)

select
    *,
    {{ month_of('event_date') }} as event_period
from events
