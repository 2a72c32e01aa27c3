"""Malformed inputs built from the real embedded files, deterministically and in memory (nothing large
is committed). Each case names the source it is offered to, the bytes, and its exact failure mode:

- ("parse", line, column, text): the file is refused before any check, with a message naming the file,
  this line and column and containing `text` (landing screening, published-header check or parser);
- ("check", names): the file parses, and exactly these blocking (ERROR) expectations fail.
"""
from __future__ import annotations

import bz2
import gzip
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

DATA = Path(__file__).resolve().parents[2] / "data"
LVS = DATA / "sesnsp/sesnsp_idm_violencia_homicida_municipal_2024_2025/violencia_homicida_estatal_mensual_2024_2025_corregido.csv"
GTO = DATA / "sesnsp/sesnsp_idm_guanajuato_homicidio_2020_2025/homicidios_gto_2020_2025_raw.csv"
GARGIULO = DATA / "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"
VICTIMS = DATA / "sesnsp/sesnsp_victimas_estatal_2015_2025/db_victimas_delitos_ent_long.csv.bz2"
CATALOGUE = DATA / "census/mx_poblacion_municipal_censos_1990_2020/df_mxmunicipio_2020.csv"
PROGRAMS = DATA / "programs/joint_operations_2006_2008.csv"

LVS_SOURCE, GTO_SOURCE = "sesnsp_lethal_violence_state_month", "sesnsp_idm_guanajuato_homicide"
GARGIULO_SOURCE, VICTIMS_SOURCE = "gargiulo_homicides", "sesnsp_victims_state"
CATALOGUE_SOURCE, PROGRAMS_SOURCE = "census_municipal_catalogue_2020", "program_rollouts"


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    filename: str
    build: Callable[[], bytes]
    mode: tuple


