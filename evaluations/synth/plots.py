"""Figures for synthetic DiD results, drawn as R `synthdid_plot` and `synthdid_units_plot` draw them."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from .. import figures, formats  # noqa: E402

if TYPE_CHECKING:
    from evaluations.synth.result import SynthResult

TREATED = "#d95f02"
CONTROL = "#1b9e77"
NEGLIGIBLE = 0.001


def _time_axis(times: list) -> tuple[np.ndarray, list | None]:
    """Numeric x positions for `times`, with tick labels when the times are not numbers."""
    try:
        return np.asarray(times, dtype=float), None
    except (TypeError, ValueError):
        return np.arange(1, len(times) + 1, dtype=float), [str(t) for t in times]


def _tick_label(label: str, lang: str) -> str:
    """A period label in `lang`: "2021-10" → "Oct 2021" / "oct 2021"; anything else as it is."""
    if len(label) == 7 and label[4] == "-" and label[:4].isdigit() and label[5:].isdigit():
        return formats.month_short(f"{label}-01", lang)
    return label


def _framework_x(times: list, x: np.ndarray) -> float | None:
    """Where the start of the Framework falls on the time axis (interpolated between the periods' first days),
    None when the periods are not dates or do not span it."""
    try:
        starts = pd.to_datetime([str(t) for t in times])
    except (ValueError, TypeError):
        return None
    if not (starts.min() < figures.FRAMEWORK_START <= starts.max()):
        return None
    return float(np.interp(figures.FRAMEWORK_START.value, starts.asi8, x))


def diagram(result: SynthResult) -> dict[str, float]:
    """The points of the DiD parallelogram: weighted pre and post means of treated and synthetic units."""
    p, wts = result.panel, result.fit.weights
    x, _ = _time_axis(p.times)
    omega_synth = np.concatenate([wts.omega, np.zeros(p.n1)])
    omega_target = np.concatenate([np.zeros(p.n0), np.full(p.n1, 1.0 / p.n1)])
    lambda_synth = np.concatenate([wts.lambda_, np.zeros(p.t1)])
    lambda_target = np.concatenate([np.zeros(p.t0), np.full(p.t1, 1.0 / p.t1)])
    out = {
        "treated_pre": float(omega_target @ p.Y @ lambda_synth),
        "treated_post": float(omega_target @ p.Y @ lambda_target),
        "control_pre": float(omega_synth @ p.Y @ lambda_synth),
        "control_post": float(omega_synth @ p.Y @ lambda_target),
        "pre_time": float(lambda_synth @ x), "post_time": float(lambda_target @ x),
    }
    out["counterfactual_post"] = out["control_post"] + out["treated_pre"] - out["control_pre"]
    return out


# the fixed words of the two plots, in the site's languages (titles and axis labels are the caller's)
WORDS = {"en": {"time_weights": "time weights", "unit_weight": "unit weight (area)", "weight": "weight",
                "estimate": "estimate"},
         "es": {"time_weights": "ponderaciones temporales", "unit_weight": "peso de la unidad (área)", "weight": "peso",
                "estimate": "estimación"}}


def plot_trajectories(
    result: SynthResult, path: str | Path, title: str | None = None, treated_label: str = "treated",
    control_label: str = "synthetic control", ylabel: str = "", source_note: str = "", lang: str = "en",
) -> Path:
    """Treated mean and synthetic control over time, the time weights as a band along the bottom,
    the DiD parallelogram (not for synthetic control, which has no time weights), and the effect
    arrow from the counterfactual to the treated post-period mean, with its 95% bounds when a
    standard error is known."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    p, wts = result.panel, result.fit.weights
    x, labels = _time_axis(p.times)
    treated = p.Y[p.n0:].mean(axis=0)
    synthetic = wts.omega @ p.Y[: p.n0]
    d = diagram(result)
    is_sc = not wts.lambda_.any()

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    ax.plot(x, treated, color=TREATED, linewidth=1.4, label=treated_label)
    ax.plot(x, synthetic, color=CONTROL, linewidth=1.4, linestyle="--", label=control_label)
    ax.axvline(x[p.t0 - 1], color="black", alpha=0.35, linewidth=1)
    low = min(treated.min(), synthetic.min())
    height = (max(treated.max(), synthetic.max()) - low) / 3
    if not is_sc:
        bottom = low - height
        ax.fill_between(x[: p.t0], bottom, bottom + height * wts.lambda_ / wts.lambda_.max(), color=CONTROL,
                        alpha=0.45, step="mid", label=WORDS[lang]["time_weights"])
        pre, post = d["pre_time"], d["post_time"]
        ax.plot([pre, post], [d["control_pre"], d["control_post"]], "o-", color=CONTROL, linewidth=1)
        ax.plot([pre, post], [d["treated_pre"], d["treated_post"]], "o-", color=TREATED, linewidth=1)
        ax.plot([pre, post], [d["treated_pre"], d["counterfactual_post"]], linestyle=":", color="black", linewidth=1)
        for t, y0, y1 in ((pre, d["control_pre"], d["treated_pre"]), (post, d["control_post"], d["counterfactual_post"])):
            ax.plot([t, t], [y0, y1], linestyle=":", color="black", alpha=0.5, linewidth=1)
    post, start, end = d["post_time"], d["counterfactual_post"], d["treated_post"]
    ax.plot([post, post], [start, end], "o", mfc="white", color="black", markersize=4)
    q = float(stats.norm.ppf(0.975))
    if result.std_error > 0:
        for bound in (start - q * result.std_error, start + q * result.std_error):
            ax.annotate("", xy=(post, end), xytext=(post, bound),
                        arrowprops={"arrowstyle": "->", "color": "grey", "alpha": 0.6, "connectionstyle": "arc3,rad=0.3"})
    ax.annotate("", xy=(post, end), xytext=(post, start),
                arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.3, "connectionstyle": "arc3,rad=0.3"})
    ax.text(post, (start + end) / 2, f"  {WORDS[lang]['estimate']} {formats.number(result.estimate, lang, 2)}",
            fontsize=8, va="center")
    at = _framework_x(p.times, x)
    if at is not None:   # the break line already stands there when the break is the Framework's start
        same = p.t0 < len(x) and pd.Timestamp(str(p.times[p.t0])) == figures.FRAMEWORK_START
        figures.draw_framework_mark(ax, lang, x[p.t0 - 1] if same else at, line=not same)
    if labels is not None:
        step = max(1, len(x) // 10)
        ax.set_xticks(x[::step], [_tick_label(t, lang) for t in labels[::step]], rotation=45, ha="right")
    figures.localize_axis(ax, lang)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{result.estimator}: {result.outcome}", fontsize=10)
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, figures.footnote(fig, source_note), 1, 1))
    return figures.save(fig, path)


