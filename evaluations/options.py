"""Estimator options: one pydantic model per estimator, the `estimators:` block of a spec, and which
estimators each design reads.

An option left out of a spec takes the default written here; the runners in evaluations/designs/ read
these models and nothing else. The Dagster launchpad config (pipelines/assets/evaluations.py) is derived
from the same models, so an option is declared once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, ClassVar, Literal, get_args, overload

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

DESIGNS = ("staggered_did", "event_study", "its", "comparative_its", "indicator_trend", "dose_response", "synthetic_did")
# the estimators whose options a design reads (options of any other estimator would change nothing)
DESIGN_ESTIMATORS: dict[str, tuple[str, ...]] = {
    "staggered_did": ("twfe", "event_study", "cs", "robustness"), "event_study": ("twfe", "event_study", "cs", "robustness"),
    "its": ("its",), "comparative_its": ("its",), "indicator_trend": ("trend",), "dose_response": (), "synthetic_did": ("synthetic",),
}


def one_of(values: Iterable[str]) -> AfterValidator:
    """A check that a text is one of `values` (a vocabulary defined elsewhere), naming them when it is not."""
    allowed = tuple(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return AfterValidator(check)


Vcov = Annotated[str, one_of(("iid", "robust", "cluster"))]
Ssc = Annotated[str, one_of(("fixest", "linearmodels"))]
SSC_DESCRIPTION = ("small-sample convention of clustered standard errors: fixest (default; as R fixest and Stata "
                   "reghdfe: (n-1)/(n-K) * G/(G-1), effects nested in the clusters not in K, t(G-1) inference) "
                   "or linearmodels (n/(n-K) with every effect in K)")


class Block(BaseModel):
    """A spec block: immutable, and an unknown key is refused naming the keys it may have."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    noun: ClassVar[str] = "key"

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, value):
        if isinstance(value, dict):
            fields = {name: f for name, f in cls.model_fields.items() if not f.exclude}
            known = {f.alias or name for name, f in fields.items()}
            unknown = [k for k in value if k not in known and k not in fields]
            if unknown:
                raise ValueError(f"unknown {cls.noun} {unknown[0]!r}; expected one of {', '.join(sorted(known))}")
        return value


class Options(Block):
    """Options of one estimator; types are checked strictly (no "12" for 12)."""

    model_config = ConfigDict(strict=True)
    noun: ClassVar[str] = "option"


class TwfeOptions(Options):
    vcov: Vcov = Field("cluster", description="TWFE standard errors: iid, robust or cluster")
    ssc: Ssc = Field("fixest", description=SSC_DESCRIPTION)


class EventStudyOptions(Options):
    window: list[int] = Field([-5, 5], description="[first lead, last lag], e.g. [-6, 12]")
    bin_endpoints: bool = Field(True, description="pool event times beyond the window")
    vcov: Vcov = Field("cluster", description="iid, robust or cluster")
    ssc: Ssc = Field("fixest", description=SSC_DESCRIPTION)

    @field_validator("window")
    @classmethod
    def _window(cls, window: list[int]) -> list[int]:
        if not (len(window) == 2 and window[0] < -1 <= window[1]):
            raise ValueError(f"must be [low, high] integers with low < -1 <= high, got {window}")
        return window


class CsOptions(Options):
    control: Annotated[str, one_of(("never", "notyet"))] = Field("never", description="Callaway–Sant'Anna comparison group: never or notyet")
    bootstrap: int = Field(999, ge=0, description="multiplier-bootstrap draws (0: analytical SEs only)")
    seed: int = Field(20211008, description="seed of the bootstrap (recorded in the result)")
    placebo_shift: int = Field(12, description="months the placebo adoption date is moved back")
    max_event_time: int | None = Field(None, description="last event time in the overall ATT (unset: all)")


class RobustnessOptions(Options):
    """Robustness rows of the staggered designs (evaluations.designs.robustness); run when the spec lists them."""

    wild_bootstrap: int = Field(9999, ge=0, description="restricted wild cluster bootstrap draws for the TWFE "
                                                        "coefficient (0: none)")
    wild_weights: Annotated[str, one_of(("auto", "rademacher", "webb"))] = Field(
        "auto", description="auto: Rademacher with every sign vector when 2^G <= draws, otherwise Webb's six-point weights")
    randomization: int = Field(999, ge=0, description="randomization-inference draws for the Callaway–Sant'Anna "
                                                      "headline (0: none; every assignment when there are no more)")
    randomization_unit: Annotated[str, one_of(("cluster", "unit"))] = Field(
        "cluster", description="what is permuted: the clusters' cohorts (each cluster adopts at one date) or the units'")
    sdid: bool = Field(True, description="staggered synthetic DiD row (Clarke et al. 2024)")
    sdid_se: Annotated[str, one_of(("jackknife", "none"))] = Field("jackknife", description="its standard error")
    border_bands_km: list[int] = Field([100, 300], description="inner edges (km) of the distance-to-border bands of "
                                                               "the heterogeneity table ([]: no table)")
    seed: int = Field(20211008, description="seed of the bootstrap and permutation draws")
    honest_window: list[int] = Field([6, 6], description="HonestDiD sensitivity: pre- and post-treatment months of the "
                                                         "event study it uses ([0, 0]: none; 6 + 6 takes seconds, "
                                                         "12 + 12 minutes)")
    honest_mbar: list[float] = Field([0.0, 0.5, 1.0, 1.5, 2.0], description="HonestDiD relative-magnitudes grid M̄")

    @field_validator("honest_window")
    @classmethod
    def _window(cls, window: list[int]) -> list[int]:
        if len(window) != 2 or any(w < 0 for w in window):
            raise ValueError(f"must be [pre, post] months, both 0 or more, got {window}")
        return window

    @field_validator("honest_mbar")
    @classmethod
    def _mbar(cls, grid: list[float]) -> list[float]:
        if not grid or any(m < 0 for m in grid):
            raise ValueError(f"must be one or more values of 0 or more, got {grid}")
        return grid

    @field_validator("border_bands_km")
    @classmethod
    def _bands(cls, bands: list[int]) -> list[int]:
        if any(b <= 0 for b in bands) or any(a >= b for a, b in zip(bands, bands[1:])):
            raise ValueError(f"must be increasing positive distances in km, got {bands}")
        return bands


