"""`bicentennial did DATA.csv --outcome Y [--unit U] --time T --design ...` (wired by pipelines.cli).

Designs: ``2x2`` (--group G --post P), ``twfe`` (--treatment D), ``event-study`` (--cohort G
[--window -5:5]), ``cs`` (--cohort G [--control never|notyet] [--base-period varying|universal]
[--anticipation K] [--method dr|reg|ipw] [--bootstrap N --seed S] [--balance-e E]). An event study takes
HonestDiD sensitivity: --sensitivity relative-magnitudes [--mbar 0.5,1,1.5,2] or --sensitivity smoothness
[--m 0,0.01,0.02], with [--target first-post|average-post] [--sensitivity-plot PNG]. Common:
--covariates a,b,c --weights W --cluster C --vcov iid|robust|cluster --json.

Bad input prints one ``error: ...`` line naming the column or value and returns exit code 2.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import warnings

import pandas as pd

from ..honest.api import METHODS as SENSITIVITY_METHODS
from ..honest.api import TARGETS as SENSITIVITY_TARGETS
from .twfe import DidInputError

DESIGNS = ("2x2", "twfe", "event-study", "cs", "sdid")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "did", help="difference-in-differences on a CSV (2x2, TWFE, event study, Callaway-Sant'Anna)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # let "--window -5:5" parse as a value (argparse otherwise takes "-5:5" for an option)
    p._negative_number_matcher = re.compile(r"^-\d+(:-?\d+)?$|^-\d*\.?\d+(,-?\d*\.?\d+)*$")
    p.add_argument("data", help="CSV file, one row per unit and period (or per observation)")
    p.add_argument("--outcome", required=True)
    p.add_argument("--unit", help="unit id column (panel designs)")
    p.add_argument("--time", required=True, help="period column (numeric)")
    p.add_argument("--design", required=True, choices=DESIGNS)
    p.add_argument("--group", help="2x2: treated-group indicator (0/1)")
    p.add_argument("--post", help="2x2: post-period indicator (0/1)")
    p.add_argument("--treatment", help="twfe: treatment column")
    p.add_argument("--cohort", help="event-study / cs: first treated period (0 or empty = never)")
    p.add_argument("--window", default="-5:5", help="event-study window LOW:HIGH (default -5:5)")
    p.add_argument("--control", default="never", choices=("never", "notyet"))
    p.add_argument("--base-period", default="varying", choices=("varying", "universal"))
    p.add_argument("--anticipation", type=int, default=0)
    p.add_argument("--method", default="dr", choices=("dr", "reg", "ipw"))
    p.add_argument("--bootstrap", type=int, default=None, metavar="N", help="cs: multiplier-bootstrap draws")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--balance-e", type=int, default=None, dest="balance_e")
    p.add_argument("--balance", default="raise", choices=("raise", "drop"),
                   help="cs: unbalanced panels raise (default) or their incomplete units are dropped")
    p.add_argument("--covariates", default="", help="comma-separated covariate columns")
    p.add_argument("--weights")
    p.add_argument("--cluster")
    p.add_argument("--vcov", choices=("iid", "robust", "cluster"), default=None)
    p.add_argument("--estimator", default="sdid", choices=("sdid", "sc", "did"),
                   help="sdid: synthetic DiD, synthetic control or DiD (R synthdid's conventions)")
    p.add_argument("--se", default="placebo", choices=("placebo", "bootstrap", "jackknife", "none"),
                   help="sdid: standard errors (placebo for one treated unit; default placebo)")
    p.add_argument("--reps", type=int, default=200, help="sdid: placebo or bootstrap replications (default 200)")
    p.add_argument("--ssc", default="fixest", choices=("fixest", "linearmodels"),
                   help="twfe / event-study: small-sample convention of clustered SEs (default fixest, as Stata reghdfe)")
    p.add_argument("--wild-bootstrap", type=int, default=None, metavar="N", dest="wild_bootstrap",
                   help="twfe: restricted wild cluster bootstrap of the treatment coefficient with N draws")
    p.add_argument("--wild-weights", default="rademacher", choices=("rademacher", "webb"), dest="wild_weights")
    p.add_argument("--sensitivity", choices=SENSITIVITY_METHODS, default=None,
                   help="event-study: HonestDiD robust CIs under relative magnitudes (C-LF) or smoothness (FLCI)")
    p.add_argument("--mbar", default=None, help="relative-magnitudes: comma-separated Mbar values (default 10 from 0 to 2)")
    p.add_argument("--m", default=None, dest="m_grid", help="smoothness: comma-separated M values, e.g. 0,0.01,0.02 (default 10 from 0 to a pre-period bound)")
    p.add_argument("--target", default="first-post", choices=SENSITIVITY_TARGETS,
                   help="sensitivity: effect at event time 0 (default) or the average of the post periods")
    p.add_argument("--sensitivity-plot", default=None, dest="sensitivity_plot", help="write the sensitivity plot PNG here")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--plot", help="cs / event-study: write the event-study PNG here")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)
    return p


def _require(args, *names: str) -> None:
    for name in names:
        if getattr(args, name) in (None, ""):
            raise DidInputError(f"--design {args.design} needs --{name.replace('_', '-')}")


def _window(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(-?\d+)\s*:\s*(-?\d+)\s*", text or "")
    if not m:
        raise DidInputError(f"--window must look like -5:5, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def _finite(obj):
    """JSON-safe: NaN/inf become null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            return _finite(obj.item())
        except (ValueError, AttributeError):
            return obj
    return obj


