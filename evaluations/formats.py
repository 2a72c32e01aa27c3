"""Numbers and dates in the two languages of the site and the readings, formatted by Babel from the Unicode CLDR.

The one place numbers and dates are written for readers. A language is the site's code ("en", "es"); its
locale is the CLDR one:
- "en" is en_US: decimal point, comma grouping ("1,234.5"), dates "October 8, 2021".
- "es" is es_MX, *not* the generic "es": Mexican readers, and Mexican agencies (INEGI, SESNSP) publish numbers
  the es_MX way, decimal point and comma grouping ("1,234.5"), as NOM-008-SCFI allows; CLDR "es" (Spain)
  would give "1.234,5". Percentages have no space ("47%"); dates "8 de octubre de 2021", months
  "octubre de 2021" (lower case).

Minus sign: the hyphen-minus U+002D, which is what CLDR itself gives as the minusSign of both en_US and es_MX
(Babel's `get_minus_sign_symbol`), so every number comes out of Babel untouched. It is also the sign that
spreadsheets, search boxes and the downloadable CSVs use, so a number copied from a page reads back as the
same number. (The typographic minus U+2212 is CLDR's sign for other locales, e.g. sv or fi, not these two.)

Rounding, as ICU and Babel do it: a float is read as its shortest decimal form (the digits result.json shows,
2.675 not 2.67499999…) and rounded half to even (2.675 → "2.68", 0.025 → "2%"); a value that rounds to zero is
written without a sign ("0.000", never "-0.000", which would read as a negative estimate). Infinities are
CLDR's "∞" / "-∞"; missing values (None, NaN) are written as `missing` ("—" unless the caller says otherwise).
"""
from __future__ import annotations

import datetime as _dt
import decimal
import re
from functools import cache

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, format_percent

LOCALES: dict[str, str] = {"en": "en_US", "es": "es_MX"}
MISSING = "—"
P_FLOOR = 0.001  # p-values below this are written "< 0.001", never "0.000"


def locale_of(lang: str) -> str:
    """The CLDR locale of a site language ("es" → "es_MX"); a clear error for any other language."""
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValueError(f"unknown site language {lang!r}; expected one of {', '.join(LOCALES)}") from None


@cache
def _pattern(lang: str, kind: str, digits: int) -> str:
    """The locale's standard decimal or percent pattern ("#,##0.###", "#,##0%") with exactly `digits` decimals."""
    locale = Locale.parse(locale_of(lang))
    standard = (locale.decimal_formats if kind == "decimal" else locale.percent_formats)[None].pattern
    return re.sub(r"0(\.[0#]+)?", "0" + ("." + "0" * digits if digits else ""), standard, count=1)


