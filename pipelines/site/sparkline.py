"""A sparkline: a tiny inline SVG of a result's series.csv (no script, no request), for the home page's scorecard.

It draws the values as the evaluation wrote them (nothing is computed but the drawing's coordinates): the
series, a dashed line at October 2021 and a dot on the last value. The series is the column the result's
design writes (docs/RESULT_SCHEMA.md): `value` for trends and unmodelled series, `observed` for an
interrupted time series (for a comparative one, the modelled difference), `exposed_mean` for a synthetic
comparison.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import math
from dataclasses import dataclass
from pathlib import Path

from evaluations import formats

from .i18n import t

COLUMNS = ("value", "observed", "exposed_mean")  # the first one a series.csv has is drawn
BREAK = dt.date(2021, 10, 1)                      # the Framework's signature month
WIDTH, HEIGHT, PAD = 120, 32, 3


@dataclass(frozen=True)
class Series:
    column: str
    points: list[tuple[dt.date, float]]  # in the file's order, missing values left out

    @property
    def yearly(self) -> bool:
        return len(self.points) > 1 and all(p.month == 1 and p.day == 1 for p, _ in self.points) and \
            self.points[1][0].year - self.points[0][0].year == 1


def parse_period(text: str) -> dt.date | None:
    """"2015-01-01", "2018-10" or "2017" as the first day of its period; None when it is none of these."""
    text = text.strip()
    try:
        if len(text) == 4:
            return dt.date(int(text), 1, 1)
        if len(text) == 7:
            return dt.date(int(text[:4]), int(text[5:7]), 1)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def read_series(path: Path) -> Series | None:
    """The drawn column of a series.csv, or None when the file is absent or has no such column."""
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        column = next((c for c in COLUMNS if c in (reader.fieldnames or [])), None)
        if column is None or "period" not in (reader.fieldnames or []):
            return None
        points = []
        for row in reader:
            when = parse_period(row.get("period") or "")
            try:
                value = float(row.get(column) or "nan")
            except ValueError:
                continue
            if when is not None and math.isfinite(value):
                points.append((when, value))
    return Series(column, points) if len(points) >= 2 else None


def period_label(when: dt.date, yearly: bool, lang: str) -> str:
    return str(when.year) if yearly else formats.month_short(when, lang)


def sparkline_svg(series: Series, lang: str) -> str:
    """The SVG (role="img", its label in words): WIDTH × HEIGHT, scaled to the series' own range."""
    dates = [d.toordinal() for d, _ in series.points]
    values = [v for _, v in series.points]
    x0, x1 = min(dates), max(dates)
    low, high = min(values), max(values)
    span_x, span_y = (x1 - x0) or 1, (high - low) or 1

    def x(ordinal: float) -> float:
        return round(PAD + (ordinal - x0) / span_x * (WIDTH - 2 * PAD), 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (value - low) / span_y * (HEIGHT - 2 * PAD), 1)

    points = " ".join(f"{x(d)},{y(v)}" for d, v in zip(dates, values))
    label = t("sparkline", lang).format(start=period_label(series.points[0][0], series.yearly, lang),
                                        end=period_label(series.points[-1][0], series.yearly, lang))
    parts = [f'<svg class="sparkline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-label="{html.escape(label)}"><title>{html.escape(label)}</title>']
    if x0 < BREAK.toordinal() <= x1:
        bx = x(BREAK.toordinal())
        parts.append(f'<line class="sparkline-break" x1="{bx}" x2="{bx}" y1="0" y2="{HEIGHT}"/>')
    parts.append(f'<polyline class="sparkline-line" points="{points}"/>')
    parts.append(f'<circle class="sparkline-last" cx="{x(dates[-1])}" cy="{y(values[-1])}" r="2.2"/>')
    return "".join(parts) + "</svg>"
