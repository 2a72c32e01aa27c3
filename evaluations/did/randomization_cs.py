"""The Callaway–Sant'Anna simple ATT as a function of the cohort assignment alone, for randomization inference.

Randomization inference (`did.randomization`) recomputes its statistic for hundreds of reassignments of the
cohorts. For the simple aggregation of the ATT(g,t) without covariates only the point estimates are needed,
and the outcome panel is the same under every assignment: `SimpleATT` pivots it once (`panel.prepare_panel`)
and, per assignment, computes the cells (`cs.build_cells`), their mean-change ATT(g,t) (`cs.mean_change_att`)
and the simple aggregation with the cohort-share weights of `aggregate` — the numbers of
``att_gt(...).aggregate("simple", max_e=...)`` without its influence functions, standard errors, or a new
long data frame per draw. An assignment outside that case (a panel with dropped rows or units treated by its
first period, no never-treated units, a cell without comparison units) goes through `att_gt` itself.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .aggregate import _params_for
from .cs import att_gt, build_cells, cohort_blocks, mean_change_att
from .panel import prepare_panel


class SimpleATT:
    """The simple ATT of `att_gt(data, outcome, unit, time, cohort, control=control, weights=weights)`
    (cells up to `max_e` periods after adoption) with the cohorts reassigned over the values of `level`, a
    column constant within units (the unit itself, or the cluster the cohorts are permuted over)."""

    def __init__(self, data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, level: str,
                 control: str = "never", weights: str | None = None, max_e: float = np.inf):
        self.data, self.outcome, self.unit, self.time, self.cohort, self.level = data, outcome, unit, time, cohort, level
        self.control, self.weights, self.max_e = control, weights, max_e
        panel = prepare_panel(data, outcome, unit, time, cohort, weights=weights)
        self.Y, self.times, self.w = panel.Y, panel.times, panel.w
        self.unit_level = data.groupby(unit, sort=False)[level].first().reindex(panel.unit_ids).to_numpy()
        # every unit kept and some never treated: then so under any reassignment of the same cohorts
        self.direct = not panel.dropped and bool(np.isinf(panel.G).any())

    def of_data(self, frame: pd.DataFrame) -> float:
        """The statistic of a data frame, by `att_gt` and its simple aggregation."""
        cs = att_gt(frame, self.outcome, self.unit, self.time, self.cohort, control=self.control, weights=self.weights)
        return cs.aggregate("simple", max_e=self.max_e).overall["estimate"]

    def __call__(self, assignment: pd.Series) -> float:
        """The statistic with cohort `assignment[v]` (0: never treated) given to the units whose `level` is v."""
        G = assignment.reindex(self.unit_level).to_numpy(dtype=float)
        G = np.where(np.isnan(G) | (G == 0), np.inf, G)
        finite = np.isfinite(G)
        if not self.direct or not (~finite).any() or (G[finite] <= self.times[0]).any() or (G[finite] > self.times[-1]).any():
            return self._by_att_gt(assignment)
        cohorts = np.unique(G[finite])
        cells, skipped = build_cells(self.times, cohorts, self.control, "varying", 0)
        block = cohort_blocks(G, cohorts)
        block_w = np.bincount(block, weights=self.w, minlength=len(cohorts) + 1)
        Wg, Wc = block_w[cells.gidx + 1], cells.ctrl @ block_w
        time, group = self.times[cells.t_idx], cells.group
        keep = np.flatnonzero((group <= time) & (time <= group + self.max_e))
        if skipped or ((Wc <= 0) & ~cells.reference).any() or len(keep) == 0:
            return self._by_att_gt(assignment)   # att_gt warns or refuses: let it say so
        _, _, att = mean_change_att(self.Y, self.w, block, cells, Wg, Wc)
        # aggregate(kind="simple"): cells weighted by their cohort's share of the (weighted) units
        pg = ((G[:, None] == cohorts[None, :]) * self.w[:, None]).mean(axis=0)
        gidx = np.searchsorted(cohorts, group)
        A, _, _ = _params_for([keep], [pg[gidx][keep]], att, gidx, len(att), len(cohorts), False)
        return float((A.T @ att)[0])

    def _by_att_gt(self, assignment: pd.Series) -> float:
        mapping = dict(zip(assignment.index, assignment.to_numpy()))
        return self.of_data(self.data.assign(**{self.cohort: self.data[self.level].map(mapping)}))
