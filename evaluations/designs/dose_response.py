"""Dose response (`dose_response` specs) → result.json payloads: the change in the outcome per unit of
dose with unit and month fixed effects, with and without the rows flagged as outliers, said not to be a causal
average under heterogeneous effects, with the check of the continuous-treatment DiD's requirements (`dose_weights`)."""
from __future__ import annotations

import pandas as pd

from ..did import twfe
from ..reading import dose_reading, join
from ..spec_model import EvaluationSpec
from .common import UNITS, EvaluationOutput, _clean_num, _est, _skeleton, month_index, select_rows
from .dose_weights import CAVEAT, continuous_did_check


def run_dose_response(spec: EvaluationSpec, frame: pd.DataFrame) -> EvaluationOutput:
    d = spec.data
    assert d.unit is not None and d.outcome is not None  # required by the design (spec_model.REQUIRED_DATA)
    outcome, units = spec.outcome_texts()
    data = select_rows(spec, frame).copy()
    data = data[data[d.dose].notna()]
    data["_t"] = month_index(data[d.time]).astype("int64")
    dose = pd.to_numeric(data[d.dose], errors="coerce")
    if d.dose_per_100k:
        dose = dose / pd.to_numeric(data[d.dose_per_100k], errors="coerce") * 100_000
    data["_dose"] = dose
    outlier = data[d.outlier].fillna(False).astype(bool) if d.outlier else pd.Series(False, index=data.index)
    cluster = d.cluster or d.unit
    headline = twfe(data[~outlier], d.outcome, d.unit, "_t", "_dose", vcov="cluster", cluster=cluster)
    with_outlier = twfe(data, d.outcome, d.unit, "_t", "_dose", vcov="cluster", cluster=cluster)
    result = _skeleton(spec, UNITS, pd.to_datetime(data[d.time]).min(),
                       pd.to_datetime(data[d.time]).max(), data[d.unit].nunique(), headline.n_obs)
    att = {k: getattr(headline.att, k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
    att_all = {k: getattr(with_outlier.att, k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
    label = {"en": "Change in the outcome per unit of dose (state and month fixed effects, outlier excluded)",
             "es": "Cambio en el resultado por unidad de dosis (efectos fijos de estado y mes, sin el valor atípico)"}
    result["headline"] = {**{k: v for k, v in _est(att, "twfe_dose", label, units, "twfe_dose").items() if k != "id"}}
    result["estimates"] = [
        _est(att, "twfe_dose", label, units, "twfe_dose"),
        _est(att_all, "twfe_dose_with_outlier", {"en": "The same, keeping the flagged outlier",
                                                 "es": "Lo mismo, conservando el valor atípico señalado"}, units, "twfe_dose"),
    ]
    flagged = data.loc[outlier, [d.unit, d.time, d.dose]]
    result["diagnostics"]["outliers"] = {"flagged": [{k: str(v) for k, v in r.items()} for r in flagged.to_dict("records")],
                                         "label": {"en": f"Rows flagged as outliers in the data, excluded from the headline: {len(flagged)}",
                                                   "es": f"Filas señaladas como valores atípicos en los datos, excluidas del resultado "
                                                         f"principal: {len(flagged)}"}}
    result["diagnostics"]["continuous_did"] = continuous_did_check(data, d.unit, "_t", "_dose", d.dose)
    result["results"] = {"twfe_dose": headline.to_dict(), "twfe_dose_with_outlier": with_outlier.to_dict()}
    result["sample"] = {"baseline_mean": _clean_num(pd.to_numeric(data.loc[~outlier, d.outcome], errors="coerce").mean())}
    note = spec.notes
    result["reading"] = dose_reading(outcome, spec.data.dose_label or {"en": "the dose", "es": "la dosis"},
                                           att, units, note)
    result["reading"] = join(result["reading"], CAVEAT)
    return EvaluationOutput(result)
