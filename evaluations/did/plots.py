"""Event-study figure: point estimates with a confidence band, readable without colour."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def plot_event_study(
    table: pd.DataFrame, path: str | Path, title: str, ylabel: str, xlabel: str = "Months since treatment start",
    source_note: str = "", band_label: str = "95% confidence interval",
) -> Path:
    """Plot columns event_time, estimate, ci_low, ci_high of `table` to a PNG at `path`.

    Pre-treatment points are hollow circles and post-treatment points filled squares, so
    the figure reads in greyscale too; the reference period is marked by a dotted line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.sort_values("event_time")
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    ax.fill_between(table["event_time"], table["ci_low"], table["ci_high"], color="#9ecae1", alpha=0.6,
                    label=band_label, step=None)
    pre, post = table[table["event_time"] < 0], table[table["event_time"] >= 0]
    ax.plot(pre["event_time"], pre["estimate"], "o-", color="#08519c", mfc="white", label="before treatment")
    ax.plot(post["event_time"], post["estimate"], "s-", color="#08306b", label="after treatment")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(-0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if source_note:
        fig.text(0.01, 0.01, source_note, fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.04 if source_note else 0, 1, 1))
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path
