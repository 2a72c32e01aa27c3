{# First day of a month from integer year and month columns; portable across adapters. #}
{% macro month_start(year, month) -%}
    {{ return(adapter.dispatch('month_start', 'bicentennial')(year, month)) }}
{%- endmacro %}

{% macro default__month_start(year, month) -%}
    cast(cast({{ year }} as varchar) || '-' || lpad(cast({{ month }} as varchar), 2, '0') || '-01' as date)
{%- endmacro %}

{% macro duckdb__month_start(year, month) -%}
    make_date(cast({{ year }} as integer), cast({{ month }} as integer), 1)
{%- endmacro %}

{# First day of the month that contains a date. #}
{% macro month_of(date_expr) -%}
    {{ month_start('extract(year from ' ~ date_expr ~ ')', 'extract(month from ' ~ date_expr ~ ')') }}
{%- endmacro %}
