"""Evaluation library for the Bicentennial Framework: DataFrames in, result objects out.

No Dagster or dbt imports anywhere in this package, so every estimator can be tested and
reused on its own.
"""
