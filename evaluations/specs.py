"""Evaluation specs: each evaluation is a small YAML file in evaluations/specs/.

A spec says which table to read, the outcome, unit, time, treatment cohort, clustering and the
estimators with their options; `run_did_spec` turns a DataFrame into results. Evaluators can
override estimator options at launch (Dagster run config) through `with_overrides`.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from .designs.common import (EvaluationOutput, SpecError, _baseline, _clean_num, _est, _skeleton, _trend_block,  # noqa: F401
                             month_es, month_label, monthly_series, select_rows)
from .designs.its import run_its
from .did import event_study, event_study_table, twfe
from .did.results import RegressionResult
from .publication import SCOPES, PublicationError, enforce_baseline, finalize
from .publication.vocabulary import DESIRED_DIRECTIONS, ITS_MIN_POST, ITS_MIN_PRE, MIN_COHORT_CLUSTERS, MIN_COHORT_UNITS
from .threats import resolve as resolve_threats

SPEC_DIR = Path(__file__).resolve().parent / "specs"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same safe subset, faster
ESTIMATOR_OPTIONS = {
    "twfe": {"vcov": str},
    "event_study": {"window": list, "bin_endpoints": bool, "vcov": str},
    "cs": {"control": str, "bootstrap": int, "seed": int, "placebo_shift": int, "max_event_time": int},
    "its": {"break": str, "seasonality": bool, "placebo_shift": int, "hac_lags": int, "min_side": int},
    "trend": {"baseline_months": int},
}
DESIGNS = ("staggered_did", "event_study", "its", "comparative_its", "indicator_trend", "dose_response")
# the estimators whose options a design reads (an override of any other estimator would change nothing)
DESIGN_ESTIMATORS = {
    "staggered_did": ("twfe", "event_study", "cs"), "event_study": ("twfe", "event_study", "cs"),
    "its": ("its",), "comparative_its": ("its",), "indicator_trend": ("trend",), "dose_response": (),
}
# data keys each design needs
REQUIRED_DATA = {
    "staggered_did": ("table", "unit", "time", "outcome", "cohort"),
    "event_study": ("table", "unit", "time", "outcome", "cohort"),
    "its": ("table", "time", "value"),
    "comparative_its": ("table", "time", "value", "treated", "comparison"),
    "indicator_trend": ("table", "time", "value"),
    "dose_response": ("table", "unit", "time", "outcome", "dose"),
}


@dataclass(frozen=True)
class EvaluationSpec:
    name: str
    title: dict
    goal: str
    line_of_action: str
    design: str
    data: dict
    estimators: dict
    outcome: dict | None = None       # {"en", "es"} plain-language name of what is measured
    units: dict | None = None         # {"en", "es"} units of the outcome
    notes: dict | None = None         # {"en", "es"} caveat added to the reading
    literature: dict | None = None    # {"sign": positive|negative, "en", "es"}: published findings to compare with
    neighbours: dict | None = None    # {"geography": table, "unit": id column, "geometry": WKB column}: spillover estimate
    map: dict | None = None
    spatial: dict | None = None
    path: Path | None = None
    scope: str = "framework"          # framework | earlier_policy (evaluations.publication.vocabulary.SCOPES)
    desired_direction: str = "neither"  # decrease | increase | neither: which way is good for the indicator
    threats: tuple = ()               # [{id, en, es}]: threats to validity (evaluations/threats.yaml ids resolved)

    def with_overrides(self, overrides: dict) -> "EvaluationSpec":
        """A copy with estimator options replaced; unknown estimators or options are refused by name."""
        estimators = copy.deepcopy(self.estimators)
        for estimator, options in (overrides or {}).items():
            if estimator not in ESTIMATOR_OPTIONS:
                raise SpecError(f"unknown estimator {estimator!r}; expected one of {sorted(ESTIMATOR_OPTIONS)}")
            if estimator not in DESIGN_ESTIMATORS[self.design]:
                used = ", ".join(DESIGN_ESTIMATORS[self.design]) or "none"
                raise SpecError(f"{estimator}: the {self.design} design of {self.name} does not use this estimator "
                                f"(its estimators: {used})")
            for option, value in options.items():
                kind = ESTIMATOR_OPTIONS[estimator].get(option)
                if kind is None:
                    raise SpecError(f"{estimator}.{option}: unknown option; expected one of {sorted(ESTIMATOR_OPTIONS[estimator])}")
                if not isinstance(value, kind):
                    raise SpecError(f"{estimator}.{option}: expected {kind.__name__}, got {value!r}")
                estimators.setdefault(estimator, {})[option] = value
        spec = copy.copy(self)
        object.__setattr__(spec, "estimators", estimators)
        _validate(spec)
        return spec


def _validate(spec: EvaluationSpec) -> None:
    from .lines_of_action import GOALS, LINE_IDS

    if spec.design not in DESIGNS:
        raise SpecError(f"{spec.name}: design {spec.design!r} is not one of {', '.join(DESIGNS)}")
    if spec.scope not in SCOPES:
        raise SpecError(f"{spec.name}: scope {spec.scope!r} is not one of {', '.join(SCOPES)}")
    if spec.desired_direction not in DESIRED_DIRECTIONS:
        raise SpecError(f"{spec.name}: desired_direction {spec.desired_direction!r} is not one of {', '.join(DESIRED_DIRECTIONS)}")
    if spec.goal not in GOALS:
        raise SpecError(f"{spec.name}: goal {spec.goal!r} is not one of {', '.join(GOALS)}")
    if spec.line_of_action not in LINE_IDS:
        raise SpecError(f"{spec.name}: line_of_action {spec.line_of_action!r} is not one of {', '.join(sorted(LINE_IDS))}")
    for key in REQUIRED_DATA[spec.design]:
        if key not in spec.data:
            raise SpecError(f"{spec.name}: data.{key} is required for design {spec.design}")
    for key in ("title",) + (("outcome", "units") if spec.design != "staggered_did" or spec.outcome else ()):
        value = getattr(spec, key)
        if not (isinstance(value, dict) and set(value) >= {"en", "es"}):
            raise SpecError(f"{spec.name}: {key} must have en and es texts")
    es = spec.estimators.get("event_study")
    if es is not None:
        window = es.get("window", [-5, 5])
        if not (len(window) == 2 and all(isinstance(w, int) for w in window) and window[0] < -1 <= window[1]):
            raise SpecError(f"{spec.name}: event_study.window must be [low, high] integers with low < -1 <= high, got {window}")
    for estimator, options in spec.estimators.items():
        vcov = (options or {}).get("vcov")
        if vcov is not None and vcov not in ("iid", "robust", "cluster"):
            raise SpecError(f"{spec.name}: {estimator}.vcov must be iid, robust or cluster, got {vcov!r}")
    cs = spec.estimators.get("cs") or {}
    if cs.get("control", "never") not in ("never", "notyet"):
        raise SpecError(f"{spec.name}: cs.control must be never or notyet, got {cs['control']!r}")
    for estimator, option, least in (("cs", "bootstrap", 0), ("its", "hac_lags", 0), ("its", "min_side", 1),
                                     ("trend", "baseline_months", 1)):
        value = (spec.estimators.get(estimator) or {}).get(option)
        if value is not None and value < least:
            raise SpecError(f"{spec.name}: {estimator}.{option} must be at least {least}, got {value!r}")
    its_break = (spec.estimators.get("its") or {}).get("break")
    if its_break is not None:
        try:
            dt.date.fromisoformat(str(its_break))
        except ValueError:
            raise SpecError(f"{spec.name}: its.break must be a date (YYYY-MM-DD), got {its_break!r}") from None


def load_spec(path: Path) -> EvaluationSpec:
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{Path(path).name}:{where} not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{Path(path).name}: expected a mapping of spec keys")
    try:
        spec = EvaluationSpec(
            name=raw["name"], title=raw["title"], goal=raw["goal"], line_of_action=raw["line_of_action"],
            design=raw["design"], data=raw["data"], estimators=raw.get("estimators") or {},
            outcome=raw.get("outcome"), units=raw.get("units"), notes=raw.get("notes"), literature=raw.get("literature"),
            neighbours=raw.get("neighbours"),
            map=raw.get("map"), spatial=raw.get("spatial"), path=Path(path),
            scope=raw["scope"], desired_direction=raw["desired_direction"],
            threats=tuple(resolve_threats(raw["threats"] or [], raw["name"])),
        )
    except KeyError as missing:
        raise SpecError(f"{Path(path).name}: missing key {missing}") from None
    except ValueError as error:   # an unknown threat id or a threat without both languages
        raise SpecError(f"{Path(path).name}: {error}") from None
    _validate(spec)
    return spec


def load_specs(folder: Path = SPEC_DIR) -> list[EvaluationSpec]:
    return [load_spec(p) for p in sorted(Path(folder).glob("*.yaml"))]


def month_index(values: pd.Series) -> pd.Series:
    """Months since year 0 (so consecutive months differ by 1); missing stays missing."""
    dates = pd.to_datetime(values)
    return (dates.dt.year * 12 + dates.dt.month - 1).astype("Int64")


@dataclass
class DidEvaluation:
    spec: EvaluationSpec
    results: dict[str, RegressionResult] = field(default_factory=dict)
    event_study: pd.DataFrame | None = None
    sample: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "name": self.spec.name, "title": self.spec.title, "goal": self.spec.goal,
            "line_of_action": self.spec.line_of_action, "design": self.spec.design,
            "data": {k: str(v) for k, v in self.spec.data.items()}, "estimators": self.spec.estimators,
            "sample": self.sample,
            "results": {k: r.to_dict() for k, r in self.results.items()},
            "event_study_table": None if self.event_study is None else self.event_study.to_dict(orient="records"),
        }


def prepare_did_frame(spec: EvaluationSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Restrict to the spec's window, index months, and derive the treatment dummy from the cohort."""
    d = spec.data
    data = frame.copy()
    dates = pd.to_datetime(data[d["time"]])
    start, end = pd.Timestamp(d.get("start", dates.min())), pd.Timestamp(d.get("end", dates.max()))
    data = data[(dates >= start) & (dates <= end)].copy()
    if d.get("filter"):
        try:
            data = data.query(d["filter"], engine="python").copy()
        except Exception as error:  # pandas raises many kinds for a bad expression
            raise SpecError(f"{spec.name}: filter {d['filter']!r} cannot be applied to {d['table']} ({error})") from None
    data["_t"] = month_index(data[d["time"]]).astype("int64")
    data["_g"] = month_index(data[d["cohort"]]).fillna(0).astype("int64")
    data["_treated"] = ((data["_g"] > 0) & (data["_t"] >= data["_g"])).astype(float)
    return data


