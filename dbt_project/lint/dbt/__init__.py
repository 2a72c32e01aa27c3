"""What sqlfluff's jinja templater needs of dbt's cross-database macros to render the models for lint
(dbt_project/.sqlfluff: library_path); only for `make lint`, never imported by the pipeline."""


def type_string() -> str:
    return "varchar"
