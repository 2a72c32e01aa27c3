"""`bicentennial did --design event-study --sensitivity ...`: JSON contract, wiring and one-line errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from evaluations.did import cli
from evaluations.did.event_study import event_study
from evaluations.honest import honest_sensitivity

REPO = Path(__file__).resolve().parents[2]
MPDTA = REPO / "tests" / "data" / "mpdta" / "mpdta.csv"
BASE = [str(MPDTA), "--outcome", "lemp", "--unit", "countyreal", "--time", "year", "--design", "event-study",
        "--cohort", "first.treat", "--window", "-4:3"]


def run_cli(capsys, *args):
    code = cli.main(["did", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def fit():
    return event_study(pd.read_csv(MPDTA), "lemp", "countyreal", "year", "first.treat", window=(-4, 3))


def test_covariance_matches_reported_standard_errors(fit):
    se = np.sqrt(np.diag(fit.covariance.to_numpy()))
    assert np.allclose(se, [fit.coefficient(t).std_error for t in fit.covariance.index], rtol=1e-12)
    assert list(fit.covariance.index) == [f"event_time={e}" for e in (-4, -3, -2, 0, 1, 2, 3)]


def test_relative_magnitudes_json(capsys, fit):
    code, out, err = run_cli(capsys, *BASE, "--sensitivity", "relative-magnitudes", "--mbar", "0,0.5,1", "--json")
    assert code == 0, err
    d = json.loads(out)
    s = d["sensitivity"]
    assert {"method", "target", "intervals", "breakdown"} <= set(s)
    assert s["method"] == "relative-magnitudes" and s["target"] == "first-post"
    assert [r["m"] for r in s["intervals"]] == [0.0, 0.5, 1.0]
    assert set(s["intervals"][0]) == {"m", "lb", "ub"}
    # the original CI is event time 0's estimate +- z SE, both read from the same JSON
    e0 = d["coefficients"]["event_time=0"]
    z = norm.ppf(0.975)
    assert s["original"]["lb"] == pytest.approx(e0["estimate"] - z * e0["std_error"], abs=1e-12)
    assert s["num_pre_periods"] == 3 and s["num_post_periods"] == 4
    # the intervals are the library's on the event study's coefficients, pre then post
    beta = np.array([fit.coefficient(t).estimate for t in fit.covariance.index])
    lib = honest_sensitivity(beta, fit.covariance.to_numpy(), 3, 4, grid=[0, 0.5, 1])
    assert [r["lb"] for r in s["intervals"]] == pytest.approx(list(lib.lb), abs=1e-12)
    assert [r["ub"] for r in s["intervals"]] == pytest.approx(list(lib.ub), abs=1e-12)
    # widening with Mbar; breakdown is the first grid value whose interval covers 0
    widths = [r["ub"] - r["lb"] for r in s["intervals"]]
    assert widths == sorted(widths)
    covers = [r["lb"] <= 0 <= r["ub"] for r in s["intervals"]]
    assert s["breakdown"] == [r["m"] for r, c in zip(s["intervals"], covers) if c][0]


def test_smoothness_average_text_and_plot(capsys, tmp_path, fit):
    png = tmp_path / "sens.png"
    code, out, err = run_cli(capsys, *BASE, "--sensitivity", "smoothness", "--m", "0,0.01,0.02",
                             "--target", "average-post", "--sensitivity-plot", str(png))
    assert code == 0, err
    assert "DeltaSD, FLCI" in out and "average-post" in out and "breakdown:" in out
    mean_post = np.mean([fit.coefficient(f"event_time={e}").estimate for e in range(4)])
    assert f"estimate {mean_post:.4g}" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("extra, option", [
    (["--sensitivity", "relative-magnitudes", "--mbar", "-0.5,1"], "--mbar"),
    (["--sensitivity", "smoothness", "--m", "0,-0.01"], "--m"),
    (["--sensitivity", "smoothness", "--m", "0,a"], "--m"),
    (["--sensitivity", "relative-magnitudes", "--m", "0.1"], "--m"),
    (["--mbar", "1"], "--mbar"),
    (["--window", "-2:3", "--sensitivity", "relative-magnitudes"], "--window"),
])
def test_bad_input_one_error_line(capsys, extra, option):
    code, out, err = run_cli(capsys, *BASE, *extra, "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and option in lines[0], err


def test_sensitivity_needs_event_study(capsys):
    args = [str(MPDTA), "--outcome", "lemp", "--unit", "countyreal", "--time", "year", "--design", "twfe",
            "--treatment", "treat", "--sensitivity", "smoothness", "--m", "0"]
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and err.strip().splitlines() == ["error: --sensitivity applies to --design event-study, not twfe"]
