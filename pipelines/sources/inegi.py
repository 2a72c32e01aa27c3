"""INEGI homicide death certificates: raw OLAP exports of the 'Consulta interactiva'.

One file per year of registration (``data/inegi/inegi_homicidios_mun_mes_registro_1990_2015/<YYYY>.csv``),
exactly as exported by INEGI: latin-1, CRLF, every field quoted, a title block,
a header ``"","","Total","Enero",…,"Diciembre",""``, a national row, state subtotal
rows whose first field is an Excel artefact ``=CONCATENAR(0,01)``, municipality rows
``" EE MMM "`` and a ``FUENTE`` footer. Counts carry a comma thousands separator and
an empty cell means zero.

The reader below (`read_olap`) is shared with the census population exports
(`pipelines.sources.census`), which use the same layout. It checks the export's own
arithmetic (each row's total equals the sum of its cells, each state subtotal equals
the sum of its municipalities, the national row equals the sum of states), so a
truncated or edited file fails loudly instead of loading short.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Problems, SourceFormatError, SourceSpec, read_published_text

FAMILY = "inegi"
FOLDER = "inegi/inegi_homicidios_mun_mes_registro_1990_2015"
YEARS = tuple(range(1990, 2016))
MONTHS_ES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
             "Septiembre", "Octubre", "Noviembre", "Diciembre")

_MUNI = re.compile(r"^ (\d{2}) (\d{3}) $")
_STATE = re.compile(r"^=CONCATENAR\([ 0],(\d{2})\) $")


@dataclass
class OlapTable:
    """The detail rows of an INEGI OLAP export, with the export's own subtotals."""

    details: pd.DataFrame        # cve_ent, cve_mun, name, line, block (state row above), <value columns>
    states: pd.DataFrame         # cve_ent, name, line, <value columns>
    national: dict[str, int]
    title: list[str]


def _number(text: str) -> int | None:
    """A count cell: '1,234' -> 1234, empty -> 0, anything else -> None."""
    cleaned = text.strip().replace(",", "")
    if cleaned == "":
        return 0
    return int(cleaned) if cleaned.isdigit() else None