class ItsOptions(Options):
    break_date: str | None = Field(None, alias="break",
                                   description="interrupted time series break date, YYYY-MM-DD (unset: October 2021)")
    seasonality: bool = Field(True, description="month-of-year dummies in the ITS")
    placebo_shift: int = Field(12, description="months the placebo break is moved back")
    hac_lags: int | None = Field(None, ge=0, description="Newey–West lags (unset: chosen from the residuals, "
                                                         "Newey & West 1994 automatic bandwidth)")
    min_side: int = Field(6, ge=1, description="fewest months needed on each side of the break")

    @field_validator("break_date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"must be a date (YYYY-MM-DD), got {value!r}") from None
        return value


class TrendOptions(Options):
    baseline_months: int = Field(36, ge=1, description="months before October 2021 in the baseline")


class SyntheticOptions(Options):
    """Synthetic DiD (evaluations.synth): the headline estimator, its standard error and the outcome's scale."""

    estimator: Annotated[str, one_of(("sdid", "sc", "did"))] = Field(
        "sdid", description="headline estimator: sdid, sc (synthetic control) or did; the other two are shown beside it")
    se: Annotated[str, one_of(("placebo", "bootstrap", "jackknife"))] = Field(
        "placebo", description="standard error: placebo (the one method for a single treated unit), bootstrap or "
                               "jackknife (both need at least 2 treated units)")
    reps: int = Field(200, ge=2, description="placebo or bootstrap replications")
    seed: int = Field(20211008, description="seed of the placebo or bootstrap draws (recorded in the result)")
    break_date: str = Field("2021-10-01", alias="break", description="first treated period, YYYY-MM-DD")
    placebo_shift: int = Field(12, ge=1, description="periods the placebo break is moved back (pre-break periods only)")
    transform: Annotated[str, one_of(("none", "log", "log1p"))] = Field(
        "none", description="outcome scale: none, log or log1p (log(1 + y), for outcomes with zeros)")

    @field_validator("break_date")
    @classmethod
    def _date(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be a date (YYYY-MM-DD), got {value!r}") from None
        return value


class Estimators(Block):
    """The `estimators:` block: an estimator listed (even with no options) is run by designs that
    treat it as optional (TWFE and its event study); its options fall back to the defaults above."""

    noun: ClassVar[str] = "estimator"
    twfe: TwfeOptions | None = None
    event_study: EventStudyOptions | None = None
    cs: CsOptions | None = None
    robustness: RobustnessOptions | None = None
    its: ItsOptions | None = None
    trend: TrendOptions | None = None
    synthetic: SyntheticOptions | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_means_defaults(cls, value):
        if value is None:
            return {}
        if isinstance(value, dict):
            return {k: {} if v is None else v for k, v in value.items()}
        return value

    @overload
    def options(self, estimator: Literal["twfe"]) -> TwfeOptions: ...
    @overload
    def options(self, estimator: Literal["event_study"]) -> EventStudyOptions: ...
    @overload
    def options(self, estimator: Literal["cs"]) -> CsOptions: ...
    @overload
    def options(self, estimator: Literal["robustness"]) -> RobustnessOptions: ...
    @overload
    def options(self, estimator: Literal["its"]) -> ItsOptions: ...
    @overload
    def options(self, estimator: Literal["trend"]) -> TrendOptions: ...
    @overload
    def options(self, estimator: Literal["synthetic"]) -> SyntheticOptions: ...
    @overload
    def options(self, estimator: str) -> Options: ...

    def options(self, estimator: str) -> Options:
        """The estimator's options as listed, or its defaults when it is not listed."""
        return getattr(self, estimator) or ESTIMATOR_MODELS[estimator]()

    def listed(self) -> dict[str, dict]:
        """{estimator: {option: value}} of what was set, as written in a spec."""
        return self.model_dump(by_alias=True, exclude_unset=True)


ESTIMATOR_MODELS: dict[str, type[Options]] = {
    name: get_args(field.annotation)[0] for name, field in Estimators.model_fields.items()
}


def unused_estimators(design: str, estimators: Estimators) -> str | None:
    """A message naming the first listed estimator the design does not read (None when all are read)."""
    used = DESIGN_ESTIMATORS.get(design, ())
    for name in Estimators.model_fields:
        if getattr(estimators, name) is not None and name not in used:
            return (f"estimators.{name}: the {design} design does not use this estimator "
                    f"(its estimators: {', '.join(used) or 'none'})")
    return None
