"""The joint-operations TWFE coefficient and its cluster-robust standard error computed by hand from the
warehouse (Frisch–Waugh–Lovell demeaning and a sandwich written out), independent of evaluations/."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd


def two_way_demean(values: pd.Series, unit: pd.Series, time: pd.Series) -> np.ndarray:
    """Alternating projections onto unit and time means until nothing changes (FWL)."""
    v = values.to_numpy(dtype=float)
    for _ in range(1000):
        before = v
        v = v - pd.Series(v).groupby(unit.to_numpy()).transform("mean").to_numpy()
        v = v - pd.Series(v).groupby(time.to_numpy()).transform("mean").to_numpy()
        if np.max(np.abs(v - before)) < 1e-13:
            break
    return v


def small_cohorts(panel: pd.DataFrame) -> list[str]:
    """Publication rule cohort_min_size, applied by hand: an operation's cohort (municipalities first treated in
    the same month) with fewer than 5 municipalities or in a single state is left out of every estimate."""
    first = panel.dropna(subset=["treatment_start_period"]).drop_duplicates("cvegeo").copy()
    first["month"] = pd.to_datetime(first["treatment_start_period"]).dt.strftime("%Y-%m")
    size = first.groupby("month").agg(units=("cvegeo", "size"), states=("cve_ent", "nunique"))
    return sorted(size.index[(size["units"] < 5) | (size["states"] < 2)])


def joint_operations_twfe(con: duckdb.DuckDBPyConnection) -> dict:
    """The estimation panel 2004–2009 less the small cohorts, the coefficient, its standard error (clustered by
    state, scaled as R fixest's default ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE) and Stata's
    reghdfe do, by (n - 1) / (n - K) * G / (G - 1) with K = 1 regressor + (T - 1) period effects + 1 constant
    = T + 1: the municipality effects are nested in the state clusters and not counted), and the small cohorts
    left out."""
    panel = con.execute(
        "select cvegeo, cve_ent, period, homicide_rate, treatment_start_period from marts.homicide_panel_mun_month "
        "where period between date '2004-01-01' and date '2009-12-31'"
    ).df()
    small = small_cohorts(panel)
    months = pd.to_datetime(panel["treatment_start_period"]).dt.strftime("%Y-%m")
    panel = panel[~panel["cvegeo"].isin(panel.loc[months.isin(small), "cvegeo"])]
    treated = panel["treatment_start_period"].notna() & (
        pd.to_datetime(panel["period"]) >= pd.to_datetime(panel["treatment_start_period"]))
    y = two_way_demean(panel["homicide_rate"], panel["cvegeo"], panel["period"])
    d = two_way_demean(treated.astype(float), panel["cvegeo"], panel["period"])
    beta = d @ y / (d @ d)
    residual = y - beta * d
    scores = pd.Series(d * residual).groupby(panel["cve_ent"].to_numpy()).sum()
    n, periods, states = len(panel), panel["period"].nunique(), len(scores)
    assert (panel.groupby("cvegeo")["cve_ent"].nunique() == 1).all(), "a municipality in two states"
    factor = (n - 1) / (n - (periods + 1)) * states / (states - 1)
    se = float(np.sqrt((scores**2).sum() / (d @ d) ** 2 * factor))
    return {"estimate": float(beta), "std_error": se, "panel": panel, "small_cohorts": small}
