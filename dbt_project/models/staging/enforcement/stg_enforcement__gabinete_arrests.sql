-- High-profile arrests with dates, place matched to INEGI codes, criminal group and U.S. extradition request.
select
    cast(arrest_id as integer) as arrest_id,
    cast(conference_id as integer) as conference_id,
    cast(conference_date as date) as conference_date,
    cast(date_of_arrest as date) as date_of_arrest,
    date_of_arrest_text,
    detainee_name,
    cast(detainee_age as integer) as detainee_age,
    detainee_alias,
    criminal_group,
    charges_or_role,
    city_municipality,
    state_of_arrest,
    involved_institutions,
    us_extradition_request,
    items_seized,
    mentions_fentanyl,
    mentions_firearms,
    cve_ent,
    cvegeo,
    match_status
from {{ source('gabinete', 'gabinete_arrests') }}