def cohort_label(g: int) -> str:
    return f"{g // 12:04d}-{g % 12 + 1:02d}"


def drop_small_cohorts(data: pd.DataFrame, unit: str, cluster: str | None, cohort: str = "_g"):
    """Publication rule cohort_min_size: units of cohorts (same first-treated month) with fewer than
    MIN_COHORT_UNITS units or in fewer than MIN_COHORT_CLUSTERS clusters are left out of the panel.
    Returns (kept rows, [{cohort, units, clusters}] of the cohorts kept, [{cohort, units, clusters, reason}] excluded)."""
    first = data.groupby(unit, sort=True)[[cohort] + ([cluster] if cluster else [])].first()
    first = first[first[cohort] > 0]
    sizes = first.groupby(cohort).agg(units=(cohort, "size"), clusters=(cluster or cohort, "nunique"))
    if not cluster:
        sizes["clusters"] = sizes["units"]
    kept, excluded = [], []
    for g, row in sizes.iterrows():
        entry = {"cohort": cohort_label(int(g)), "units": int(row["units"]), "clusters": int(row["clusters"])}
        if row["units"] < MIN_COHORT_UNITS or row["clusters"] < MIN_COHORT_CLUSTERS:
            entry["reason"] = (f"fewer than {MIN_COHORT_UNITS} units" if row["units"] < MIN_COHORT_UNITS else
                               f"fewer than {MIN_COHORT_CLUSTERS} clusters")
            excluded.append(entry)
        else:
            kept.append(entry)
    dropped = first.index[first[cohort].isin([g for g, r in sizes.iterrows()
                                              if r["units"] < MIN_COHORT_UNITS or r["clusters"] < MIN_COHORT_CLUSTERS])]
    return data[~data[unit].isin(dropped)], kept, excluded