def _decimal(value) -> decimal.Decimal | None:
    """A number as a Decimal (a float by its shortest decimal form), or None when it is missing (None, NaN)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, decimal.Decimal)):
        number = decimal.Decimal(value)
    else:
        number = decimal.Decimal(repr(float(value)))
    return None if number.is_nan() else number


def _rounded(number: decimal.Decimal, digits: int) -> decimal.Decimal:
    return number.quantize(decimal.Decimal(1).scaleb(-digits)) if number.is_finite() else number


def _unsigned_if_zero(number: decimal.Decimal, digits: int) -> decimal.Decimal:
    return abs(number) if _rounded(number, digits) == 0 else number


def number(value, lang: str, digits: int = 2, missing: str = MISSING) -> str:
    """A number with exactly `digits` decimals, grouped by thousands: "1,234.50" (en and es)."""
    exact = _decimal(value)
    if exact is None:
        locale_of(lang)
        return missing
    return format_decimal(_unsigned_if_zero(exact, digits), format=_pattern(lang, "decimal", digits), locale=locale_of(lang))


def integer(value, lang: str, missing: str = MISSING) -> str:
    """A whole number: "2,469"."""
    return number(value, lang, 0, missing)


def percent(share, lang: str, digits: int = 0, *, per_hundred: bool = False, signed: bool = False,
            missing: str = MISSING) -> str:
    """A share as a percentage: 0.474 → "47%". `per_hundred`: the value is already in percent (47.4 → "47%").
    `signed`: a "+" before a percentage that is positive once rounded ("+30.0%")."""
    exact = _decimal(share)
    if exact is None:
        locale_of(lang)
        return missing
    exact = _unsigned_if_zero(exact.scaleb(-2) if per_hundred else exact, digits + 2)
    text = format_percent(exact, format=_pattern(lang, "percent", digits), locale=locale_of(lang))
    return "+" + text if signed and _rounded(exact, digits + 2) > 0 else text


# The site's one rounding rule (issue #18): estimates and their errors to 3 significant digits, counts as whole
# numbers, rates and percentages to one decimal. Pages, charts and findings use these three, not `number`.
SIGNIFICANT_DIGITS = 3
RATE_DIGITS = 1


def significant(value, lang: str, digits: int = SIGNIFICANT_DIGITS, missing: str = MISSING) -> str:
    """An estimate to `digits` significant digits, trailing zeros kept: 1.4967 → "1.50", 0.036524 → "0.0365",
    24,825.36 → "24,800", -0.00049 → "-0.000490", 0.0009996 → "0.00100"; zero is "0"."""
    exact = _decimal(value)
    if exact is None or not exact.is_finite() or exact == 0:
        return number(value, lang, 0, missing)
    decimals = digits - 1 - exact.adjusted()
    if _rounded_to(exact, decimals).adjusted() > exact.adjusted():  # 0.0009996 rounds up to 0.00100, not 0.001000
        decimals -= 1
    return number(_rounded_to(exact, decimals), lang, max(decimals, 0), missing)


def _rounded_to(number_: decimal.Decimal, decimals: int) -> decimal.Decimal:
    """Half-to-even rounding to `decimals` places; negative `decimals` rounds to tens, hundreds…"""
    return number_.quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_EVEN)


def count(value, lang: str, missing: str = MISSING) -> str:
    """A count (deaths, victims, seizures) as a whole number: 24,825.36 → "24,825"."""
    return number(value, lang, 0, missing)


def rate(value, lang: str, missing: str = MISSING) -> str:
    """A rate (per 100,000, per month) to one decimal: 2.4571 → "2.5"."""
    return number(value, lang, RATE_DIGITS, missing)


def p_value(p, lang: str, label: str | None = None, digits: int = 3, missing: str = MISSING) -> str:
    """A p- or q-value: "0.034" or "< 0.001" (never "0.000"); with a label, "p = 0.034" or "p < 0.001"."""
    exact = _decimal(p)
    if exact is None:
        locale_of(lang)
        return missing
    text = f"< {number(P_FLOOR, lang, digits)}" if exact < decimal.Decimal(repr(P_FLOOR)) else number(p, lang, digits)
    if label is None:
        return text
    return f"{label} {text}" if text.startswith("<") else f"{label} = {text}"


def _as_date(value) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def date(value, lang: str, missing: str = MISSING) -> str:
    """CLDR's long date: "October 8, 2021" / "8 de octubre de 2021" (ISO text or a date)."""
    if value in (None, ""):
        locale_of(lang)
        return missing
    return format_date(_as_date(value), format="long", locale=locale_of(lang))


def month(value, lang: str, missing: str = MISSING) -> str:
    """A month and its year (CLDR skeleton yMMMM): "October 2021" / "octubre de 2021"."""
    if value in (None, ""):
        locale_of(lang)
        return missing
    return format_skeleton("yMMMM", _as_date(value), locale=locale_of(lang))


def month_short(value, lang: str, missing: str = MISSING) -> str:
    """An abbreviated month and its year (CLDR skeleton yMMM): "Oct 2021" / "oct 2021"."""
    if value in (None, ""):
        locale_of(lang)
        return missing
    return format_skeleton("yMMM", _as_date(value), locale=locale_of(lang))


def period(start, end, lang: str) -> str:
    """Two months joined by an en dash: "October 2018 – September 2021"."""
    return f"{month(start, lang)} – {month(end, lang)}"
