"""How a bad file is reported (issue #15): every failing line of every rule in one message, in the file's own
column names and line numbers; a UTF-8 byte-order mark and CRLF line ends accepted for every source; extra
columns refused alike everywhere; a directory or a device named as such. Expected messages are written out
by hand."""
from __future__ import annotations

import bz2
import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines import landing
from pipelines.quality.suites import load_suite
from pipelines.sources import SOURCES, SourceFormatError, source_by_name
from pipelines.sources.census import CATALOGUE_FILE
from tests.conftest import DATA_DIR, REPO_ROOT

GTO = DATA_DIR / "sesnsp/sesnsp_idm_guanajuato_homicidio_2020_2025/homicidios_gto_2020_2025_raw.csv"
LVS = DATA_DIR / "sesnsp/sesnsp_idm_violencia_homicida_municipal_2024_2025/violencia_homicida_estatal_mensual_2024_2025_corregido.csv"
AMO = DATA_DIR / "cbp/cbp_drug_seizures_fy19_fy26/amo-drug-seizures-fy23-fy26-dec.csv"
IDEFF = DATA_DIR / "sesnsp/sesnsp_ideff_fuero_federal_estatal_2012_2025/IDEFF_jul25.csv"

# Published in latin-1; every other text source is UTF-8.
LATIN1 = {"inegi_homicides_mun_month_registration", "census_population_municipal", "sesnsp_ideff_federal_state",
          "ofac_sdn_2024_05_03"}
# Files read whole: the OLAP exports check their own subtotals, and the GeoJSON is one document.
WHOLE = {"inegi_homicides_mun_month_registration", "census_population_municipal", "municipalities", "states"}
EXCERPT_LINES = 200


def _lines(path: Path, n: int | None = None, encoding: str = "utf-8") -> list[str]:
    rows = path.read_text(encoding=encoding).splitlines(keepends=True)
    return rows if n is None else rows[:n]


def _edited(rows: list[str], line: int, field: int, value: str) -> None:
    """Replace field `field` (0-based) of 1-based `line` in a simple CSV without quotes on that line."""
    fields = rows[line - 1].rstrip("\r\n").split(",")
    fields[field] = value
    rows[line - 1] = ",".join(fields) + "\n"


