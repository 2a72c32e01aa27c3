"""`bicentennial did` command line: JSON contract, designs, clean errors with exit code 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.did import cli
from evaluations.did.cs import att_gt

REPO = Path(__file__).resolve().parents[2]
MPDTA = REPO / "tests" / "data" / "mpdta" / "mpdta.csv"
BASE = [str(MPDTA), "--outcome", "lemp", "--unit", "countyreal", "--time", "year"]


def run_cli(capsys, *args):
    code = cli.main(["did", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cs_json_contract_and_values(capsys):
    code, out, err = run_cli(capsys, *BASE, "--design", "cs", "--cohort", "first.treat", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert {"design", "n_obs", "n_units", "att", "att_gt", "aggregations"} <= set(d)
    assert d["design"] == "cs" and d["n_obs"] == 2500 and d["n_units"] == 500
    assert set(d["att"]) == {"estimate", "std_error", "ci_low", "ci_high", "p_value"}
    # R did 2.1.2 reference manual, aggte(type = "simple") on mpdta: ATT -0.04 (printed 4 decimals)
    assert abs(d["att"]["estimate"] + 0.04) <= 0.5e-4
    assert len(d["att_gt"]) == 12 and set(d["att_gt"][0]) == {"group", "time", "estimate", "std_error"}
    aggs = d["aggregations"]
    assert set(aggs) == {"simple", "dynamic", "group", "calendar"}
    assert aggs["simple"] == d["att"]
    assert set(aggs["dynamic"]) >= {"overall", "by"} and set(aggs["dynamic"]["by"][0]) >= {"event_time", "estimate", "std_error"}
    assert [r["group"] for r in aggs["group"]["by"]] == [2004, 2006, 2007]
    assert [r["time"] for r in aggs["calendar"]["by"]] == [2004, 2005, 2006, 2007]
    lib = att_gt(pd.read_csv(MPDTA), "lemp", "countyreal", "year", "first.treat")
    assert np.allclose([r["std_error"] for r in d["att_gt"]], lib.cells.std_error)


def test_cs_options_bootstrap_balance_and_plot(capsys, tmp_path):
    png = tmp_path / "es.png"
    args = [*BASE, "--design", "cs", "--cohort", "first.treat", "--control", "notyet", "--base-period", "universal",
            "--method", "reg", "--covariates", "lpop", "--bootstrap", "199", "--seed", "4", "--balance-e", "1",
            "--plot", str(png), "--json"]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    d = json.loads(out)
    assert [r["event_time"] for r in d["aggregations"]["dynamic"]["by"]] == [-3, -2, -1, 0, 1]
    assert d["aggregations"]["dynamic"]["band"] == "simultaneous"
    assert d["details"]["bootstrap"]["draws"] == 199 and d["details"]["control_group"] == "notyet"
    assert png.read_bytes()[:4] == b"\x89PNG"
    code2, out2, _ = run_cli(capsys, *args)
    assert json.loads(out2)["att"] == d["att"]          # seeded: identical reruns


def test_twfe_refusal_and_event_study_design(capsys):
    code, out, err = run_cli(capsys, *BASE, "--design", "twfe", "--treatment", "treat", "--json")
    # `treat` (ever treated) is constant within units, so TWFE must refuse it in one clear line
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and err.startswith("error: 'treat' is absorbed")
    code, out, err = run_cli(capsys, *BASE, "--design", "event-study", "--cohort", "first.treat", "--window", "-3:3", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["design"] == "event-study" and d["n_obs"] == 2500
    assert "event_time=-3" in d["coefficients"] and "event_time=-1" not in d["coefficients"]
    assert set(d["coefficients"]["event_time=0"]) == {"estimate", "std_error"}


def test_2x2_and_twfe_json(capsys, tmp_path):
    df = pd.read_csv(MPDTA)
    df = df[df["first.treat"].isin([0, 2006]) & df.year.isin([2005, 2006])].assign(
        post=lambda d: (d.year == 2006).astype(int), tr=lambda d: (d["first.treat"] == 2006).astype(int),
        d=lambda d: d.post * d.tr)
    path = tmp_path / "two.csv"
    df.to_csv(path, index=False)
    base = [str(path), "--outcome", "lemp", "--unit", "countyreal", "--time", "year"]
    code, out, err = run_cli(capsys, *base, "--design", "2x2", "--group", "tr", "--post", "post", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["design"] == "2x2" and d["n_units"] == 349
    # R did 2.1.2: ATT(2006, 2006) = -0.0046 with never-treated controls (same 2x2 comparison)
    assert abs(d["att"]["estimate"] + 0.0046) <= 0.5e-4
    assert "tr:post" in d["coefficients"]
    code, out, err = run_cli(capsys, *base, "--design", "twfe", "--treatment", "d", "--json")
    assert code == 0, err
    t = json.loads(out)
    assert abs(t["att"]["estimate"] - d["att"]["estimate"]) < 1e-10     # balanced 2x2: TWFE = DiD
    assert t["design"] == "twfe" and "d" in t["coefficients"]


def test_twfe_ssc_and_wild_bootstrap_json(capsys, tmp_path):
    df = pd.read_csv(MPDTA)
    df = df[df["first.treat"].isin([0, 2006]) & df.year.isin([2005, 2006])].assign(
        d=lambda d: ((d.year == 2006) & (d["first.treat"] == 2006)).astype(int), grp=lambda d: d.countyreal % 8)
    path = tmp_path / "two.csv"
    df.to_csv(path, index=False)
    base = [str(path), "--outcome", "lemp", "--unit", "countyreal", "--time", "year", "--design", "twfe",
            "--treatment", "d", "--cluster", "grp", "--json"]
    runs = {}
    for extra in ([], ["--ssc", "fixest"], ["--ssc", "linearmodels"]):
        code, out, err = run_cli(capsys, *base, *extra)
        assert code == 0, err
        runs[" ".join(extra)] = json.loads(out)["att"]
    assert runs[""] == runs["--ssc fixest"]                      # fixest is the default
    assert runs["--ssc linearmodels"]["estimate"] == runs[""]["estimate"]
    assert runs["--ssc linearmodels"]["std_error"] != pytest.approx(runs[""]["std_error"], rel=1e-6)
    # 8 clusters: 2^8 = 256 sign vectors <= 999 draws, so every one is used and the seed does not matter
    wild = []
    for seed in ("1", "2"):
        code, out, err = run_cli(capsys, *base, "--wild-bootstrap", "999", "--seed", seed)
        assert code == 0, err
        wild.append(json.loads(out)["wild_bootstrap"])
    assert set(wild[0]) == {"p_value", "ci_low", "ci_high", "draws", "weights", "enumerated"}
    assert wild[0]["enumerated"] is True and wild[0]["weights"] == "rademacher" and wild[0] == wild[1]
    assert 0 <= wild[0]["p_value"] <= 1 and wild[0]["ci_low"] < runs[""]["estimate"] < wild[0]["ci_high"]
    code, out, err = run_cli(capsys, *BASE, "--design", "cs", "--cohort", "first.treat", "--wild-bootstrap", "99")
    assert code == 2 and err.strip() == "error: --wild-bootstrap applies to --design twfe, not cs"


def test_sdid_json_contract_on_proposition_99(capsys, tmp_path):
    prop99 = pd.read_csv(REPO / "tests" / "data" / "california_prop99" / "california_prop99.csv", sep=";")
    path = tmp_path / "prop99.csv"
    prop99.to_csv(path, index=False)
    base = [str(path), "--design", "sdid", "--unit", "State", "--time", "Year", "--outcome", "PacksPerCapita",
            "--treatment", "treated", "--json"]
    # Arkhangelsky et al. (2021), Table 1 (synthdid vignettes/paper-results.Rmd): SDID -15.6, SC -19.6, DID -27.3
    for estimator, published in (("sdid", -15.6), ("sc", -19.6), ("did", -27.3)):
        code, out, err = run_cli(capsys, *base, "--estimator", estimator, "--se", "none")
        assert code == 0, err
        d = json.loads(out)
        assert {"design", "n_obs", "n_units", "att", "unit_weights", "time_weights"} <= set(d)
        assert d["design"] == "sdid" and d["n_units"] == 39 and d["n_obs"] == 39 * 31
        assert round(d["att"]["estimate"], 1) == published, estimator
        assert abs(sum(d["unit_weights"].values()) - 1) < 1e-9 and min(d["unit_weights"].values()) >= 0
    code, out, err = run_cli(capsys, *base, "--se", "placebo", "--reps", "20", "--seed", "3")
    assert code == 0, err
    att = json.loads(out)["att"]
    assert att["std_error"] > 0 and att["ci_low"] < att["estimate"] < att["ci_high"]
    code, out, err = run_cli(capsys, *base, "--se", "bootstrap")   # one treated unit: no bootstrap
    assert code == 2 and err.startswith("error: ") and "placebo" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("extra,needle", [
    (["--design", "cs", "--cohort", "nope"], "column 'nope' not in data"),
    (["--design", "cs"], "--design cs needs --cohort"),
    (["--design", "2x2", "--group", "treat", "--post", "year"], "'year' must be 0/1"),
    (["--design", "event-study", "--cohort", "first.treat", "--window", "3"], "--window must look like -5:5"),
    (["--design", "cs", "--cohort", "first.treat", "--covariates", "lpop,lpop"], "same column is used twice"),
])
def test_bad_input_is_one_clear_line_exit_2(capsys, extra, needle):
    code, out, err = run_cli(capsys, *BASE, *extra)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], err
    assert "Traceback" not in err


def test_missing_file_and_subprocess_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "evaluations.did.cli", "did", str(tmp_path / "none.csv"),
                           "--outcome", "y", "--time", "t", "--design", "cs", "--unit", "u", "--cohort", "g"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: data file {str(tmp_path / 'none.csv')!r} not found"
    assert proc.stdout == ""
