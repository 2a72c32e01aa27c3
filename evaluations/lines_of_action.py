"""The Framework's strategic goals and lines of action (as in docs/LINES_OF_ACTION.md), and the data gaps.

Every line of action is either evaluated by at least one spec in evaluations/specs/ or listed
in DATA_GAPS with kind "no_data". Lines that are evaluated but miss an indicator the Framework
names are listed with kind "partial", so the site can say what is not covered.
"""
from __future__ import annotations

import csv
from pathlib import Path

# The one definition of the goals and lines of action: two CSV files that dbt also loads as seeds
# (framework_goals, framework_lines_of_action), so marts, Dagster groups and the site name them the same way.
FRAMEWORK_DIR = Path(__file__).resolve().parent / "framework"


def _read(name: str) -> list[dict]:
    with open(FRAMEWORK_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# {goal id: {"number": "I", "page": "goal-1", "name": {"en": ..., "es": ...}}}, in the Framework's order
GOALS: dict[str, dict] = {row["goal"]: {"number": row["number"], "page": row["page"],
                                        "name": {"en": row["name_en"], "es": row["name_es"]}}
                          for row in _read("framework_goals.csv")}

# [{"goal", "id", "name": {"en", "es"}}], in the Framework's order
LINES = [{"goal": row["goal"], "id": row["line_of_action"], "name": {"en": row["name_en"], "es": row["name_es"]}}
         for row in _read("framework_lines_of_action.csv")]
LINE_IDS = {line["id"] for line in LINES}


def goal_label(goal: str, lang: str = "en") -> str:
    """"I. Protect our people": the goal as the indicators mart and the job descriptions name it."""
    return f"{GOALS[goal]['number']}. {GOALS[goal]['name'][lang]}"


# kind "no_data": nothing in the embedded default measures the line (it then has no result);
# kind "partial": the line is evaluated, but an indicator the Framework names has no data here.
DATA_GAPS = [
    {"goal": "goal_1_protect_people", "line_of_action": "public_health", "kind": "partial", "reason": {
        "en": "Drug-treatment demand and access in Mexico (CONADIC/SISVEA) are not published as machine-readable "
              "municipal series; only U.S. overdose deaths are evaluated.",
        "es": "La demanda y el acceso a tratamiento de adicciones en México (CONADIC/SISVEA) no se publican como series "
              "municipales legibles por máquina; solo se evalúan las muertes por sobredosis en EE. UU."}},
    {"goal": "goal_1_protect_people", "line_of_action": "safe_communities", "kind": "partial", "reason": {
        "en": "SESNSP victims come in two age groups (0–17, 18+), so youth aged 15–29 cannot be isolated; missing "
              "persons (RNPDNO) and victim support are not in the embedded data.",
        "es": "Las víctimas del SESNSP vienen en dos grupos de edad (0–17, 18+), así que no se puede aislar a los jóvenes "
              "de 15 a 29 años; las personas desaparecidas (RNPDNO) y la atención a víctimas no están en los datos incluidos."}},
    {"goal": "goal_2_transborder_crime", "line_of_action": "arms_trafficking", "kind": "partial", "reason": {
        "en": "ATF firearms-trace data (guns recovered in Mexico by U.S. source state) are published only as PDF "
              "reports, not machine-readable; only Mexican federal firearms-law investigations (LFAFE) are evaluated.",
        "es": "Los datos de rastreo de armas de la ATF (armas recuperadas en México por estado de origen en EE. UU.) solo "
              "se publican en informes PDF; solo se evalúan las carpetas federales por la Ley de Armas (LFAFE)."}},
    {"goal": "goal_2_transborder_crime", "line_of_action": "tco_supply_chains", "kind": "partial", "reason": {
        "en": "Clandestine laboratories dismantled and seizures inside Mexico (SEDENA/SEMAR/FGR releases) are not "
              "tabulated; federal narcotics investigations and U.S. border seizures stand in for them.",
        "es": "Los laboratorios clandestinos desmantelados y los aseguramientos en México (comunicados de SEDENA/SEMAR/FGR) "
              "no están tabulados; se usan las carpetas federales contra la salud y los decomisos en la frontera de EE. UU."}},
    {"goal": "goal_2_transborder_crime", "line_of_action": "human_smuggling_trafficking", "kind": "partial", "reason": {
        "en": "Trafficking prosecutions (DOJ) are not in the embedded data; SESNSP trafficking victims and migration-law "
              "investigations are evaluated.",
        "es": "Los procesos por trata (DOJ) no están en los datos incluidos; se evalúan las víctimas de trata del SESNSP y "
              "las carpetas por la Ley de Migración."}},
    {"goal": "goal_3_criminal_networks", "line_of_action": "illicit_financiers", "kind": "partial", "reason": {
        "en": "Frozen assets (UIF) are not published as a series; OFAC designation dates are approximate (first scrape "
              "snapshot listing the entry, within days of the official action).",
        "es": "Los activos congelados (UIF) no se publican como serie; las fechas de designación de OFAC son aproximadas "
              "(primera captura que lista la entrada, a días de la acción oficial)."}},
    {"goal": "goal_3_criminal_networks", "line_of_action": "investigation_prosecution", "kind": "partial", "reason": {
        "en": "Organized-crime prosecutions and convictions (FGR, DOJ) are not in the embedded data; federal "
              "organized-crime investigations and announced high-profile arrests are evaluated.",
        "es": "Los procesos y condenas por delincuencia organizada (FGR, DOJ) no están en los datos incluidos; se evalúan "
              "las carpetas federales por delincuencia organizada y las detenciones de alto perfil anunciadas."}},
    {"goal": "goal_3_criminal_networks", "line_of_action": "extraditions", "kind": "partial", "reason": {
        "en": "There is no tabulation of extraditions and transfers to the United States; the only measure is the "
              "extradition-request field of the Security Cabinet arrests file (Oct 2024 – Jul 2025).",
        "es": "No hay una tabulación de extradiciones y traslados a Estados Unidos; la única medida es el campo de "
              "solicitud de extradición del archivo de detenciones del Gabinete de Seguridad (oct 2024 – jul 2025)."}},
]


def line(line_id: str) -> dict:
    for entry in LINES:
        if entry["id"] == line_id:
            return entry
    raise KeyError(f"unknown line of action {line_id!r}; expected one of {sorted(LINE_IDS)}")


def coverage(evaluated: dict[str, list[str]]) -> list[dict]:
    """One row per line of action: its evaluations (spec names) and gaps. `evaluated` maps line id -> specs."""
    rows = []
    for entry in LINES:
        gaps = [g for g in DATA_GAPS if g["line_of_action"] == entry["id"]]
        rows.append({**entry, "evaluations": sorted(evaluated.get(entry["id"], [])), "gaps": gaps})
    return rows


def data_gaps(evaluated: dict[str, list[str]]) -> list[dict]:
    """The data_gaps.json payload: declared gaps, plus a "no_data" gap for any line nothing evaluates."""
    out = [dict(g) for g in DATA_GAPS]
    for entry in LINES:
        if not evaluated.get(entry["id"]) and not any(g["line_of_action"] == entry["id"] and g["kind"] == "no_data"
                                                      for g in DATA_GAPS):
            out.append({"goal": entry["goal"], "line_of_action": entry["id"], "kind": "no_data", "reason": {
                "en": "No evaluation: the embedded default has no data for this line of action.",
                "es": "Sin evaluación: los datos incluidos no tienen información para esta línea de acción."}})
    return out
