-- SDN entries on 2024-05-03 with programs, remarks and a Mexico-nexus flag read from the remarks.
select
    cast(ent_num as integer) as ent_num,
    cast(snapshot_date as date) as snapshot_date,
    sdn_name,
    sdn_type,
    programs,
    narcotics_program,
    title,
    remarks,
    mexico_nexus,
    mentions_curp_or_rfc,
    linked_to
from {{ source('ofac', 'ofac_sdn_2024_05_03') }}