def read_olap(path: Path, value_columns: tuple[str, ...], header_aliases: dict[str, str] | None = None) -> OlapTable:
    """Parse an INEGI OLAP export whose header is ``"","",<value_columns>,""``.

    `header_aliases` maps alternative published header labels to the canonical ones
    (e.g. the 2005 census export says "Hombre" where the others say "Hombres"); messages use the
    file's own labels and lines. Every bad cell, row and sum is reported, not only the first.
    """
    path = Path(path)
    # latin-1 as exported (UTF-8 with a byte-order mark also reads; UTF-8 without one is refused as a re-save)
    text = read_published_text(path, "latin-1", compression=None,
                               expected="expected latin-1 (ISO-8859-1) text as exported by INEGI")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, previous = [], [], 0
    for row in reader:
        rows.append(row)
        starts.append(previous + 1)  # the file line on which the record starts
        previous = reader.line_num
    aliases = header_aliases or {}
    header_line = None
    title: list[str] = []
    for i, row in enumerate(rows[:12]):
        if len(row) >= 3 and row[0] == "" and row[1] == "" and row[2] == value_columns[0]:
            header_line = i
            break
        title.extend(cell for cell in row if cell)
    if header_line is None:
        raise SourceFormatError(path, f'expected a header line starting "","",{value_columns[0]!r} within the first 12 lines', 1)
    published = rows[header_line][2:]
    if published and published[-1] == "":
        published = published[:-1]
    header = [aliases.get(c, c) for c in published]
    if tuple(header) != value_columns:
        raise SourceFormatError(path, f"expected value columns {list(value_columns)}, found {header}",
                                starts[header_line])
    names = dict(zip(value_columns, published))  # the file's own label of each value column
    width = 2 + len(value_columns)
    problems = Problems(path)
    bad_cells: list[tuple[int, str, str]] = []
    after_footer, wrong_width, wrong_code = [], [], []
    details, states = [], []
    national: dict[str, int] | None = None
    national_line = None
    footer_seen = False
    block = ""
    for i in range(header_line + 1, len(rows)):
        row, line = rows[i], starts[i]
        if not row or all(c == "" for c in row):
            continue
        if len(row) == 1 and row[0].upper().startswith("FUENTE"):
            footer_seen = True
            continue
        if footer_seen:
            after_footer.append((line, row[0]))
            continue
        if len(row) != width:
            wrong_width.append((line, len(row)))
            continue
        values = [_number(v) for v in row[2:]]
        for j, v in enumerate(values):
            if v is None:
                bad_cells.append((line, value_columns[j], row[2 + j]))
        clean = None not in values
        values = [v or 0 for v in values]
        code = row[0]
        if national is None:
            if code.strip() != "":
                raise SourceFormatError(path, "expected the national total row right after the header", line, "code")
            national, national_line = dict(zip(value_columns, values)), line
            continue
        m = _MUNI.match(code)
        if m:
            details.append((m.group(1), m.group(2), row[1], line, block, clean, *values))
            continue
        s = _STATE.match(code)
        if s:
            block = s.group(1)
            states.append((s.group(1), row[1], line, clean, *values))
            continue
        wrong_code.append((line, code))
    if national is None or not details:
        raise SourceFormatError(path, "expected a national row and municipality rows; the file has none", starts[header_line] + 1)
    for column in value_columns:
        cells = [(line, text) for line, c, text in bad_cells if c == column]
        if cells:
            problems.rows(np.ones(len(cells), bool), names[column], "expected a non-negative whole count",
                          [t for _, t in cells], [n for n, _ in cells])
    for found, expected, column in ((wrong_width, f"expected {width} fields", None),
                                    (wrong_code, 'expected a code like " EE MMM " or "=CONCATENAR(0,EE) "', "code"),
                                    (after_footer, "expected nothing after the FUENTE footer", None)):
        if found:
            problems.rows(np.ones(len(found), bool), column, expected, [v for _, v in found], [n for n, _ in found])
    if not footer_seen:
        problems.add("expected the closing 'FUENTE: INEGI…' line; the file looks truncated", line=starts[-1])
    det = pd.DataFrame(details, columns=["cve_ent", "cve_mun", "name", "line", "block", "clean", *value_columns])
    st = pd.DataFrame(states, columns=["cve_ent", "name", "line", "clean", *value_columns])
    _check_arithmetic(problems, det, st, national, national_line, value_columns, names, sums=not bad_cells)
    problems.check()
    return OlapTable(det.drop(columns="clean"), st.drop(columns="clean"), national, title)


def _check_arithmetic(problems: Problems, det: pd.DataFrame, st: pd.DataFrame, national: dict[str, int],
                      national_line: int, value_columns: tuple[str, ...], names: dict[str, str], sums: bool) -> None:
    """The export's own arithmetic: each row total (rows whose cells all read), and when every cell read,
    each state subtotal and the national row."""
    total, parts = value_columns[0], list(value_columns[1:])
    for frame in (det, st):
        added = frame[parts].sum(axis=1)
        bad = frame["clean"] & (added != frame[total])
        problems.rows(bad, names[total], "expected a row total equal to the sum of its cells",
                      lines=frame["line"], found=frame[total].astype(str) + " (the cells sum to " + added.astype(str) + ")")
    if not sums:
        return
    # A state block holds the municipality rows that follow its subtotal row; the
    # "Extranjero" block (33) also holds the other-countries rows (34, 35).
    by_state = det.groupby("block")[list(value_columns)].sum()
    checked = st[st["cve_ent"].isin(by_state.index)]
    got = by_state.loc[checked["cve_ent"]].to_numpy()
    stated = checked[list(value_columns)].to_numpy()
    for j, column in enumerate(value_columns):
        problems.rows(got[:, j] != stated[:, j], names[column],
                      "expected a state subtotal equal to the sum of its municipalities", lines=checked["line"],
                      found=[f"{a} (its municipalities sum to {b})" for a, b in zip(stated[:, j], got[:, j])])
    added = det[list(value_columns)].sum()
    for column in value_columns:
        if int(added[column]) != national[column]:
            problems.add("expected a national total equal to the sum of all rows", names[column], national_line,
                         f"{national[column]} (the rows sum to {int(added[column])})")


