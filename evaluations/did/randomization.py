"""Randomization inference over treatment assignment for staggered designs with few treated clusters.

The treatment is taken to be assigned to whole clusters (states, field offices): each cluster has one adoption
cohort (0 for never treated). Under the sharp null of no effect anywhere the outcomes would be the same under
any other assignment, so the estimate computed on the observed assignment is compared with the estimates on
assignments that give the same cohorts to other clusters (the number of clusters in each cohort kept), as in
Conley & Taber (2011) and Fisher's exact test. When the assignments are at most `draws`, every one is
computed; otherwise `draws` permutations are drawn with a seeded numpy Generator.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .values import show_value


class RandomizationError(ValueError):
    """The data or the options cannot support randomization inference (named argument, reason)."""


@dataclass(frozen=True)
class RandomizationResult:
    """The observed statistic, its permutation distribution and the two-sided p-value
    (share of assignments, the observed one included, whose |statistic| is at least the observed one)."""

    statistic: float
    p_value: float
    draws: int
    enumerated: bool
    n_clusters: int
    treated_clusters: int
    seed: int | None
    distribution: np.ndarray

    def to_dict(self) -> dict:
        return {
            "statistic": self.statistic, "p_value": self.p_value, "draws": self.draws, "enumerated": self.enumerated,
            "n_clusters": self.n_clusters, "treated_clusters": self.treated_clusters, "seed": self.seed,
        }


def cluster_cohorts(data: pd.DataFrame, cluster: str, cohort: str) -> pd.Series:
    """Each cluster's cohort (missing read as 0, never treated); refuses a cluster with two cohorts."""
    cohorts = data[[cluster, cohort]].assign(**{cohort: data[cohort].fillna(0)}).drop_duplicates()
    repeated = cohorts[cluster].duplicated()
    if repeated.any():
        name = cohorts.loc[repeated, cluster].iloc[0]
        raise RandomizationError(f"cluster {show_value(name)} has units in several cohorts of {cohort!r}: randomization "
                                 "inference permutes whole clusters (choose a cluster that adopts at one date)")
    return cohorts.set_index(cluster)[cohort]


def distinct_assignments(cohorts: pd.Series) -> int:
    """Number of ways to give the clusters the same multiset of cohorts: G! / prod(n_c!)."""
    count = math.factorial(len(cohorts))
    for size in cohorts.value_counts():
        count //= math.factorial(int(size))
    return count


def _all_assignments(values: np.ndarray) -> list[np.ndarray]:
    """Every distinct arrangement of `values` over the positions (cohort by cohort, positions chosen)."""
    labels, counts = np.unique(values, return_counts=True)
    out: list[np.ndarray] = []

    def place(free: list[int], index: int, current: np.ndarray) -> None:
        if index == len(labels) - 1:
            current[free] = labels[index]
            out.append(current.copy())
            return
        for chosen in itertools.combinations(free, int(counts[index])):
            current[list(chosen)] = labels[index]
            place([p for p in free if p not in chosen], index + 1, current)

    place(list(range(len(values))), 0, values.copy())
    return out


def randomization_test(
    data: pd.DataFrame, cluster: str, cohort: str, statistic: Callable[[pd.DataFrame], float],
    draws: int = 999, seed: int | None = None, of_assignment: Callable[[pd.Series], float] | None = None,
) -> RandomizationResult:
    """Permutation p-value of `statistic` (a function of the data with `cohort` reassigned, e.g. a TWFE or
    Callaway–Sant'Anna estimate) over assignments of the cohorts to the clusters of `cluster`.

    `of_assignment`, when given, computes the same statistic from the assignment alone (a Series: cluster ->
    cohort, e.g. `randomization_cs.SimpleATT`), which spares rebuilding the data for every draw; it is used
    only if it reproduces `statistic` on the observed assignment."""
    for column in (cluster, cohort):
        if column not in data.columns:
            raise RandomizationError(f"column {column!r} not in data")
    if draws < 1:
        raise RandomizationError(f"draws must be a positive integer, got {draws}")
    cohorts = cluster_cohorts(data, cluster, cohort)
    treated = int((cohorts > 0).sum())
    if treated == 0 or treated == len(cohorts):
        raise RandomizationError(f"{cohort!r}: randomization inference needs treated and untreated clusters")
    observed = float(statistic(data))
    values = cohorts.to_numpy()
    enumerated = distinct_assignments(cohorts) <= draws
    if enumerated:
        assignments = [a for a in _all_assignments(values) if not np.array_equal(a, values)]
    else:
        rng = np.random.default_rng(seed)
        assignments = [rng.permutation(values) for _ in range(draws)]
    if of_assignment is not None and not np.isclose(of_assignment(cohorts), observed, rtol=1e-9, atol=1e-12):
        of_assignment = None
    clusters = data[cluster]
    stats = []
    for assignment in assignments:
        if of_assignment is not None:
            stats.append(float(of_assignment(pd.Series(assignment, index=cohorts.index))))
            continue
        mapping = dict(zip(cohorts.index, assignment))
        stats.append(float(statistic(data.assign(**{cohort: clusters.map(mapping)}))))
    distribution = np.array([observed, *stats])
    p = float(np.mean(np.abs(distribution) >= abs(observed) * (1 - 1e-10)))
    return RandomizationResult(
        statistic=observed, p_value=p, draws=len(distribution), enumerated=enumerated,
        n_clusters=len(cohorts), treated_clusters=treated, seed=None if enumerated else seed,
        distribution=distribution,
    )