def _write(folder: Path, name: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes("".join(rows).encode(encoding))
    return path


def _with_catalogue(folder: Path) -> Path:
    """A data/ folder with the municipal catalogue the name-matching parsers look up."""
    (folder / CATALOGUE_FILE).parent.mkdir(parents=True, exist_ok=True)
    if not (folder / CATALOGUE_FILE).exists():
        shutil.copy(DATA_DIR / CATALOGUE_FILE, folder / CATALOGUE_FILE)
    return folder


# ---------------------------------------------------------------- every problem, every line
def test_two_problems_on_two_lines_are_both_listed_with_the_files_columns_and_lines(tmp_path):
    rows = _lines(GTO, 120)
    _edited(rows, 41, 11, "-3")     # Marzo
    _edited(rows, 77, 1, "99")      # Clave_Ent
    path = _write(tmp_path, GTO.name, rows)
    with pytest.raises(SourceFormatError) as error:
        source_by_name("sesnsp_idm_guanajuato_homicide").parse(path)
    assert str(error.value) == (
        "homicidios_gto_2020_2025_raw.csv: 2 problems: "
        "line 41, column 'Marzo': expected a non-negative whole count, found '-3'; "
        "line 77, column 'Clave_Ent': expected a state code 01–32, found '99'")
    # The attributes of the first problem, as before; every problem in `problems`.
    assert (error.value.line, error.value.column) == (41, "Marzo")
    assert error.value.expected == "expected a non-negative whole count, found '-3'"
    assert [(p.lines, p.column, p.count) for p in error.value.problems] == [((41,), "Marzo", 1), ((77,), "Clave_Ent", 1)]


def test_a_rule_failing_on_30_lines_lists_the_first_20_and_counts_the_rest(tmp_path):
    rows = _lines(LVS)
    for line in range(10, 100, 3):  # 30 lines: 10, 13, …, 97
        _edited(rows, line, 4, "-1")  # Feminicidio
    path = _write(_with_catalogue(tmp_path), LVS.name, rows)
    with pytest.raises(SourceFormatError) as error:
        source_by_name("sesnsp_lethal_violence_state_month").parse(path)
    assert str(error.value) == (
        "violencia_homicida_estatal_mensual_2024_2025_corregido.csv, lines 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, "
        "43, 46, 49, 52, 55, 58, 61, 64, 67, column 'Feminicidio': expected a non-negative whole count, found '-1' "
        "(and 10 more lines)")
    assert error.value.problems[0].count == 30 and (error.value.line, error.value.column) == (10, "Feminicidio")


def test_each_line_shows_what_was_found_there(tmp_path):
    rows = _lines(LVS, 40)
    _edited(rows, 9, 3, "Narnia")      # Estado
    _edited(rows, 7, 3, "Atlantida")
    _edited(rows, 30, 1, "Enerro")     # Mes
    path = _write(_with_catalogue(tmp_path), LVS.name, rows)
    with pytest.raises(SourceFormatError) as error:
        source_by_name("sesnsp_lethal_violence_state_month").parse(path)
    assert str(error.value) == (
        "violencia_homicida_estatal_mensual_2024_2025_corregido.csv: 2 problems: "
        "lines 7, 9, column 'Estado': expected a state name of the 2020 catalogue, found 'Atlantida', 'Narnia'; "
        "line 30, column 'Mes': expected a Spanish month name, found 'Enerro'")


def test_a_duplicate_row_names_the_line_it_repeats(tmp_path):
    rows = _lines(AMO, 40)
    rows.append(rows[4])  # line 41 repeats line 5
    path = _write(tmp_path, AMO.name, rows)
    with pytest.raises(SourceFormatError) as error:
        source_by_name("cbp_drug_seizures_amo").parse(path)
    assert str(error.value) == ("amo-drug-seizures-fy23-fy26-dec.csv, line 41: expected one row per FY × month × "
                                "component × region × AOR × drug, found a repeat of line 5")


def test_line_numbers_count_the_lines_of_quoted_multi_line_fields(tmp_path):
    content = ("Entidad,Municipio,Homicidios,Hombre,Mujer,No Identificado,Fecha\n"
               'Jalisco,"Tlajomulco de\nZúñiga",2,2,,,2019-01-02\n'
               "Jalisco,Zapopan,-1,,,,2019-01-02\n"
               "Jalisco,Zapopan,1,1,,,2019-01-40\n")
    path = _with_catalogue(tmp_path) / "01_january_2019.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceFormatError) as error:
        source_by_name("sspc_daily_homicides_municipal").parse(path)
    assert str(error.value) == (
        "01_january_2019.csv: 2 problems: line 4, column 'Homicidios': expected a non-negative whole count, found '-1'; "
        "line 5, column 'Fecha': expected a date YYYY-MM-DD or dd/mm/yy, found '2019-01-40'")


def test_wide_files_keep_the_line_of_each_cell(tmp_path):
    rows = _lines(IDEFF, 60, encoding="latin-1")
    _edited(rows, 57, 8, "-2")    # MARZO
    _edited(rows, 12, 0, "20x2")  # AÑO
    path = _write(tmp_path, IDEFF.name, rows, encoding="latin-1")
    with pytest.raises(SourceFormatError) as error:
        source_by_name("sesnsp_ideff_federal_state").parse(path)
    assert str(error.value) == ("IDEFF_jul25.csv: 2 problems: line 12, column 'AÑO': expected a year, found '20x2'; "
                                "line 57, column 'MARZO': expected a non-negative whole count, found '-2'")
    # Reshaped long, every row still says which line of the file it comes from (for quarantine).
    frame = source_by_name("sesnsp_idm_guanajuato_homicide").parse(GTO)
    fields = _lines(GTO)[2485 - 1].rstrip("\n").split(",")
    last = frame[frame["source_line"] == 2485].sort_values("month")
    assert last["crimes"].tolist() == [int(float(v)) for v in fields[9:21] if v != ""]  # December 2025: not published
    assert last["modality"].iloc[0] == fields[8]


# ---------------------------------------------------------------- BOM and CRLF, for every source
TEXT_SOURCES = [s for s in SOURCES if not s.files[0].endswith(".xlsx")]


def _published_excerpt(name: str) -> tuple[bytes, str]:
    """(the first file of a source, or its first EXCERPT_LINES data lines, uncompressed, as published; its encoding)."""
    spec = source_by_name(name)
    raw = (DATA_DIR / spec.files[0]).read_bytes()
    if spec.files[0].endswith(".gz"):
        raw = gzip.decompress(raw)
    elif spec.files[0].endswith(".bz2"):
        raw = bz2.decompress(raw)
    rows = raw.splitlines(keepends=True)
    if name not in WHOLE and len(rows) > 5 * EXCERPT_LINES and b"\n" in raw:
        raw = b"".join(rows[: EXCERPT_LINES + 1])
    return raw, "latin-1" if name in LATIN1 else "utf-8"


def _variant(raw: bytes, encoding: str, bom: bool, crlf: bool) -> bytes:
    text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" + text.encode("utf-8")) if bom else text.encode(encoding)


def _place(folder: Path, name: str, data: bytes) -> Path:
    """`data` (uncompressed) as the source's first file in a data/ folder of its own, compressed like it."""
    relative = source_by_name(name).files[0]
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if relative.endswith(".gz"):
        data = gzip.compress(data)
    elif relative.endswith(".bz2"):
        data = bz2.compress(data)
    path.write_bytes(data)
    if relative != CATALOGUE_FILE:
        _with_catalogue(folder)
    return path


def _load(name: str, path: Path) -> pd.DataFrame:
    """The pipeline's path for a file: the published-header check (if the suite states one), then the parser."""
    suite = REPO_ROOT / "expectations" / f"raw_{name}.yml"
    header = load_suite(suite).file_header if suite.exists() else None
    if header:
        landing.check_header(path, header)
    return source_by_name(name).parse(path)


@pytest.mark.parametrize("name", [s.name for s in TEXT_SOURCES])
def test_bom_and_crlf_parse_to_the_same_frame_for_every_source(name, tmp_path):
    raw, encoding = _published_excerpt(name)
    original = _load(name, _place(tmp_path / "published", name, raw))
    assert len(original) > 0
    for label, bom, crlf in (("bom_crlf", True, True), ("plain_lf", False, False)):
        variant = _load(name, _place(tmp_path / label, name, _variant(raw, encoding, bom, crlf)))
        pd.testing.assert_frame_equal(variant, original, obj=f"{name} ({label})")


def test_every_text_source_is_covered():
    # The Guardia Nacional workbook is a zip of XML parts: no text encoding or line ends of its own.
    assert {s.name for s in SOURCES} - {s.name for s in TEXT_SOURCES} == {"guardia_deployment_state_month"}


def test_a_latin1_source_still_refuses_utf8_without_a_bom(tmp_path):
    raw, _ = _published_excerpt("sesnsp_ideff_federal_state")
    path = _place(tmp_path, "sesnsp_ideff_federal_state", raw.decode("latin-1").encode("utf-8"))
    with pytest.raises(SourceFormatError) as error:
        source_by_name("sesnsp_ideff_federal_state").parse(path)
    assert str(error.value) == ("IDEFF_jul25.csv, line 1: latin-1 text as published, found UTF-8 without a byte-order "
                                "mark (a re-save: keep the published file, or save it as UTF-8 with a BOM)")


# ---------------------------------------------------------------- extra columns, alike for every source
def test_the_extra_cbp_column_is_reported(tmp_path):
    rows = _lines(AMO, 30)
    rows = [r.rstrip("\r\n") + (",Notes\n" if i == 0 else ",seen at port\n") for i, r in enumerate(rows)]
    path = _write(tmp_path, AMO.name, rows)
    with pytest.raises(SourceFormatError) as error:
        source_by_name("cbp_drug_seizures_amo").parse(path)
    assert str(error.value) == ("amo-drug-seizures-fy23-fy26-dec.csv, line 1, column 'Notes': 9 columns as published; "
                                "found extra column 'Notes'")


# CSV sources with a header line (the OLAP exports check their header row by itself; sdn.csv has none).
HEADED_CSV = [s.name for s in TEXT_SOURCES
              if s.name not in WHOLE | {"ofac_sdn_2024_05_03"}]


@pytest.mark.parametrize("name", HEADED_CSV)
def test_an_extra_column_is_refused_by_every_source(name, tmp_path):
    raw, encoding = _published_excerpt(name)
    text = _variant(raw, encoding, bom=False, crlf=False).decode(encoding)
    rows = text.splitlines()
    sep = "|" if name == "gargiulo_homicides" else ","
    data = "\n".join([rows[0] + f"{sep}Notas", *(r + f"{sep}x" for r in rows[1:])]) + "\n"
    path = _place(tmp_path, name, data.encode(encoding))
    with pytest.raises(SourceFormatError) as error:
        _load(name, path)
    assert (error.value.line, error.value.column) == (1, "Notas")
    assert "columns as published; found extra column 'Notas'" in str(error.value)


# ---------------------------------------------------------------- not a file
def test_a_directory_or_a_device_is_named_as_such(tmp_path):
    folder = tmp_path / "poblacion.csv"
    folder.mkdir()
    with pytest.raises(SourceFormatError) as error:
        landing.store(folder, tmp_path / "landing")
    assert str(error.value) == f"poblacion.csv: a landing file; {folder} is a directory"
    with pytest.raises(SourceFormatError) as error:
        landing.store(Path("/dev/zero"), tmp_path / "landing")
    assert str(error.value) == "zero: a landing file; /dev/zero is not a regular file (a character device)"
    with pytest.raises(SourceFormatError) as error:
        landing.store(tmp_path / "missing.csv", tmp_path / "landing")
    assert str(error.value) == f"missing.csv: an existing landing file; {tmp_path / 'missing.csv'} does not exist (not found)"


def test_a_file_of_another_kind_is_described_not_echoed(tmp_path):
    """A credentials file given as the CBP AMO file by mistake: refused, and no field of it in the message."""
    secret = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    path = _write(tmp_path, AMO.name, [f"{secret},region=us-east-1\n", "aws_session_token=FwoGZXIvYXdzEXAMPLE,x\n"])
    spec = source_by_name("cbp_drug_seizures_amo")
    with pytest.raises(SourceFormatError) as refused:
        spec.parse(path)
    message = str(refused.value)
    assert "AWS_SECRET" not in message and "wJalr" not in message and "region=" not in message
    assert "found a header of 2 fields whose first is not a published column" in message


def test_a_published_header_with_an_extra_column_names_it(tmp_path):
    rows = _lines(AMO, 5)
    rows[0] = rows[0].rstrip("\r\n") + ",Notes\n"
    rows[1:] = [r.rstrip("\r\n") + ",x\n" for r in rows[1:]]
    with pytest.raises(SourceFormatError, match="found extra column 'Notes'"):
        source_by_name("cbp_drug_seizures_amo").parse(_write(tmp_path, AMO.name, rows))