def pre_period_levels(data: pd.DataFrame, unit: str, outcome: str) -> dict | None:
    """Selection into treatment, shown with the numbers: the mean outcome of ever-treated and never-treated
    units in the first and last calendar year before the first cohort (None with fewer than two such years)."""
    from .reading import fmt

    first = data.loc[data["_g"] > 0, "_g"].min()
    if pd.isna(first):
        return None
    pre = data[data["_t"] < first]
    years = pre["_t"] // 12
    if years.nunique() < 2:
        return None
    group = pd.Series(np.where(pre["_g"] > 0, "treated", "comparison"), index=pre.index)
    table = pre.groupby([years, group])[outcome].mean().unstack()
    if not {"treated", "comparison"} <= set(table.columns):
        return None
    y0, y1 = int(table.index.min()), int(table.index.max())
    t, c = [float(table.loc[y, "treated"]) for y in (y0, y1)], [float(table.loc[y, "comparison"]) for y in (y0, y1)]
    return {"first_year": y0, "last_year": y1, "treated": t, "comparison": c, "label": {
        "en": f"Mean outcome before the first treatment: treated units {fmt(t[0], 'en')} in {y0} and {fmt(t[1], 'en')} in {y1}; "
              f"comparison units {fmt(c[0], 'en')} and {fmt(c[1], 'en')}",
        "es": f"Resultado promedio antes del primer tratamiento: unidades tratadas {fmt(t[0], 'es')} en {y0} y {fmt(t[1], 'es')} "
              f"en {y1}; unidades de comparación {fmt(c[0], 'es')} y {fmt(c[1], 'es')}"}}


def sample_sentences(sample: dict, levels: dict | None) -> dict:
    """What the reader must know about who is compared: cohorts left out, and selection before treatment."""
    from .reading import fmt

    out = {"en": "", "es": ""}
    excluded = sample.get("excluded_cohorts") or []
    if excluded:
        units = sum(c["units"] for c in excluded)
        dates = ", ".join(c["cohort"] for c in excluded)
        out = {"en": f"{len(excluded)} cohort{'s' if len(excluded) != 1 else ''} ({units} unit{'s' if units != 1 else ''}; "
                     f"first treated {dates}) {'were' if len(excluded) != 1 else 'was'} left out: fewer than "
                     f"{MIN_COHORT_UNITS} units or in fewer than {MIN_COHORT_CLUSTERS} states, too few to estimate alone.",
               "es": f"Se excluyeron {len(excluded)} cohorte{'s' if len(excluded) != 1 else ''} ({units} unidad"
                     f"{'es' if units != 1 else ''}; primer tratamiento {dates}): menos de {MIN_COHORT_UNITS} unidades o en "
                     f"menos de {MIN_COHORT_CLUSTERS} estados, demasiado pocas para estimarse solas."}
    if levels:
        t, c = levels["treated"], levels["comparison"]
        if (t[1] - t[0]) - (c[1] - c[0]) > 0.1 * abs(c[0] or 1):
            out = join_reading(out, {
                "en": f"Treatment was not assigned at random: it went to places already getting worse (mean outcome before the "
                      f"first treatment: treated units {fmt(t[0], 'en')} in {levels['first_year']} and {fmt(t[1], 'en')} in "
                      f"{levels['last_year']}; comparison units {fmt(c[0], 'en')} and {fmt(c[1], 'en')}).",
                "es": f"El tratamiento no se asignó al azar: llegó a lugares que ya empeoraban (resultado promedio antes del "
                      f"primer tratamiento: unidades tratadas {fmt(t[0], 'es')} en {levels['first_year']} y {fmt(t[1], 'es')} "
                      f"en {levels['last_year']}; unidades de comparación {fmt(c[0], 'es')} y {fmt(c[1], 'es')})."})
    return out


