-- National Guard personnel assigned (stock) by state and month; the Coahuila March 2021 outlier is flagged, not fixed.
select
    cast(year as integer) as year,
    cast(month as integer) as month,
    cast(period_month as date) as period,
    cve_ent,
    state_name,
    cast(personnel_assigned as integer) as personnel_assigned,
    suspected_transcription_error
from {{ source('guardia', 'guardia_deployment_state_month') }}
