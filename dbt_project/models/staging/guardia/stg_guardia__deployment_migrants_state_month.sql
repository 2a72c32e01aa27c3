-- National Guard deployment and INM migrant detentions by state and month.
select
    cast(year as integer) as year,
    cast(month as integer) as month,
    cast(period_month as date) as period,
    cve_ent,
    state_key,
    cast(personnel_assigned as integer) as personnel_assigned,
    cast(migrants_detained as integer) as migrants_detained,
    suspected_transcription_error
from {{ source('guardia', 'guardia_deployment_migrants_state_month') }}
