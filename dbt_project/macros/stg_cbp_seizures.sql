{# The CBP drug-seizure releases (nationwide: OFO + USBP; Air and Marine Operations) share one
   published layout: one staging select typed the same way for both. #}
{% macro stg_cbp_seizures(source_table) -%}
select
    cast(fiscal_year as integer) as fiscal_year,
    fiscal_year_to_date,
    cast(calendar_year as integer) as calendar_year,
    cast(month as integer) as month,
    cast(period_month as date) as period,
    component,
    region,
    land_filter,
    area_of_responsibility,
    drug_type,
    cast(seizure_events as integer) as seizure_events,
    cast(quantity_lbs as double precision) as quantity_lbs,
    release_file
from {{ source('cbp', source_table) }}
{%- endmacro %}