def run_did_spec(spec: EvaluationSpec, frame: pd.DataFrame, data: pd.DataFrame | None = None) -> DidEvaluation:
    """TWFE and its event study on the spec's panel (`data`: an already prepared panel, e.g. without small cohorts)."""
    d = spec.data
    data = prepare_did_frame(spec, frame) if data is None else data
    cluster = d.get("cluster")
    out = DidEvaluation(spec)
    cohorts = sorted(int(g) for g in data["_g"].unique() if g > 0)
    out.sample = {
        "rows_in_window": int(len(data)),
        "units": int(data[d["unit"]].nunique()),
        "treated_units": int(data.loc[data["_g"] > 0, d["unit"]].nunique()),
        "cohorts": [cohort_label(g) for g in cohorts],
        "start": str(pd.Timestamp(d.get("start")).date()) if d.get("start") else None,
        "end": str(pd.Timestamp(d.get("end")).date()) if d.get("end") else None,
    }
    if "twfe" in spec.estimators:
        o = spec.estimators["twfe"] or {}
        out.results["twfe"] = twfe(data, d["outcome"], d["unit"], "_t", "_treated",
                                   vcov=o.get("vcov", "cluster"), cluster=cluster)
    if "event_study" in spec.estimators:
        o = spec.estimators["event_study"] or {}
        out.results["event_study"] = event_study(
            data, d["outcome"], d["unit"], "_t", "_g", window=tuple(o.get("window", (-5, 5))),
            bin_endpoints=o.get("bin_endpoints", True), vcov=o.get("vcov", "cluster"), cluster=cluster,
        )
        out.event_study = event_study_table(out.results["event_study"])
    return out


def as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def run_trend(spec: EvaluationSpec, frame: pd.DataFrame) -> EvaluationOutput:
    from .reading import trend_reading
    from .trends import CAVEAT

    series = monthly_series(spec, frame).dropna()
    if series.empty:
        raise SpecError(f"{spec.name}: no rows with a value in {spec.data['table']} after the filter")
    result = _skeleton(spec, spec.data.get("unit_label", "national"), series.index.min(), series.index.max(), 1, len(series))
    comparison = _baseline(spec, series)
    block, change = _trend_block(spec, series)
    result["baseline_comparison"] = block
    if change is not None:
        b, p = block["baseline"], block["post"]
        result["estimates"].append(_est(change, "mean_change", {
            "en": f"Change in the monthly mean, {b['months']} months before vs {p['months']} months since October 2021 (descriptive)",
            "es": f"Cambio en el promedio mensual, {b['months']} meses antes vs {p['months']} meses desde octubre de 2021 "
                  f"(descriptivo)"}, spec.units))
        result["results"]["trend"] = {"mean_change": dict(change), "hac_lags": comparison.hac_lags}
    post_mean = comparison.post_mean_estimate
    if post_mean is not None:
        p = comparison.post
        first, last = p["first_month_with_data"], p["end"]
        result["estimates"].append(_est(post_mean, "post_mean", {
            "en": f"Monthly mean, {month_label(first, 'en')} – {month_label(last, 'en')} (descriptive; interval for month-to-month noise)",
            "es": f"Promedio mensual, {month_label(first, 'es')} – {month_label(last, 'es')} (descriptivo; intervalo por la "
                  f"variación mensual)"}, spec.units))
        result["results"].setdefault("trend", {})["post_mean"] = {k: v for k, v in post_mean.items() if k != "p_value"}
    windows = block or {"baseline": comparison.baseline, "post": comparison.post}
    result["reading"] = trend_reading(spec.outcome, dict(windows, change_estimate=change), spec.units, CAVEAT, spec.notes)
    tables = {"series.csv": series.rename("value").rename_axis("period").reset_index()}
    if spec.data.get("by"):
        tables["by_unit.csv"] = _trend_by_unit(spec, frame)
        result["tables"].append({"file": "by_unit.csv", "caption": {
            "en": f"The same comparison for each {spec.data.get('by_label_en', spec.data['by'])} (descriptive)",
            "es": f"La misma comparación para cada {spec.data.get('by_label_es', spec.data['by'])} (descriptiva)"}})
    result["tables"].append({"file": "series.csv", "caption": {"en": f"Monthly series: {spec.outcome['en']}",
                                                               "es": f"Serie mensual: {spec.outcome['es']}"}})
    drawn = block if block and block.get("sufficient") else {"post": comparison.post}
    result["figures"].append({"file": "trend.png", "kind": "trend", "alt": {
        "en": f"Monthly {spec.outcome['en']}" + (" with the baseline and post-October-2021 means" if "baseline" in drawn else
                                                 " with its mean over the months with data"),
        "es": f"{spec.outcome['es'][:1].upper() + spec.outcome['es'][1:]} mensual" + (
            " con los promedios de la línea base y posteriores a octubre de 2021" if "baseline" in drawn else
            " con su promedio en los meses con datos")},
        "caption": {"en": spec.title["en"], "es": spec.title["es"]}})
    return EvaluationOutput(result, tables,
                            {"trend.png": lambda path: plot_trend(series, drawn, path, spec.title["en"], spec.units["en"], spec.data.get("source", ""))})