def _estimate(args, df: pd.DataFrame):
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    if args.design == "sdid":
        from ..synth import synthdid
        _require(args, "unit", "treatment")
        return synthdid(df, args.unit, args.time, args.outcome, args.treatment, estimator=args.estimator,
                        se=None if args.se == "none" else args.se, replications=args.reps,
                        seed=0 if args.seed is None else args.seed)
    if args.design == "2x2":
        from .twobytwo import did_2x2
        _require(args, "group", "post")
        return did_2x2(df, args.outcome, args.group, args.post, unit=args.unit, covariates=covariates,
                       weights=args.weights, vcov=args.vcov, cluster=args.cluster)
    if args.design in ("twfe", "event-study"):
        from linearmodels.panel.utility import AbsorbingEffectError
        try:
            if args.design == "twfe":
                from .twfe import twfe
                _require(args, "unit", "treatment")
                return twfe(df, args.outcome, args.unit, args.time, args.treatment, covariates=covariates,
                            weights=args.weights, vcov=args.vcov or "cluster", cluster=args.cluster, ssc=args.ssc)
            from .event_study import event_study
            _require(args, "unit", "cohort")
            return event_study(df, args.outcome, args.unit, args.time, args.cohort, window=_window(args.window),
                               covariates=covariates, weights=args.weights, vcov=args.vcov or "cluster",
                               cluster=args.cluster, ssc=args.ssc)
        except AbsorbingEffectError:
            what = args.treatment if args.design == "twfe" else f"event-time dummies of {args.cohort!r}"
            raise DidInputError(f"{what!r} is absorbed by the unit and period effects (constant within units or "
                                "periods, or collinear): the design cannot be estimated") from None
    from .cs import att_gt
    _require(args, "unit", "cohort")
    if args.vcov in ("iid", "robust"):
        warnings.warn("--vcov is ignored by --design cs: SEs come from influence functions "
                      "(clustered by --cluster when given, else by unit)", stacklevel=2)
    return att_gt(df, args.outcome, args.unit, args.time, args.cohort, control=args.control,
                  base_period=args.base_period, anticipation=args.anticipation, covariates=covariates,
                  method=args.method, weights=args.weights, cluster=args.cluster, bootstrap=args.bootstrap,
                  seed=args.seed, alpha=args.alpha, balance=args.balance)


def _wild_bootstrap(args, df: pd.DataFrame) -> dict | None:
    """`--wild-bootstrap N`: the WCR test of the TWFE treatment coefficient, in the CLI's JSON contract."""
    if args.wild_bootstrap is None:
        return None
    if args.design != "twfe":
        raise DidInputError(f"--wild-bootstrap applies to --design twfe, not {args.design}")
    if args.wild_bootstrap < 1:
        raise DidInputError(f"--wild-bootstrap must be a positive number of draws, got {args.wild_bootstrap}")
    if args.covariates.strip() or args.weights:
        raise DidInputError("--wild-bootstrap takes no --covariates or --weights (the unweighted TWFE coefficient only)")
    from .wild_bootstrap import panel_wild_bootstrap

    result = panel_wild_bootstrap(df, args.outcome, args.unit, args.time, [args.treatment], args.treatment,
                                  cluster=args.cluster, draws=args.wild_bootstrap, weights=args.wild_weights,
                                  seed=args.seed, level=1 - args.alpha).to_dict()
    return {k: result[k] for k in ("p_value", "ci_low", "ci_high", "draws", "weights", "enumerated")}


