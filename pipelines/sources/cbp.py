"""U.S. CBP drug seizure statistics (public data portal CSVs), FY2019 – Dec 2025.

Two raw tables, one per CBP product, each fed by two release files (vintages):

* ``cbp_drug_seizures_nationwide``: Office of Field Operations (ports of entry; AOR =
  field office) and U.S. Border Patrol (between ports; AOR = sector).
* ``cbp_drug_seizures_amo``: Air and Marine Operations (AOR = branch).

``FY`` is the federal fiscal year (Oct–Sep); the current year is written ``2026 (FYTD)``.
Calendar year = FY − 1 for OCT/NOV/DEC. Only non-zero cells are published, so a missing
AOR × month × drug means no seizure. The fy19–fy22 file is an older release than the
fy23–fy26 one; the two never overlap in fiscal years (checked).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .base import Problems, SourceSpec, read_text_csv, require_columns

FAMILY = "cbp"
FOLDER = "cbp/cbp_drug_seizures_fy19_fy26"
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
REGIONS = ("Southwest Border", "Northern Border", "Coastal/Interior")
_FY = re.compile(r"^(\d{4})( \(FYTD\))?$")


def _parse(path: Path, aor_column: str, components: tuple[str, ...]) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a UTF-8 CBP CSV")
    cols = ["FY", "Month (abbv)", "Component", "Region", "Land Filter", aor_column, "Drug Type",
            "Count of Event", "Sum Qty (lbs)"]
    require_columns(df, cols, path)  # a missing or an extra column is refused, naming it
    problems = Problems(path, lines)
    fy = df["FY"].str.strip().str.extract(_FY)
    problems.rows(fy[0].isna(), "FY", "expected a fiscal year like 2024 or '2026 (FYTD)'", df["FY"])
    month = df["Month (abbv)"].str.strip().str.upper().map({m: i + 1 for i, m in enumerate(MONTHS)})
    problems.rows(month.isna(), "Month (abbv)", "expected a month abbreviation JAN…DEC", df["Month (abbv)"])
    problems.rows(~df["Component"].isin(components), "Component", f"expected one of {list(components)}", df["Component"])
    problems.rows(~df["Region"].isin(REGIONS), "Region", f"expected one of {list(REGIONS)}", df["Region"])
    events = pd.to_numeric(df["Count of Event"], errors="coerce")
    problems.rows(events.isna() | (events < 0) | (events != events.round()), "Count of Event",
                  "expected a non-negative whole number of seizure events", df["Count of Event"])
    lbs = pd.to_numeric(df["Sum Qty (lbs)"], errors="coerce")
    problems.rows(lbs.isna() | (lbs < 0), "Sum Qty (lbs)", "expected a non-negative quantity in pounds", df["Sum Qty (lbs)"])
    fiscal_year = pd.to_numeric(fy[0], errors="coerce")
    key = pd.DataFrame({"fiscal_year": fiscal_year, "month": month, "component": df["Component"], "region": df["Region"],
                        "land_filter": df["Land Filter"], "aor": df[aor_column].str.strip(),
                        "drug_type": df["Drug Type"].str.strip()})
    problems.duplicates(key, list(key.columns), None,
                        "expected one row per FY × month × component × region × AOR × drug",
                        valid=fiscal_year.notna() & month.notna())
    problems.check()
    fiscal_year = fiscal_year.astype("int64")
    month = month.astype("int64")
    calendar_year = fiscal_year - (month >= 10).astype("int64")
    return pd.DataFrame({
        "fiscal_year": fiscal_year,
        "fiscal_year_to_date": fy[1].notna(),
        "calendar_year": calendar_year,
        "month": month,
        "period_month": calendar_year.astype(str) + "-" + month.astype(str).str.zfill(2) + "-01",
        "component": df["Component"],
        "region": df["Region"],
        "land_filter": df["Land Filter"],
        "area_of_responsibility": df[aor_column].str.strip(),
        "drug_type": df["Drug Type"].str.strip(),
        "seizure_events": events.astype("int64"),
        "quantity_lbs": lbs.astype("float64"),
        "release_file": path.name,
    })


def parse_nationwide(path: Path) -> pd.DataFrame:
    return _parse(path, "Area of Responsibility", ("Office of Field Operations", "U.S. Border Patrol"))


def parse_amo(path: Path) -> pd.DataFrame:
    return _parse(path, "Branch", ("Air and Marine Operations",))


KEY = ("fiscal_year", "month", "component", "region", "land_filter", "area_of_responsibility", "drug_type")

SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="cbp_drug_seizures_nationwide", family=FAMILY,
        title="CBP nationwide drug seizures (OFO field offices, USBP sectors) by month and drug, FY2019 – Dec 2025",
        title_es=("Decomisos de drogas de la CBP en todo Estados Unidos (oficinas de campo de la OFO, sectores de la "
                  "Patrulla Fronteriza), por mes y droga, año fiscal 2019 – dic. 2025"),
        files=(f"{FOLDER}/nationwide-drugs-fy19-fy22.csv", f"{FOLDER}/nationwide-drugs-fy23-fy26-dec.csv"),
        parse=parse_nationwide, key=KEY,
        publisher="U.S. Customs and Border Protection, Nationwide Drug Seizures", licence="U.S. public domain",
        publisher_es=("U.S. Customs and Border Protection (Oficina de Aduanas y Protección Fronteriza de EE. UU.), "
                      "serie Nationwide Drug Seizures"),
        licence_es="dominio público (EE. UU.)",
        names_en=("U.S. Customs and Border Protection", "Nationwide Drug Seizures"),
        url="https://www.cbp.gov/document/stats/nationwide-drug-seizures", retrieved="2026-03-05",  # version date: ntimbs/CNX_Mapping_Project commit e5fb4d65
        description="Seizure events and pounds; only non-zero cells are published (fill zeros for panels).",
        tags={"unit": "events; pounds", "geography": "field office / sector", "period": "month"},
    ),
    SourceSpec(
        name="cbp_drug_seizures_amo", family=FAMILY,
        title="CBP Air and Marine Operations drug seizures by branch, month and drug, FY2019 – Dec 2025",
        title_es=("Decomisos de drogas de Air and Marine Operations (AMO) de la CBP, por rama, mes y droga, año "
                  "fiscal 2019 – dic. 2025"),
        files=(f"{FOLDER}/amo-drug-seizures-fy19-fy22.csv", f"{FOLDER}/amo-drug-seizures-fy23-fy26-dec.csv"),
        parse=parse_amo, key=KEY,
        publisher="U.S. Customs and Border Protection, AMO Drug Seizures", licence="U.S. public domain",
        publisher_es=("U.S. Customs and Border Protection (Oficina de Aduanas y Protección Fronteriza de EE. UU.), "
                      "serie AMO Drug Seizures"),
        licence_es="dominio público (EE. UU.)",
        names_en=("U.S. Customs and Border Protection", "Air and Marine Operations", "AMO Drug Seizures"),
        url="https://www.cbp.gov/newsroom/stats/drug-seizure-statistics", retrieved="2026-03-05",  # version date: ntimbs/CNX_Mapping_Project commit e5fb4d65
        description="Seizure events and pounds by AMO branch.",
        tags={"unit": "events; pounds", "geography": "AMO branch", "period": "month"},
    ),
)