def _trend_by_unit(spec: EvaluationSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The before/after comparison for each `by` value, under the same publication rules as the headline."""
    from .trends import baseline_comparison

    rows = []
    for key, part in monthly_series(spec, frame, by=spec.data["by"]).dropna().groupby(level=1):
        c = baseline_comparison(part.droplevel(1), name=f"{spec.name} {key}")
        block = enforce_baseline(dict(c.to_dict(), change_estimate=c.change_estimate)) if c.baseline and c.post else None
        ok = bool(block and block["sufficient"])
        rows.append({spec.data["by"]: key, "baseline_months": c.baseline["months"] if c.baseline else 0,
                     "baseline_mean": c.baseline["mean"] if c.baseline else None,
                     "post_mean": c.post["mean"] if c.post else None, "change": c.change if ok else None,
                     "percent_change": c.percent_change if ok else None,
                     **{f"change_{k}": (v if ok else None) for k, v in (c.change_estimate or {}).items()}})
    return pd.DataFrame(rows)


def plot_trend(series: pd.Series, block: dict, path, title: str, ylabel: str, source_note: str = ""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    ax.plot(series.index, series.to_numpy(), color="#555555", lw=1, marker="o", ms=2.5, label="Monthly value")
    for key, colour in (("baseline", "#1f4e79"), ("post", "#c55a11")):
        w = block.get(key)
        if w:
            label = (f"Baseline mean ({w['months']} months)" if key == "baseline" else
                     f"Mean since {pd.Timestamp(w['start']).strftime('%b %Y')} ({w['months']} months)")
            ax.hlines(w["mean"], pd.Timestamp(w["start"]), pd.Timestamp(w["end"]), color=colour, lw=2, label=label)
    ax.axvline(pd.Timestamp("2021-10-01"), color="black", lw=0.8, ls=":")
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    if source_note:
        fig.text(0.01, 0.01, source_note[:160], fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def run_dose_response(spec: EvaluationSpec, frame: pd.DataFrame) -> EvaluationOutput:
    from .reading import dose_reading

    d = spec.data
    data = select_rows(spec, frame).copy()
    data = data[data[d["dose"]].notna()]
    data["_t"] = month_index(data[d["time"]]).astype("int64")
    dose = pd.to_numeric(data[d["dose"]], errors="coerce")
    if d.get("dose_per_100k"):
        dose = dose / pd.to_numeric(data[d["dose_per_100k"]], errors="coerce") * 100_000
    data["_dose"] = dose
    outlier = data[d["outlier"]].fillna(False).astype(bool) if d.get("outlier") else pd.Series(False, index=data.index)
    cluster = d.get("cluster", d["unit"])
    headline = twfe(data[~outlier], d["outcome"], d["unit"], "_t", "_dose", vcov="cluster", cluster=cluster)
    with_outlier = twfe(data, d["outcome"], d["unit"], "_t", "_dose", vcov="cluster", cluster=cluster)
    result = _skeleton(spec, d.get("unit_label", d["unit"]), pd.to_datetime(data[d["time"]]).min(),
                       pd.to_datetime(data[d["time"]]).max(), data[d["unit"]].nunique(), headline.n_obs)
    att = {k: getattr(headline.att, k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
    att_all = {k: getattr(with_outlier.att, k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
    label = {"en": "Change in the outcome per unit of dose (state and month fixed effects, outlier excluded)",
             "es": "Cambio en el resultado por unidad de dosis (efectos fijos de estado y mes, sin el valor atípico)"}
    result["headline"] = {**{k: v for k, v in _est(att, "twfe_dose", label, spec.units, "twfe_dose").items() if k != "id"}}
    result["estimates"] = [
        _est(att, "twfe_dose", label, spec.units, "twfe_dose"),
        _est(att_all, "twfe_dose_with_outlier", {"en": "The same, keeping the flagged outlier",
                                                 "es": "Lo mismo, conservando el valor atípico señalado"}, spec.units, "twfe_dose"),
    ]
    flagged = data.loc[outlier, [d["unit"], d["time"], d["dose"]]]
    result["diagnostics"]["outliers"] = {"flagged": [{k: str(v) for k, v in r.items()} for r in flagged.to_dict("records")],
                                         "label": {"en": f"Rows flagged by {d.get('outlier')} (excluded from the headline)",
                                                   "es": f"Filas señaladas por {d.get('outlier')} (excluidas del resultado principal)"}}
    result["results"] = {"twfe_dose": headline.to_dict(), "twfe_dose_with_outlier": with_outlier.to_dict()}
    result["sample"] = {"baseline_mean": _clean_num(pd.to_numeric(data.loc[~outlier, d["outcome"]], errors="coerce").mean())}
    note = spec.notes
    result["reading"] = dose_reading(spec.outcome, {"en": spec.data.get("dose_label_en", "the dose"),
                                                    "es": spec.data.get("dose_label_es", "la dosis")}, att, spec.units, note)
    return EvaluationOutput(result)


def neighbour_cohorts(geography: pd.DataFrame, unit: str, geometry: str, cohorts: pd.Series) -> pd.Series:
    """For each unit never treated in `cohorts` (unit -> first treated period, 0 = never), the first period in
    which a queen-contiguous neighbour was treated (0 if none); treated units get NaN (they are not neighbours)."""
    from .spatial.geometry import polygons_from_wkb
    from .spatial.hotspots import build_weights

    geo = geography.dropna(subset=[geometry]).drop_duplicates(unit)
    gdf = polygons_from_wkb(geo[[unit, geometry]], geometry_col=geometry)
    w = build_weights(gdf, kind="queen", transform="b", ids=geo[unit].tolist(), attach_islands=False)
    out = {}
    for u, g in cohorts.items():
        if g > 0:
            out[u] = np.nan
            continue
        first = [cohorts.get(n, 0) for n in w.neighbors.get(u, [])]
        first = [f for f in first if f > 0]
        out[u] = min(first) if first else 0
    return pd.Series(out, name="neighbour_cohort")


def run_staggered(spec: EvaluationSpec, frame: pd.DataFrame, geography: pd.DataFrame | None = None) -> EvaluationOutput:
    """Callaway–Sant'Anna headline, TWFE and its event study beside it, Goodman-Bacon decomposition of
    the TWFE estimate, CS pre-trend test and a placebo with the treatment dated earlier."""
    from .did import aggregate  # noqa: F401  (CSResult.aggregate imports it lazily)
    from .did.cs import att_gt
    from .did.diagnostics import bacon_decomposition, placebo_test, pretrend_test
    from .did.plots import plot_event_study
    from .reading import did_reading

    d = spec.data
    prepared = prepare_did_frame(spec, frame)
    data, cohort_sizes, excluded_cohorts = drop_small_cohorts(prepared, d["unit"], d.get("cluster"))
    evaluation = run_did_spec(spec, frame, data)
    # CS and Bacon need a balanced panel: units with a missing outcome in the window are left out (counted)
    missing_units = data.loc[data[d["outcome"]].isna(), d["unit"]].unique()
    balanced = data[~data[d["unit"]].isin(missing_units)]
    o = spec.estimators.get("cs") or {}
    control = o.get("control", "never")
    seed = int(o.get("seed", 20211008))
    draws = int(o.get("bootstrap", 999))
    cluster = d.get("cluster")
    cs = att_gt(balanced, d["outcome"], d["unit"], "_t", "_g", control=control, cluster=cluster,
                bootstrap=draws or None, seed=seed)
    max_e = o.get("max_event_time")
    simple = cs.aggregate("simple", max_e=max_e if max_e is not None else float("inf")).overall
    dynamic = cs.aggregate("dynamic")
    pre = pretrend_test(cs)
    placebo = placebo_test(balanced, d["outcome"], d["unit"], "_t", "_g", shift=int(o.get("placebo_shift", 12)),
                           control=control, cluster=cluster)
    bacon = bacon_decomposition(balanced, d["outcome"], d["unit"], "_t", "_g")
    twfe_att = evaluation.results["twfe"].att if "twfe" in evaluation.results else None
    result = _skeleton(spec, d.get("unit_label", "municipality"), d.get("start"), d.get("end"),
                       evaluation.sample["units"], evaluation.sample["rows_in_window"])
    units = spec.units or {"en": d["outcome"], "es": d["outcome"]}
    cs_label = {"en": "Average effect after treatment (Callaway–Sant'Anna, simple aggregation)",
                "es": "Efecto promedio después del tratamiento (Callaway–Sant'Anna, agregación simple)"}
    result["headline"] = {k: v for k, v in _est(simple, "cs", cs_label, units, "cs").items() if k != "id"}
    result["estimates"].append(_est(simple, "cs", cs_label, units, "cs"))
    if twfe_att is not None:
        twfe_d = {k: getattr(twfe_att, k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
        result["estimates"].append(_est(twfe_d, "twfe", {"en": "Two-way fixed effects (reference)",
                                                         "es": "Efectos fijos de dos vías (referencia)"}, units, "twfe"))
    else:
        twfe_d = None
    for kind in ("group", "calendar"):
        agg = cs.aggregate(kind).overall
        result["estimates"].append(_est(agg, f"cs_{kind}", {"en": f"Callaway–Sant'Anna, {kind} aggregation",
                                                            "es": f"Callaway–Sant'Anna, agregación por {'cohorte' if kind == 'group' else 'calendario'}"},
                                        units, "cs"))
    result["estimates"].append(_est(dynamic.overall, "cs_dynamic", {"en": "Callaway–Sant'Anna, average over event times",
                                                                    "es": "Callaway–Sant'Anna, promedio sobre tiempos de evento"}, units, "cs"))
    # the joint Wald test needs more clusters than pre-treatment cells; the average pre-treatment
    # event-time effect (dynamic aggregation over e < 0) is reported beside it and always available
    # event-time effects before treatment, each against its simultaneous band: always available
    pre_rows = dynamic.by[dynamic.by["event_time"] < 0]
    outside = pre_rows[(pre_rows["ci_low"] > 0) | (pre_rows["ci_high"] < 0)]
    result["diagnostics"]["pretrend"] = {
        "statistic": _clean_num(pre.statistic), "df": pre.df, "p_value": _clean_num(pre.p_value), "notes": pre.notes,
        "pre_event_times": int(len(pre_rows)), "pre_event_times_band_excludes_zero": int(len(outside)),
        "band": dynamic.band_kind,
        "label": {"en": f"Joint Wald test that all pre-treatment ATT(g,t) are zero; pre-treatment event-time effects whose "
                        f"{dynamic.band_kind} 95% band excludes zero",
                  "es": f"Prueba de Wald conjunta de que todos los ATT(g,t) previos al tratamiento son cero; efectos previos "
                        f"al tratamiento cuya banda {'simultánea' if dynamic.band_kind == 'simultaneous' else 'puntual'} "
                        f"del 95 % excluye el cero"}}
    if placebo.estimate is not None:
        z = 1.959963984540054
        result["diagnostics"]["placebo"] = {
            "estimate": placebo.estimate, "std_error": placebo.std_error,
            "ci_low": placebo.estimate - z * placebo.std_error, "ci_high": placebo.estimate + z * placebo.std_error,
            # z test of the average placebo ATT (the joint Wald test over the placebo cells is in results.placebo;
            # with more cells than clusters its covariance is near singular, so it is not shown)
            "p_value": float(2 * stats.norm.sf(abs(placebo.estimate / placebo.std_error))) if placebo.std_error else None,
            "n_cells": placebo.n_cells, "shift_periods": int(o.get("placebo_shift", 12)), "label": {
                "en": f"Average placebo ATT with each cohort's start moved {int(o.get('placebo_shift', 12))} months earlier",
                "es": f"ATT placebo promedio con el inicio de cada cohorte adelantado {int(o.get('placebo_shift', 12))} meses"}}
    by_type = bacon.by_type()
    result["diagnostics"]["bacon"] = {
        "twfe_estimate": bacon.twfe_estimate, "weighted_sum": bacon.weighted_sum,
        "by_type": [{"type": r["type"], "weight": float(r["weight"]), "estimate": _clean_num(r["estimate"])} for r in by_type.to_dict("records")],
        "label": {"en": "Goodman-Bacon decomposition of the TWFE estimate into 2x2 comparisons",
                  "es": "Descomposición de Goodman-Bacon del estimador TWFE en comparaciones 2x2"}}
    if spec.neighbours and geography is not None:
        nb = spec.neighbours
        cohorts = prepared.groupby(d["unit"])["_g"].first()   # every arrest dates its neighbours, kept or not
        nb_g = neighbour_cohorts(geography, nb.get("unit", d["unit"]), nb.get("geometry", "geometry_wkb"), cohorts)
        ring = balanced[balanced[d["unit"]].map(nb_g).notna()].copy()
        ring["_g_nb"] = ring[d["unit"]].map(nb_g).astype("int64")
        ring, nb_sizes, nb_excluded = drop_small_cohorts(ring, d["unit"], cluster, "_g_nb")
        nb_g = nb_g[nb_g.index.isin(ring[d["unit"]].unique())]
        cs_nb = att_gt(ring, d["outcome"], d["unit"], "_t", "_g_nb", control=control, cluster=cluster,
                       bootstrap=draws or None, seed=seed)
        nb_simple = cs_nb.aggregate("simple").overall
        result["estimates"].append(_est(nb_simple, "cs_neighbours", {
            "en": "Average effect on untreated neighbouring units after a neighbour is first treated (Callaway–Sant'Anna)",
            "es": "Efecto promedio en unidades vecinas no tratadas después del primer tratamiento de una vecina (Callaway–Sant'Anna)"},
            units, "cs"))
        result["results"]["cs_neighbours"] = {k: v for k, v in cs_nb.to_dict().items() if k != "att_gt"}
        result.setdefault("sample", {}).update(neighbour_units_treated=int((nb_g > 0).sum()),
                                                neighbour_cohort_sizes=nb_sizes, neighbour_excluded_cohorts=nb_excluded)
        from .reading import effect_sentence

        neighbour_sentence = effect_sentence(
            {"en": f"In the {int((nb_g > 0).sum())} bordering units", "es": f"En las {int((nb_g > 0).sum())} unidades colindantes"},
            nb_simple, units)
    else:
        neighbour_sentence = None
    result["seed"] = seed
    result["sample"] = {**evaluation.sample, **result.get("sample", {})}
    result["sample"]["units_dropped_missing_outcome"] = int(len(missing_units))
    result["sample"]["cohort_sizes"] = cohort_sizes
    result["sample"]["excluded_cohorts"] = excluded_cohorts
    treated_pre = balanced[(balanced["_g"] > 0) & (balanced["_t"] < balanced["_g"])][d["outcome"]]
    result["sample"]["baseline_mean"] = _clean_num(treated_pre.mean()) if len(treated_pre) else None
    levels = pre_period_levels(balanced, d["unit"], d["outcome"])
    if levels:
        result["diagnostics"]["pre_period_levels"] = levels
    result["results"] = {k: r.to_dict() for k, r in evaluation.results.items()}
    cs_dict = cs.to_dict()
    cs_dict.pop("att_gt", None)   # the cell table goes to att_gt.csv
    result["results"]["cs"] = cs_dict
    result["results"]["placebo"] = placebo.to_dict()
    result["results"]["bacon"] = bacon.to_dict()
    treatment = {"en": spec.data.get("treatment_en", "the treatment"), "es": spec.data.get("treatment_es", "el tratamiento")}
    result["reading"] = did_reading(spec.outcome or {"en": d["outcome"], "es": d["outcome"]}, treatment, simple, units,
                                    {"en": "Callaway–Sant'Anna", "es": "Callaway–Sant'Anna"},
                                    result["diagnostics"]["pretrend"], result["diagnostics"].get("placebo"), twfe_d,
                                    {"en": f"treatment dated {int(o.get('placebo_shift', 12))} months early",
                                     "es": f"tratamiento adelantado {int(o.get('placebo_shift', 12))} meses"},
                                    float(by_type.loc[by_type["type"].isin(["later vs earlier treated", "later vs always treated"]),
                                                      "weight"].sum()),
                                    spec.literature)
    result["reading"] = join_reading(result["reading"], sample_sentences(result["sample"], levels))
    if neighbour_sentence:
        result["reading"] = join_reading(result["reading"], neighbour_sentence)
    if spec.notes:
        result["reading"] = {k: f"{result['reading'][k]} {spec.notes[k]}" for k in ("en", "es")}
    tables = {"att_gt.csv": cs.tidy(), "cs_event_study.csv": dynamic.by, "bacon.csv": bacon.comparisons}
    result["tables"] += [
        {"file": "att_gt.csv", "caption": {"en": "Group-time ATT(g,t) (Callaway–Sant'Anna)", "es": "ATT(g,t) por cohorte y periodo"}},
        {"file": "cs_event_study.csv", "caption": {"en": "Callaway–Sant'Anna event study (dynamic aggregation)",
                                                  "es": "Estudio de eventos de Callaway–Sant'Anna (agregación dinámica)"}},
        {"file": "bacon.csv", "caption": {"en": "Goodman-Bacon 2x2 comparisons", "es": "Comparaciones 2x2 de Goodman-Bacon"}},
    ]
    figures = {"cs_event_study.png": lambda path: cs.plot_event_study(path, title=spec.title["en"],
                                                                      ylabel=f"ATT on {d['outcome']}",
                                                                      xlabel="Months since treatment start")}
    result["figures"].append({"file": "cs_event_study.png", "kind": "event_study", "alt": {
        "en": "Callaway–Sant'Anna event-study estimates by month since treatment with simultaneous confidence band",
        "es": "Estimaciones del estudio de eventos de Callaway–Sant'Anna por mes desde el tratamiento con banda de confianza simultánea"},
        "caption": {"en": f"{spec.title['en']}: Callaway–Sant'Anna event study", "es": f"{spec.title['es']}: estudio de eventos de Callaway–Sant'Anna"}})
    if evaluation.event_study is not None:
        tables["event_study.csv"] = evaluation.event_study
        result["tables"].append({"file": "event_study.csv", "caption": {"en": "TWFE event study", "es": "Estudio de eventos TWFE"}})
        figures["event_study.png"] = lambda path: plot_event_study(
            evaluation.event_study, path, title=spec.title["en"], ylabel=f"Effect on {d['outcome']}",
            source_note=f"Source: {d.get('source', '')}"[:160])
        result["figures"].append({"file": "event_study.png", "kind": "event_study", "alt": {
            "en": "TWFE event-study coefficients by month since treatment with 95% confidence intervals",
            "es": "Coeficientes del estudio de eventos TWFE por mes desde el tratamiento con intervalos de confianza del 95 %"},
            "caption": {"en": f"{spec.title['en']}: TWFE event study", "es": f"{spec.title['es']}: estudio de eventos TWFE"}})
    return EvaluationOutput(result, tables, figures)


def join_reading(reading: dict, extra: dict) -> dict:
    return {k: f"{reading[k]} {extra[k]}".strip() for k in ("en", "es")}


RUNNERS = {
    "staggered_did": run_staggered, "event_study": run_staggered, "its": run_its, "comparative_its": run_its,
    "indicator_trend": run_trend, "dose_response": run_dose_response,
}


def run_spec(spec: EvaluationSpec, frame: pd.DataFrame, geography: pd.DataFrame | None = None) -> EvaluationOutput:
    """Run any spec on its table (a DataFrame) and return the result in the RESULT_SCHEMA form; `geography`
    (polygons) is used by DiD specs with a `neighbours` block."""
    if geography is not None and spec.design in ("staggered_did", "event_study"):
        output = RUNNERS[spec.design](spec, frame, geography)
    else:
        output = RUNNERS[spec.design](spec, frame)
    try:
        output.result = finalize(output.result, spec.scope, spec.desired_direction, list(spec.threats))
    except PublicationError as error:
        raise SpecError(str(error)) from None
    return output