def _payload(args, result) -> dict:
    if args.design == "sdid":
        d = result.to_dict()
        panel = d["dimensions"]
        n_units = panel["n_treated"] + panel["n_control"]
        out = {"design": "sdid", "n_obs": n_units * (panel["t_pre"] + panel["t_post"]), "n_units": n_units,
               "estimator": d["estimator"], "att": d["att"], "unit_weights": d["unit_weights"],
               "time_weights": d["time_weights"]}
        out["details"] = {k: v for k, v in d.items() if k not in out} | {"dimensions": panel}
        return out
    if args.design == "cs":
        d = result.to_dict(balance_e=args.balance_e)
        keep = ("design", "n_obs", "n_units", "att", "att_gt", "aggregations")
        out = {k: d[k] for k in keep}
        out["att_gt"] = [{k: r[k] for k in ("group", "time", "estimate", "std_error")} for r in d["att_gt"]]
        out["details"] = {k: v for k, v in d.items() if k not in keep}
        out["details"]["att_gt"] = d["att_gt"]
        return out
    d = result.to_dict()
    out = {
        "design": {"2x2": "2x2", "twfe": "twfe", "event-study": "event-study"}[args.design],
        "n_obs": d["n_obs"], "n_units": d["n_units"],
        "att": d.get("att"),
        "coefficients": {k: {"estimate": v["estimate"], "std_error": v["std_error"]}
                         for k, v in d["coefficients"].items()},
    }
    if out["att"] is not None:
        out["att"] = {k: out["att"].get(k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
    out["details"] = {k: v for k, v in d.items() if k not in ("design", "n_obs", "n_units", "att")}
    if args.design == "event-study":
        out["details"]["note"] = "an event study has no single ATT; see the event_time coefficients"
    return out


def run(args) -> int:
    from ..honest.from_event_study import BINNING_NOTE, cli_sensitivity_options, event_study_sensitivity

    try:
        try:
            df = pd.read_csv(args.data)
        except FileNotFoundError:
            raise DidInputError(f"data file {args.data!r} not found") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DidInputError(f"cannot read {args.data!r} as CSV: {exc}") from None
        if args.outcome not in df.columns:
            raise DidInputError(f"column {args.outcome!r} not in data (columns: {', '.join(map(str, df.columns))})")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sensitivity_options = cli_sensitivity_options(args)
            result = _estimate(args, df)
            wild = _wild_bootstrap(args, df)
            sensitivity = (event_study_sensitivity(result, *sensitivity_options, args.target, args.alpha)
                           if sensitivity_options else None)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        if args.plot and args.design == "cs":
            result.plot_event_study(args.plot, balance_e=args.balance_e)
        elif args.plot and args.design == "event-study":
            from .event_study import event_study_table
            from .plots import plot_event_study
            plot_event_study(event_study_table(result), args.plot, f"Event study — {args.outcome}",
                             f"effect on {args.outcome}", xlabel="Periods since treatment")
        if sensitivity is not None and args.sensitivity_plot:
            sensitivity.plot(args.sensitivity_plot, title=f"Sensitivity of the {args.target} effect on {args.outcome}")
    except (DidInputError, KeyError, ValueError, TypeError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        print(f"error: {msg}", file=sys.stderr)
        return 2
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)
    if args.json:
        payload = _payload(args, result)
        if wild is not None:
            payload["wild_bootstrap"] = wild
        if sensitivity is not None:
            payload["sensitivity"] = sensitivity.to_dict() | {"notes": [BINNING_NOTE]}
        payload.setdefault("details", {})["warnings"] = messages
        print(json.dumps(_finite(payload)))
    else:
        print(result.summary())
        if wild is not None:
            print(f"Wild cluster bootstrap (WCR, {wild['weights']}, {wild['draws']} draws"
                  f"{', all sign vectors' if wild['enumerated'] else ''}): p = {wild['p_value']:.4f}, "
                  f"{1 - args.alpha:.0%} CI [{wild['ci_low']:.4f}, {wild['ci_high']:.4f}]")
        if sensitivity is not None:
            print(sensitivity.summary())
            print(f"  note: {BINNING_NOTE}")
        if args.design == "cs" and args.balance_e is not None:
            print(result.aggregate("dynamic", balance_e=args.balance_e).summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (`python -m evaluations.did.cli did ...`)."""
    parser = argparse.ArgumentParser(prog="bicentennial")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
