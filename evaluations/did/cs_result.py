"""The result of `cs.att_gt`: every ATT(g,t) with its inference, bookkeeping and the internals that
the aggregations (`aggregate`), the pre-test (`diagnostics`) and the event-study plot (`plots`) use."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .values import plain_number


@dataclass
class CSResult:
    """Group-time ATT(g,t) estimates with influence functions, inference and bookkeeping."""

    outcome: str
    control_group: str
    base_period: str
    anticipation: int
    method: str
    covariates: list[str]
    alpha: float
    cells: pd.DataFrame                 # one row per ATT(g,t)
    n_units: int
    n_obs: int
    n_rows_input: int
    n_periods: int
    cohorts: dict                       # cohort -> number of units
    n_never_treated: int
    n_clusters: int | None
    dropped: dict
    notes: list
    skipped_cells: list
    bootstrap: dict | None
    # estimation internals used by the aggregations, the pre-test and the placebo test
    _if_value: np.ndarray | None = field(repr=False)        # (n x cells) influence functions, or None
    _if_builder: Callable[[], np.ndarray] = field(repr=False)   # builds them on first use
    _G: np.ndarray = field(repr=False)
    _w: np.ndarray = field(repr=False)
    _cohort_values: np.ndarray = field(repr=False)
    _cluster_codes: np.ndarray | None = field(repr=False)
    _draws: np.ndarray | None = field(repr=False)          # (cells x B) bootstrap perturbations of ATT(g,t)
    _Vcoh: np.ndarray | None = field(repr=False)           # (cohorts x B) sum_i v_ib w_i 1{G_i=g} / n
    _Vone: np.ndarray | None = field(repr=False)           # (B,) sum_i v_ib / n
    _aggregations: dict = field(default_factory=dict, repr=False)
    _pretest: dict | None = field(default=None, repr=False)

    @property
    def _if(self) -> np.ndarray:
        """(n_units x cells) influence functions of the ATT(g,t) (built on first use)."""
        if self._if_value is None:
            self._if_value = self._if_builder()
        return self._if_value

    @property
    def pretest(self) -> dict:
        """Joint Wald pre-test of all pre-treatment ATT(g,t) = 0 (computed on first use)."""
        if self._pretest is None:
            from .diagnostics import wald_pretest
            self._pretest = wald_pretest(self.cells["estimate"].to_numpy(), self._if, self.n_units, self.cells,
                                         self._cluster_codes, self.n_clusters)
        return self._pretest

    # -- aggregation ---------------------------------------------------------------------
    def aggregate(self, kind: str = "simple", balance_e: int | None = None,
                  min_e: float = -np.inf, max_e: float = np.inf):
        from .aggregate import aggregate
        key = (kind, balance_e, min_e, max_e)
        if key not in self._aggregations:
            self._aggregations[key] = aggregate(self, kind, balance_e=balance_e, min_e=min_e, max_e=max_e)
        return self._aggregations[key]

    def all_aggregations(self, balance_e: int | None = None) -> dict:
        return {
            "simple": self.aggregate("simple"),
            "dynamic": self.aggregate("dynamic", balance_e=balance_e),
            "group": self.aggregate("group"),
            "calendar": self.aggregate("calendar"),
        }

    # -- presentation ----------------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:
        """ATT(g,t) table: group, time, event_time, estimate, std_error, ci_low, ci_high, ..."""
        return self.cells.copy()

    @property
    def band(self) -> str:
        return "simultaneous (bootstrap sup-t)" if self.bootstrap else "pointwise (analytic)"

    def summary(self) -> str:
        ctrl = {"never": "never treated", "notyet": "not yet treated"}[self.control_group]
        meth = {"dr": "doubly robust", "reg": "outcome regression", "ipw": "inverse probability weighting"}[self.method]
        inference = (f"multiplier bootstrap, {self.bootstrap['draws']:d} draws, seed {self.bootstrap['seed']}"
                     if self.bootstrap else "analytic (influence function)")
        lines = [
            f"Callaway & Sant'Anna group-time ATT — outcome: {self.outcome}",
            f"units {self.n_units:,}  rows used {self.n_obs:,} of {self.n_rows_input:,}  periods {self.n_periods}  "
            f"cohorts {len(self.cohorts)}  never treated {self.n_never_treated:,}"
            + (f"  clusters {self.n_clusters:,}" if self.n_clusters else ""),
            f"comparison: {ctrl}  base period: {self.base_period}  anticipation: {self.anticipation}  "
            f"method: {meth}" + (f"  covariates: {', '.join(self.covariates)}" if self.covariates else ""),
            f"inference: {inference}; {int(100 * (1 - self.alpha))}% bands are {self.band}",
        ]
        for reason, k in self.dropped.items():
            lines.append(f"DROPPED {k:,} rows: {reason}")
        for s in self.skipped_cells:
            lines.append(f"SKIPPED cell g={s['group']} t={s['time']}: {s['reason']}")
        lines.append(f"{'group':>8}{'time':>8}{'ATT(g,t)':>11}{'std.err':>10}{'band':>24}")
        for r in self.cells.itertuples():
            star = "*" if (r.ci_low > 0 or r.ci_high < 0) else " "
            lines.append(f"{r.group:>8g}{r.time:>8g}{r.estimate:>11.4f}{r.std_error:>10.4f}"
                         f"{f'[{r.ci_low:.4f}, {r.ci_high:.4f}]':>24} {star}")
        if self.pretest.get("p_value") is not None:
            lines.append(f"pre-trend Wald test: chi2({self.pretest['df']}) = {self.pretest['statistic']:.3f}, "
                         f"p = {self.pretest['p_value']:.5f}")
        else:
            lines.append(f"pre-trend Wald test: not available ({self.pretest.get('reason')})")
        for a_name, agg in self.all_aggregations().items():
            o = agg.overall
            lines.append(f"{a_name:>9} ATT {o['estimate']:.4f} (se {o['std_error']:.4f}, "
                         f"95% CI [{o['ci_low']:.4f}, {o['ci_high']:.4f}])")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self, balance_e: int | None = None) -> dict:
        aggs = self.all_aggregations(balance_e=balance_e)
        return {
            "design": "cs",
            "outcome": self.outcome,
            "n_obs": self.n_obs, "n_rows_input": self.n_rows_input, "n_units": self.n_units,
            "n_periods": self.n_periods, "n_cohorts": len(self.cohorts),
            "cohort_sizes": {str(plain_number(k)): v for k, v in self.cohorts.items()},
            "n_never_treated": self.n_never_treated, "n_clusters": self.n_clusters,
            "control_group": self.control_group, "base_period": self.base_period,
            "anticipation": self.anticipation, "method": self.method, "covariates": list(self.covariates),
            "alpha": self.alpha, "inference": "bootstrap" if self.bootstrap else "analytic",
            "bootstrap": self.bootstrap,
            "dropped_rows": dict(self.dropped), "skipped_cells": list(self.skipped_cells), "notes": list(self.notes),
            "att": aggs["simple"].overall,
            "att_gt": [
                {"group": plain_number(r.group), "time": plain_number(r.time),
                 "event_time": plain_number(r.event_time), "base_time": plain_number(r.base_time),
                 "estimate": float(r.estimate), "std_error": float(r.std_error),
                 "ci_low": float(r.ci_low), "ci_high": float(r.ci_high), "n_treated": int(r.n_treated),
                 "n_control": int(r.n_control)}
                for r in self.cells.itertuples()
            ],
            "pretest": self.pretest,
            "aggregations": {k: v.to_dict() for k, v in aggs.items()},
        }

    def to_json(self, balance_e: int | None = None, **kwargs) -> str:
        return json.dumps(self.to_dict(balance_e=balance_e), **kwargs)

    def plot_event_study(self, path: str | Path, balance_e: int | None = None, title: str | None = None,
                         ylabel: str | None = None, xlabel: str | None = None, lang: str = "en",
                         source_note: str | None = None) -> Path:
        """Event-study (dynamic aggregation) PNG with the confidence band, in `lang` (evaluations.figures);
        without `source_note`, the note gives the sample (units, cohorts, comparison group)."""
        from .. import figures
        from .plots import plot_event_study
        agg = self.aggregate("dynamic", balance_e=balance_e)
        table = agg.by[["event_time", "estimate", "ci_low", "ci_high"]]
        kind = agg.band_kind if agg.band_kind in ("simultaneous", "pointwise") else None
        return plot_event_study(
            table, path, title or f"Callaway & Sant'Anna event study — {self.outcome}",
            ylabel or f"ATT on {self.outcome}", xlabel=xlabel,
            band_label=figures.word("band", lang, level=int(100 * (1 - self.alpha)),
                                    kind=figures.word(kind, lang) if kind else agg.band_kind),
            source_note=self.sample_note(lang) if source_note is None else source_note, lang=lang,
        )

    def sample_note(self, lang: str = "en") -> str:
        """"2,469 units, 6 cohorts, comparison: never-treated units" in `lang` (evaluations.figures)."""
        from .. import figures, formats
        control = {"never": "never_treated", "notyet": "not_yet_treated"}.get(self.control_group)
        return figures.word("cs_sample", lang, units=formats.integer(self.n_units, lang), cohorts=len(self.cohorts),
                            control=figures.word(control, lang) if control else self.control_group)
