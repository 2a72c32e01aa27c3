select
    program,
    event,
    unit_type,
    unit_code,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date,
    cast(intensity as double precision) as intensity,
    source
from {{ source('programs', 'program_rollouts') }}