def unit_contributions(result: SynthResult) -> np.ndarray:
    """Each control unit's DiD contrast with the treated mean, using the estimate's time weights.

    The estimate is the omega-weighted mean of these contrasts.
    """
    p, wts = result.panel, result.fit.weights
    contrast = np.concatenate([-wts.lambda_, np.full(p.t1, 1.0 / p.t1)])
    return float(p.Y[p.n0:].mean(axis=0) @ contrast) - p.Y[: p.n0] @ contrast


def plot_unit_contributions(
    result: SynthResult, path: str | Path, title: str | None = None, ylabel: str = "", source_note: str = "",
    lang: str = "en",
) -> Path:
    """Control units' contrasts, marker area proportional to the unit weight; units with weight at most
    0.001 drawn as faint crosses; the estimate as a line, with its 95% bounds when a standard error is known."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    p, omega = result.panel, result.fit.weights.omega
    y = unit_contributions(result)
    pos = np.arange(p.n0)
    big = omega > NEGLIGIBLE
    fig, ax = plt.subplots(figsize=(max(6.0, 0.22 * p.n0 + 2), 4.5), dpi=110)
    ax.scatter(pos[big], y[big], s=600 * omega[big] / omega.max() + 8, color=CONTROL, alpha=0.8,
               edgecolors="black", linewidths=0.5, label=WORDS[lang]["unit_weight"])
    ax.scatter(pos[~big], y[~big], marker="x", color="grey", alpha=0.5,
               label=f"{WORDS[lang]['weight']} ≤ {formats.number(NEGLIGIBLE, lang, 3)}")
    ax.axhline(result.estimate, color="black", linewidth=1.2,
               label=f"{WORDS[lang]['estimate']} {formats.number(result.estimate, lang, 2)}")
    if result.std_error > 0:
        for bound in result.ci:
            ax.axhline(bound, color="black", linewidth=0.8, alpha=0.5, linestyle="--")
    ax.set_xticks(pos, [str(u) for u in p.units[: p.n0]], rotation=90, fontsize=7)
    figures.localize_axis(ax, lang)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{result.estimator}: contribution of each control unit", fontsize=10)
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, figures.footnote(fig, source_note), 1, 1))
    return figures.save(fig, path)
