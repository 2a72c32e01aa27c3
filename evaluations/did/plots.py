"""Event-study figure: point estimates with a confidence band, readable without colour, in the figure's language."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .. import figures  # noqa: E402


def plot_event_study(
    table: pd.DataFrame, path: str | Path, title: str, ylabel: str, xlabel: str | None = None,
    source_note: str = "", band_label: str | None = None, lang: str = "en",
) -> Path:
    """Plot columns event_time, estimate, ci_low, ci_high of `table` to a PNG at `path`, in `lang`.

    Pre-treatment points are hollow circles and post-treatment points filled squares, so
    the figure reads in greyscale too; the reference period is marked by a dotted line. `xlabel` and
    `band_label` default to the fixed words of evaluations.figures (months since treatment, 95% interval).
    """
    table = table.sort_values("event_time")
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    ax.fill_between(table["event_time"], table["ci_low"], table["ci_high"], color="#9ecae1", alpha=0.6,
                    label=band_label or figures.word("ci", lang, level=95), step=None)
    pre, post = table[table["event_time"] < 0], table[table["event_time"] >= 0]
    ax.plot(pre["event_time"], pre["estimate"], "o-", color="#08519c", mfc="white",
            label=figures.word("before_treatment", lang))
    ax.plot(post["event_time"], post["estimate"], "s-", color="#08306b", label=figures.word("after_treatment", lang))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(-0.5, color="grey", linestyle=":", linewidth=1)
    figures.localize_axis(ax, lang, "both")
    figures.set_title(ax, title)
    ax.set_xlabel(xlabel or figures.word("months_since_treatment", lang))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, figures.footnote(fig, source_note), 1, 1))
    return figures.save(fig, path)