def area_type(cve_ent: pd.Series, cve_mun: pd.Series) -> pd.Series:
    """Classify INEGI place codes: a municipality, an unspecified one, abroad, or unknown state."""
    ent = cve_ent.astype(int)
    out = pd.Series("municipality", index=cve_ent.index, dtype="object")
    out[(ent <= 32) & (cve_mun == "999")] = "municipality_unspecified"
    out[ent.isin([33, 34, 35])] = "abroad"
    out[ent >= 36] = "state_unspecified"
    return out


def parse_homicides(path: Path) -> pd.DataFrame:
    """One year of registration → rows (place of occurrence × month of registration)."""
    path = Path(path)
    table = read_olap(path, ("Total", *MONTHS_ES))
    year_text = " ".join(table.title)
    m = re.search(r"A[ñn]o de registro : (\d{4})", year_text)
    if not m:
        raise SourceFormatError(path, "expected a title line 'Año de registro : YYYY'", 2)
    year = int(m.group(1))
    if path.stem.isdigit() and int(path.stem) != year:
        raise SourceFormatError(path, f"file name says {path.stem} but the title says year {year}", 2)
    det = table.details
    long = det.melt(id_vars=["cve_ent", "cve_mun", "name", "line"], value_vars=list(MONTHS_ES),
                    var_name="month_name", value_name="homicides")
    long["month_registration"] = long["month_name"].map({m: i + 1 for i, m in enumerate(MONTHS_ES)}).astype("int64")
    long["year_registration"] = year
    long["cvegeo"] = long["cve_ent"] + long["cve_mun"]
    long["area_type"] = area_type(long["cve_ent"], long["cve_mun"])
    long["homicides"] = long["homicides"].astype("int64")
    long = long.rename(columns={"name": "place_name", "line": "source_line"})
    cols = ["year_registration", "month_registration", "cvegeo", "cve_ent", "cve_mun", "place_name",
            "area_type", "homicides", "source_line"]
    return long[cols].sort_values(["cvegeo", "month_registration"], kind="stable").reset_index(drop=True)


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="inegi_homicides_mun_month_registration",
        family=FAMILY,
        title="INEGI homicides by municipality of occurrence × month of registration, 1990–2015 (OLAP exports)",
        title_es=("Homicidios registrados por el INEGI, por municipio de ocurrencia y mes de registro, 1990–2015 "
                  "(exportaciones OLAP)"),
        files=tuple(f"{FOLDER}/{y}.csv" for y in YEARS),
        parse=parse_homicides,
        key=("year_registration", "month_registration", "cvegeo"),
        publisher="INEGI, Estadísticas de mortalidad (Consulta interactiva, Defunciones por homicidio)",
        licence="INEGI Términos de Libre Uso de la Información",
        publisher_es="INEGI, Estadísticas de mortalidad (Consulta interactiva, Defunciones por homicidio)",
        url="https://www.inegi.org.mx/programas/mortalidad/", retrieved="2017-04-24",  # version date: aaronrudkin/INEGIMurderData commit 323cbfc6
        description=("Death certificates classified as homicide. Place = municipality of occurrence "
                     "(cvegeo; 'EE999' unspecified municipality; 33–35 abroad). Time = month of registration. "
                     "Municipalities absent from a year's export had zero registered homicides."),
        tags={"unit": "victims", "geography": "municipality", "period": "month of registration"},
    ),
)
