-- A unit's treatment starts with the first event of its program; later phases do not restart the clock.
select
    program,
    unit_type,
    unit_code,
    min(start_date) as first_start_date,
    {{ month_of('min(start_date)') }} as first_start_period,
    count(*) as n_events
from {{ ref('stg_programs__rollouts') }}
group by program, unit_type, unit_code
