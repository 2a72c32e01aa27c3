"""HonestDiD sensitivity against R HonestDiD's published Medicaid-expansion examples.

Sources (see tests/data/honestdid_*/SOURCE.md):
- README.md of R HonestDiD 0.2.8 (github.com/asheshrambachan/HonestDiD): the printed tables, three
  significant digits, and the same results at full precision from the README's knitr cache
  (README_cache/gfm/unnamed-chunk-N_*.rdb, read with R's lazyLoad).
- README.md of Stata honestdid 0.5.3 (github.com/mcaceresb/stata-honestdid): original CIs, three
  decimals.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.honest import HonestInputError, honest_sensitivity, original_ci
from evaluations.honest.rng import r_rnorm

DATA = Path(__file__).resolve().parents[1] / "data"


def _load(path: Path) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(path)
    return frame["betahat"].to_numpy(), frame.iloc[:, 2:].to_numpy()


@pytest.fixture(scope="module")
def medicaid():
    return _load(DATA / "honestdid_medicaid" / "twfe.csv")


def _printed(values: np.ndarray, printed: list[float]) -> None:
    """Equal at the printed precision: three significant digits (tibble print)."""
    for v, p in zip(values, printed, strict=True):
        assert f"{v:.3g}" == f"{p:.3g}", (v, p)


# README, "Sensitivity analysis using relative magnitudes restrictions": Mbarvec = seq(0.5, 2, by = 0.5)
README_RM_LB = [0.0241, 0.0171, 0.00859, -0.00107]
README_RM_UB = [0.0673, 0.0720, 0.0796, 0.0883]
# knitr cache unnamed-chunk-4, delta_rm_results (the printed table at full precision)
CACHE_RM_LB = [0.0241301222377943436, 0.0170937209630442344, 0.0085869078021017231, -0.0010670258970860713]
CACHE_RM_UB = [0.067263301583128626, 0.071962976481434987, 0.079598827913705206, 0.088347280033024084]


@pytest.fixture(scope="module")
def rm_first(medicaid):
    beta, sigma = medicaid
    return honest_sensitivity(beta, sigma, 5, 2, "relative-magnitudes", grid=[0.5, 1, 1.5, 2])


def test_relative_magnitudes_equal_readme(rm_first):
    _printed(rm_first.lb, README_RM_LB)
    _printed(rm_first.ub, README_RM_UB)
    np.testing.assert_allclose(rm_first.lb, CACHE_RM_LB, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rm_first.ub, CACHE_RM_UB, rtol=0, atol=1e-12)


def test_relative_magnitudes_breakdown_and_original(rm_first):
    # README: "the breakdown value for a significant effect is Mbar = 2"
    assert rm_first.breakdown == 2.0
    assert rm_first.grid_resolution == 0.5
    # Stata README: original CI 0.029, 0.064
    assert [round(v, 3) for v in rm_first.original] == [0.029, 0.064]
    assert rm_first.significant


def test_relative_magnitudes_average_of_post_periods(medicaid):
    beta, sigma = medicaid
    res = honest_sensitivity(beta, sigma, 5, 2, "relative-magnitudes", grid=[0, 0.5, 1, 1.5, 2],
                             target="average-post")
    # knitr cache unnamed-chunk-7: delta_rm_results_avg and originalResults_avg (l_vec = c(0.5, 0.5))
    np.testing.assert_allclose(res.lb, [0.0405304671488131429, 0.0321417831953705324, 0.0193843173055917584,
                                        0.005824264875491425, -0.0085383740949304954], atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.ub, [0.07512256249015431, 0.07981560160559506, 0.090148561485392908,
                                        0.103501494808313499, 0.117248615355159236], atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.original, [0.040369952510776089, 0.075283077128191364], atol=1e-12, rtol=0)
    # Stata README, l_vec = (0.5, 0.5): original CI 0.040, 0.075 (its robust table comes from Stata's own
    # implementation and differs from R's in the third decimal, so R's numbers are the reference here)
    assert [round(v, 3) for v in res.original] == [0.040, 0.075]
    assert res.target == "average-post" and list(res.l_vec) == [0.5, 0.5]


def test_relative_magnitudes_released_grid_centred_on_zero(medicaid):
    beta, sigma = medicaid
    res = honest_sensitivity(beta, sigma, 5, 2, "relative-magnitudes", grid=[0, 0.5, 1, 1.5, 2],
                             grid_center="zero")
    # knitr cache unnamed-chunk-5 (rendered with HonestDiD's released grid, [-20, 20] SE around 0)
    np.testing.assert_allclose(res.lb, [0.02876563121251612953, 0.02400189610725869671, 0.01703951403034395518,
                                        0.00824492614371483135, -0.00091610290485719115], atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.ub, [0.064310423920975579, 0.06724195321651863, 0.07200568832177609,
                                        0.079700952722576573, 0.088129099447262854], atol=1e-12, rtol=0)


@pytest.mark.parametrize("name, num_pre, lb, ub, original", [
    # knitr cache unnamed-chunk-10 (Sun & Abraham, gridPoints = 100): sensitivity_results, original_results
    ("sun_abraham.csv", 10,
     [0.0097973538615028777, -0.0199188223849207507, -0.0479323153316155715, -0.0759994869978697501],
     [0.075189097903400837, 0.101338871391688873, 0.128899854153671889, 0.160985938762773506],
     [0.02958309714581496, 0.05540335461908874]),
    # knitr cache unnamed-chunk-12 (Callaway & Sant'Anna, gridPoints = 100): robust_ci, orig_ci
    ("callaway_santanna.csv", 4,
     [0.0315760274224410886, 0.023602642116247019, 0.0178842037426001355, 0.0092623311391339669],
     [0.058974392869548364, 0.061848350404037078, 0.070057549272875552, 0.075952847818505753],
     [0.033478730648979563, 0.05707168964300989]),
])
def test_relative_magnitudes_staggered_examples(name, num_pre, lb, ub, original):
    beta, sigma = _load(DATA / "honestdid_staggered" / name)
    res = honest_sensitivity(beta, sigma, num_pre, len(beta) - num_pre, "relative-magnitudes",
                             grid=[0.5, 1, 1.5, 2], grid_points=100)
    np.testing.assert_allclose(res.lb, lb, atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.ub, ub, atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.original, original, atol=1e-12, rtol=0)


def test_callaway_santanna_released_grid():
    beta, sigma = _load(DATA / "honestdid_staggered" / "callaway_santanna.csv")
    res = honest_sensitivity(beta, sigma, 4, 6, "relative-magnitudes", grid=[0.5, 1, 1.5, 2], grid_points=100,
                             grid_center="zero")
    # knitr cache unnamed-chunk-9: the same event study with the grid centred on 0
    np.testing.assert_allclose(res.lb, [0.0303975888066308486, 0.025533974597569925, 0.0182385532839785258,
                                        0.0085113248658566232], atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.ub, [0.057147466956466025, 0.062011081165526977, 0.069306502479118376,
                                        0.076601923792709775], atol=1e-12, rtol=0)


# README, "Sensitivity Analysis Using Smoothness Restrictions": Mvec = seq(0, 0.05, by = 0.01)
README_SD_LB = [0.0259, 0.0132, 0.00286, -0.00714, -0.0171, -0.0271]
README_SD_UB = [0.0607, 0.0787, 0.0907, 0.101, 0.111, 0.121]
# knitr cache unnamed-chunk-6, delta_sd_results (lb of M = 0.05 is truncated in the cache listing)
CACHE_SD_LB = [0.0259414790274255895, 0.0131970251514473488, 0.0028569959514335441, -0.007142576403053387,
               -0.0171425764022257454]
CACHE_SD_UB = [0.060725786376332969, 0.078670742535815297, 0.09071603940652409, 0.100715611761011015,
               0.11071561176018338, 0.120715611759355759]
SD_GRID = [0, 0.01, 0.02, 0.03, 0.04, 0.05]


@pytest.fixture(scope="module")
def sd_first(medicaid):
    beta, sigma = medicaid
    return honest_sensitivity(beta, sigma, 5, 2, "smoothness", grid=SD_GRID)


def test_smoothness_equal_readme(sd_first):
    _printed(sd_first.lb[1:], README_SD_LB[1:])
    _printed(sd_first.ub, README_SD_UB)
    # M > 0: equal to R's cached numbers up to the conic solver's tolerance
    np.testing.assert_allclose(sd_first.lb[1:5], CACHE_SD_LB[1:], atol=1e-7, rtol=0)
    np.testing.assert_allclose(sd_first.ub[1:], CACHE_SD_UB[1:], atol=1e-7, rtol=0)
    # M = 0: the FLCI is the minimum-variance estimator, which is unique; R's conic solver stops 1e-5 from
    # it (its interval is 7e-8 longer), so R's lb 0.025941 prints as 0.0259 and the exact 0.025951 as 0.0260.
    np.testing.assert_allclose([sd_first.lb[0], sd_first.ub[0]], [CACHE_SD_LB[0], CACHE_SD_UB[0]], atol=2e-5)
    assert sd_first.ub[0] - sd_first.lb[0] <= CACHE_SD_UB[0] - CACHE_SD_LB[0]
    # Stata README, delta(sd), M = 0: 0.026, 0.061 (three decimals)
    assert [round(sd_first.lb[0], 3), round(sd_first.ub[0], 3)] == [0.026, 0.061]
    # README: "the breakdown value for a significant effect is M = 0.03"
    assert sd_first.breakdown == pytest.approx(0.03)


def test_smoothness_with_control_equal_readme():
    beta, sigma = _load(DATA / "honestdid_medicaid" / "twfe_control.csv")
    res = honest_sensitivity(beta, sigma, 5, 2, "smoothness", grid=SD_GRID)
    # README, "Regressions with controls"
    _printed(res.lb, [0.0264, 0.0128, 0.00186, -0.00814, -0.0181, -0.0281])
    _printed(res.ub, [0.0607, 0.0788, 0.0908, 0.101, 0.111, 0.121])


def test_r_normal_draws():
    # R: set.seed(0); rnorm(3)  ->  1.2629542848807933 -0.3262333607056494 1.3297992629225006
    np.testing.assert_allclose(r_rnorm(3, 0), [1.2629542848807933, -0.3262333607056494, 1.3297992629225006],
                               rtol=1e-15)


def test_original_ci_by_hand(medicaid):
    beta, sigma = medicaid
    est, se, lo, hi = original_ci(beta, sigma, 5, 2, np.array([1.0, 0.0]))
    assert est == beta[5] and se == pytest.approx(np.sqrt(sigma[5, 5]))
    assert lo == pytest.approx(beta[5] - 1.959963984540054 * np.sqrt(sigma[5, 5]), abs=1e-15)


def test_result_outputs(rm_first, tmp_path):
    frame = rm_first.to_frame()
    assert list(frame.columns) == ["m", "lb", "ub", "method", "delta", "target"]
    assert frame["method"].unique().tolist() == ["C-LF"] and frame["delta"].unique().tolist() == ["DeltaRM"]
    payload = json.loads(rm_first.to_json())
    assert payload["method"] == "relative-magnitudes" and payload["target"] == "first-post"
    assert [row["m"] for row in payload["intervals"]] == [0.5, 1.0, 1.5, 2.0]
    assert payload["intervals"][0]["lb"] == pytest.approx(CACHE_RM_LB[0])
    assert payload["breakdown"] == 2.0 and payload["breakdown_resolution"] == 0.5
    # HonestDiD's grid for Mbar = 0.5: l'betahat_post +- (0.5 * max |pre first difference| + 20 SE), 1,000 points
    beta, sigma = _load(DATA / "honestdid_medicaid" / "twfe.csv")
    half = 0.5 * np.abs(np.diff(np.append(beta[:5], 0.0))).max() + 20 * np.sqrt(sigma[5, 5])
    assert payload["theta_grid_step"][0] == pytest.approx(2 * half / 999, rel=1e-12)
    text = rm_first.summary()
    assert "Mbar = 2 is the smallest grid value" in text and "cannot confirm" in text
    png = rm_first.plot(tmp_path / "rm.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_breakdown_none_when_robust_on_whole_grid(medicaid):
    beta, sigma = medicaid
    res = honest_sensitivity(beta, sigma, 5, 2, "smoothness", grid=[0, 0.01])
    assert res.breakdown is None
    assert "no M on the grid" in res.summary()


@pytest.mark.parametrize("kwargs, message", [
    ({"grid": [-0.5, 1]}, "negative"),
    ({"num_pre": 1, "num_post": 6}, "at least 2 pre"),
    ({"num_pre": 4, "num_post": 2}, r"num_pre \+ num_post"),
    ({"method": "both"}, "method must be"),
    ({"target": "last-post"}, "target must be"),
    ({"target": [1, 0, 0]}, "2 finite entries"),
    ({"grid": []}, "non-empty"),
    ({"alpha": 1.5}, "alpha"),
])
def test_bad_input(medicaid, kwargs, message):
    beta, sigma = medicaid
    args = {"num_pre": 5, "num_post": 2, "method": "relative-magnitudes", "grid": [1]}
    args.update(kwargs)
    with pytest.raises(HonestInputError, match=message):
        honest_sensitivity(beta, sigma, **args)


def test_bad_sigma(medicaid):
    beta, sigma = medicaid
    with pytest.raises(HonestInputError, match="7 x 7"):
        honest_sensitivity(beta, sigma[:6, :6], 5, 2, grid=[1])
    asym = sigma.copy()
    asym[0, 1] += 1e-3
    with pytest.raises(HonestInputError, match="symmetric"):
        honest_sensitivity(beta, asym, 5, 2, grid=[1])
    with pytest.raises(HonestInputError, match="positive semi-definite"):
        honest_sensitivity(beta, sigma - np.eye(7) * 1e-3, 5, 2, grid=[1])


def test_linear_programs_without_vertex_enumeration(monkeypatch):
    """The HiGHS path (used when the dual polytope has too many bases) decides as the enumerated path."""
    from evaluations.honest import polytope
    from evaluations.honest.arp import ConditionalTest
    from evaluations.honest.relative_magnitudes import gamma_matrix, rm_constraints, theta_grid

    beta, sigma = _load(DATA / "honestdid_staggered" / "callaway_santanna.csv")
    l_vec = np.eye(6)[0]
    a = rm_constraints(4, 6, 1.0, 0, True)
    rows = (a[:, 4:] != 0).any(axis=1)
    x = (a[:, 4:] @ np.linalg.inv(gamma_matrix(l_vec)))[rows]
    sigma_y = (a @ sigma @ a.T)[np.ix_(rows, rows)]
    y = (a @ beta)[rows]
    grid = theta_grid(beta, sigma, 4, l_vec, 1.0, 40, centered=True)
    enumerated = ConditionalTest(x[:, 1:], sigma_y, 0.05)
    monkeypatch.setattr(polytope, "MAX_BASES", 0)
    solved = ConditionalTest(x[:, 1:], sigma_y, 0.05)
    assert enumerated.polytope.vertices is not None and solved.polytope.vertices is None
    assert solved.lf_cv == pytest.approx(enumerated.lf_cv, rel=1e-9)
    decisions = [(enumerated.reject(y - x[:, 0] * t), solved.reject(y - x[:, 0] * t)) for t in grid]
    assert all(d1 == d2 for d1, d2 in decisions) and 0 < sum(d1 for d1, _ in decisions) < len(grid)


def test_dual_polytope_maximum_equals_highs():
    from scipy.optimize import linprog

    from evaluations.honest.polytope import DualPolytope

    rng = np.random.default_rng(7)
    for m, k in [(4, 1), (8, 3), (12, 5)]:
        x = rng.normal(size=(m, k))
        x -= rng.uniform(0.1, 1.0, size=m) @ x / m  # some lambda > 0 with X'lambda = 0 exists
        sd = rng.uniform(0.5, 2.0, size=m)
        poly = DualPolytope(sd, x)
        assert poly.vertices is not None
        for _ in range(5):
            y = rng.normal(size=m)
            # primal: min eta s.t. y - X delta <= eta sd
            res = linprog(np.r_[1.0, np.zeros(k)], A_ub=-np.c_[sd, x], b_ub=-y, bounds=[(None, None)] * (k + 1),
                          method="highs")
            value, lam = poly.max(y)
            assert value == pytest.approx(res.fun, abs=1e-10)
            assert lam @ sd == pytest.approx(1.0) and np.allclose(x.T @ lam, 0, atol=1e-10)


def test_one_post_period_by_hand(medicaid):
    """One post period, Mbar = 0: Delta^RM(0) fixes the post violation at 0, so the C-LF test is the
    two-sided test of theta = betahat_post with truncation [0, c_LF] and size (alpha - kappa)/(1 - kappa)."""
    from scipy.stats import norm

    beta, sigma = medicaid
    b, s = beta[:6], sigma[:6, :6]
    res = honest_sensitivity(b, s, 5, 1, "relative-magnitudes", grid=[0])
    se = np.sqrt(s[5, 5])
    kappa = 0.005
    size = (0.05 - kappa) / (1 - kappa)
    c_lf = norm.ppf(1 - kappa / 2)  # 0.995 quantile of |Z| (HonestDiD simulates it with 1,000 draws)
    cval = norm.ppf(0.5 + (1 - size) * (norm.cdf(c_lf) - 0.5))
    step = 40 * se / 999
    assert abs(res.lb[0] - (b[5] - cval * se)) < 1.5 * step
    assert abs(res.ub[0] - (b[5] + cval * se)) < 1.5 * step


def test_truncated_normal_quantile_equals_scipy():
    from scipy.stats import truncnorm

    from evaluations.honest.arp import truncated_normal_quantile

    cases = [(0.95, -np.inf, np.inf), (0.9548, 0.0, 2.807), (0.9548, -1.2, 0.3), (0.5, 3.0, 9.0),
             (0.99, -8.0, -4.0), (0.9548, 1.5, np.inf), (0.1, -np.inf, -2.5), (0.9548, -0.4, 40.0)]
    for p, a, b in cases:
        assert truncated_normal_quantile(p, a, b) == pytest.approx(truncnorm.ppf(p, a, b), rel=1e-10, abs=1e-12)
    assert truncated_normal_quantile(0.5, 1.0, 3.0, mu=1.0, sd=2.0) == pytest.approx(1 + 2 * truncnorm.ppf(0.5, 0, 1))


def test_smoothness_default_grid_by_hand(medicaid):
    """HonestDiD's default M grid: 10 values from 0 to max |second difference of (pre, 0)| + z_0.95 SE."""
    from scipy.stats import norm

    from evaluations.honest.api import smoothness_upper_bound

    beta, sigma = medicaid
    b = list(beta[:5]) + [0.0]
    bounds = []
    for r in range(4):
        w = np.zeros(5)
        for j, c in zip(range(r, r + 3), (1, -2, 1)):
            if j < 5:
                w[j] = c
        d = b[r] - 2 * b[r + 1] + b[r + 2]
        se = np.sqrt(w @ sigma[:5, :5] @ w)
        bounds += [d + norm.ppf(0.95) * se, -d + norm.ppf(0.95) * se]
    assert smoothness_upper_bound(beta, sigma, 5) == pytest.approx(max(bounds), rel=1e-12)