@lru_cache(maxsize=None)
def lines(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8").splitlines(keepends=True))


def text(rows) -> bytes:
    return "".join(rows).encode("utf-8")


def edit(path: Path, line: int, column: int, value: str) -> bytes:
    """The file with field `column` (0-based) of 1-based `line` replaced (simple CSV without quotes in that line)."""
    rows = list(lines(path))
    fields = rows[line - 1].rstrip("\r\n").split(",")
    fields[column] = value
    rows[line - 1] = ",".join(fields) + "\n"
    return text(rows)


def edit_many(path: Path, *changes: tuple[int, int, str]) -> bytes:
    """The file with several (1-based line, 0-based field, value) replacements, as in `edit`."""
    rows = list(lines(path))
    for line, column, value in changes:
        fields = rows[line - 1].rstrip("\r\n").split(",")
        fields[column] = value
        rows[line - 1] = ",".join(fields) + "\n"
    return text(rows)


def drop_column(path: Path, index: int) -> bytes:
    rows = [",".join(f for i, f in enumerate(r.rstrip("\n").split(",")) if i != index) + "\n" for r in lines(path)]
    return text(rows)


def gargiulo_head(n: int) -> bytes:
    with gzip.open(GARGIULO, "rt", encoding="utf-8") as handle:
        return "".join(next(handle) for _ in range(n)).encode("utf-8")


def gzip_bomb(header: bytes, megabytes: int) -> bytes:
    """A valid gzip stream: the real header line, then `megabytes` of zeros (compresses about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"0" * (1 << 20)
    out = [compressor.compress(header)]
    out += [compressor.compress(chunk) for _ in range(megabytes)]
    out.append(compressor.flush())
    return b"".join(out)


def claims_size(data: bytes, size: int) -> bytes:
    """A gzip file whose trailer (ISIZE) claims `size` uncompressed bytes."""
    return data[:-4] + struct.pack("<I", size % (1 << 32))


LVS_HEADER = lines(LVS)[0]
GTO_MUNICIPIO, GTO_CODE, GTO_STATE, GTO_JAN = 4, 3, 1, 9


def _lvs_rows_without_month(month: str, year: str) -> bytes:
    return text([r for r in lines(LVS) if not r.startswith(f"{year},{month},")])


CASES: list[Case] = [
    # --- encodings and byte-level damage (lethal violence by state, 608 rows, UTF-8 CSV)
    Case("latin1_encoding", LVS_SOURCE, LVS.name, lambda: "".join(lines(LVS)).encode("latin-1"),
         ("parse", 1, None, "is not utf-8")),
    # A UTF-8 BOM and CRLF line ends (Excel's "CSV UTF-8") are accepted: the bad count is still found, on its line.
    Case("utf8_bom_crlf_negative_count", LVS_SOURCE, LVS.name,
         lambda: b"\xef\xbb\xbf" + edit(LVS, 10, 8, "-5").replace(b"\n", b"\r\n"),
         ("parse", 10, "Total", "non-negative whole count, found '-5'")),
    Case("utf8_bom_then_latin1", LVS_SOURCE, LVS.name, lambda: b"\xef\xbb\xbf" + "".join(lines(LVS)).encode("latin-1"),
         ("parse", 1, None, "is not utf-8")),
    Case("utf16_encoding", LVS_SOURCE, LVS.name, lambda: "".join(lines(LVS)).encode("utf-16"),
         ("parse", 1, None, "UTF-16")),
    Case("nul_bytes_in_header", LVS_SOURCE, LVS.name, lambda: text(lines(LVS)).replace(b"Mes", b"M\x00es", 1),
         ("parse", 1, None, "NUL")),
    Case("binary_garbage", LVS_SOURCE, LVS.name, lambda: bytes(range(256)) * 64,
         ("parse", 1, None, "NUL bytes")),
    # --- header: renamed, missing, extra columns, wrong delimiter
    Case("renamed_column", LVS_SOURCE, LVS.name, lambda: text([LVS_HEADER.replace(",Total", ",Totales"), *lines(LVS)[1:]]),
         ("parse", 1, "Total", "missing or renamed")),
    Case("missing_column", LVS_SOURCE, LVS.name, lambda: drop_column(LVS, 6),
         ("parse", 1, "Homicidio doloso", "missing or renamed")),
    Case("extra_column", LVS_SOURCE, LVS.name, lambda: text([r.rstrip("\n") + (",Notas\n" if i == 0 else ",x\n") for i, r in enumerate(lines(LVS))]),
         ("parse", 1, "Notas", "extra column")),
    Case("semicolon_delimiter", LVS_SOURCE, LVS.name, lambda: text(r.replace(",", ";") for r in lines(LVS)),
         ("parse", 1, None, "another delimiter")),
    Case("tab_delimiter", GTO_SOURCE, GTO.name, lambda: text(r.replace(",", "\t") for r in lines(GTO)),
         ("parse", 1, None, "another delimiter")),
    # --- empty and truncated files
    Case("empty_file", LVS_SOURCE, LVS.name, lambda: b"", ("parse", 1, None, "the file is empty")),
    Case("header_only", LVS_SOURCE, LVS.name, lambda: text(lines(LVS)[:1]), ("parse", None, None, "at least one data row")),
    Case("truncated_mid_row", LVS_SOURCE, LVS.name, lambda: text(lines(LVS))[: len(text(lines(LVS)[:301])) + 14],
         ("parse", 302, "Feminicidio", "non-negative whole count, found ''")),
    Case("truncated_rows", LVS_SOURCE, LVS.name, lambda: text(lines(LVS)[:300]),
         ("check", {"row_count_as_published"})),
    # --- counts: negative, non-numeric, fractional
    Case("negative_count", LVS_SOURCE, LVS.name, lambda: edit(LVS, 10, 8, "-5"),
         ("parse", 10, "Total", "non-negative whole count")),
    Case("two_problems_on_two_lines", LVS_SOURCE, LVS.name, lambda: edit_many(LVS, (10, 8, "-5"), (20, 1, "Enerro")),
         ("parse", 10, "Total", "2 problems: line 10, column 'Total': expected a non-negative whole count, found '-5'; "
                                "line 20, column 'Mes': expected a Spanish month name, found 'Enerro'")),
    Case("non_numeric_count", LVS_SOURCE, LVS.name, lambda: edit(LVS, 25, 4, "tres"),
         ("parse", 25, "Feminicidio", "non-negative whole count")),
    Case("fractional_count", GTO_SOURCE, GTO.name, lambda: edit(GTO, 40, GTO_JAN, "1.5"),
         ("parse", 40, "Enero", "non-negative whole count, found '1.5'")),
    Case("negative_count_wide", GTO_SOURCE, GTO.name, lambda: edit(GTO, 41, GTO_JAN + 2, "-3"),
         ("parse", 41, "Marzo", "non-negative whole count, found '-3'")),
    # --- keys, codes, dates
    Case("duplicate_key", LVS_SOURCE, LVS.name, lambda: text([*lines(LVS), lines(LVS)[5]]),
         ("check", {"key_is_unique"})),
    Case("future_year", LVS_SOURCE, LVS.name, lambda: edit(LVS, 12, 0, "2031"),
         ("check", {"year_inside_coverage_2024_2025", "complete_months"})),
    Case("missing_month", LVS_SOURCE, LVS.name, lambda: _lvs_rows_without_month("Marzo", "2024"),
         ("check", {"complete_months", "row_count_as_published"})),
    Case("unknown_state_name", LVS_SOURCE, LVS.name, lambda: edit(LVS, 7, 3, "Atlantida"),
         ("parse", 7, "Estado", "state name of the 2020 catalogue, found 'Atlantida'")),
    Case("bad_month_name", LVS_SOURCE, LVS.name, lambda: edit(LVS, 8, 1, "Enerro"),
         ("parse", 8, "Mes", "Spanish month name")),
    Case("unknown_municipality_code", GTO_SOURCE, GTO.name, lambda: edit(GTO, 30, GTO_CODE, "11999"),
         ("check", {"cvegeo_in_geography"})),
    Case("malformed_municipality_code", GTO_SOURCE, GTO.name, lambda: edit(GTO, 31, GTO_CODE, "11O01"),
         ("parse", 31, "Cve. Municipio", "INEGI municipal code")),
    Case("municipality_outside_state", GTO_SOURCE, GTO.name, lambda: edit(GTO, 32, GTO_CODE, "14001"),
         ("parse", 32, "Cve. Municipio", "state code")),
    Case("duplicate_municipality", CATALOGUE_SOURCE, CATALOGUE.name, lambda: text([*lines(CATALOGUE), lines(CATALOGUE)[100]]),
         ("parse", 2471, "region", "one row per municipality (region unique), found a repeat of line 101")),
    # --- markup and spreadsheet formulas in names
    Case("html_in_name", GTO_SOURCE, GTO.name, lambda: edit(GTO, 20, GTO_MUNICIPIO, "<script>alert(1)</script>"),
         ("check", {"municipality_name_is_plain_text"})),
    Case("javascript_url_in_name", GTO_SOURCE, GTO.name, lambda: edit(GTO, 21, GTO_MUNICIPIO, "<a href='javascript:alert(1)'>x</a>"),
         ("check", {"municipality_name_is_plain_text"})),
    Case("formula_in_name", GTO_SOURCE, GTO.name, lambda: edit(GTO, 22, GTO_MUNICIPIO, "=HYPERLINK(\"http://x\";\"y\")"),
         ("check", {"municipality_name_is_plain_text"})),
    Case("formula_in_catalogue_name", CATALOGUE_SOURCE, CATALOGUE.name, lambda: edit(CATALOGUE, 50, 7, "@SUM(A1:A9)"),
         ("check", {"municipality_name_is_plain_text"})),
    Case("formula_in_program_event", PROGRAMS_SOURCE, PROGRAMS.name, lambda: edit(PROGRAMS, 3, 3, "+cmd|' /C calc'!A0"),
         ("check", {"event_is_plain_text"})),
    # --- compression: bombs, absurd sizes, truncated or fake archives (Gargiulo .csv.gz, SESNSP victims .csv.bz2)
    Case("gzip_bomb", GARGIULO_SOURCE, GARGIULO.name, lambda: gzip_bomb(gargiulo_head(1), 40),
         ("parse", None, None, "decompression bomb")),
    Case("bz2_bomb", VICTIMS_SOURCE, VICTIMS.name, lambda: bz2.compress(bz2.open(VICTIMS).readline() + b"0" * (40 << 20), 9),
         ("parse", None, None, "decompression bomb")),
    Case("gzip_claims_1gb", GARGIULO_SOURCE, GARGIULO.name, lambda: claims_size(gzip.compress(gargiulo_head(2000)), 1 << 30),
         ("parse", None, None, "its header claims 1,073,741,824 bytes")),
    Case("truncated_gzip", GARGIULO_SOURCE, GARGIULO.name, lambda: GARGIULO.read_bytes()[: 200_000],
         ("parse", None, None, "complete gzip file")),
    Case("not_really_gzip", GARGIULO_SOURCE, GARGIULO.name, lambda: gargiulo_head(50),
         ("parse", None, None, "Not a gzipped file")),
    Case("gzip_comma_delimiter", GARGIULO_SOURCE, GARGIULO.name, lambda: gzip.compress(gargiulo_head(50).replace(b"|", b",")),
         ("parse", 1, None, "another delimiter")),
]
