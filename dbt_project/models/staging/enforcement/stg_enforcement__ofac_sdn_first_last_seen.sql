-- SDN entries with approximate designation (first seen) and delisting (last seen) dates.
select
    cast(ent_num as integer) as ent_num,
    sdn_name,
    sdn_type,
    programs,
    narcotics_program,
    cast(first_seen_date as date) as first_seen_date,
    cast(last_seen_date as date) as last_seen_date,
    present_in_first_snapshot,
    present_in_last_snapshot
from {{ source('ofac', 'ofac_sdn_first_last_seen') }}
