"""Every chart's source line names its sources with their retrieval dates (issue #18).

Each evaluation spec names the raw tables of each source (`data.sources[].raw`, names of pipelines/sources/ specs);
their `retrieved` dates reach the static figures (given to the spec by the pipeline), the interactive charts and
the map footers through one formatter, `evaluations.figures.source_note`."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evaluations import figures
from evaluations.spec_model import SpecError, load_spec, load_specs
from pipelines.sources import SOURCES, retrieved_dates
from tests.fixtures.results import make_result

REPO_ROOT = Path(__file__).resolve().parents[2]


def _spec(tmp_path: Path, sources: str):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\ntitle: {en: T, es: T}\ngoal: goal_1_protect_people\nline_of_action: homicide_reduction\n"
        "scope: framework\ndesired_direction: decrease\nthreats: [single_series]\ndesign: indicator_trend\n"
        "outcome: {en: victims, es: víctimas}\nunits: {en: victims, es: víctimas}\n"
        f"data: {{table: marts.t, time: period, value: v, sources: {sources}}}\n", encoding="utf-8")
    return load_spec(path)


def test_a_source_names_its_raw_tables_as_a_list_of_names(tmp_path):
    with pytest.raises(SpecError, match=re.escape("data.sources.0: unknown source key 'tables'; expected en, es, raw")):
        _spec(tmp_path, "[{en: a, es: b, tables: [x]}]")
    with pytest.raises(SpecError, match=re.escape("data.sources.0: raw: must be a list of raw table names")):
        _spec(tmp_path, "[{en: a, es: b, raw: x}]")
    with pytest.raises(SpecError, match=re.escape("data: unknown data key 'retrieved'")):
        _spec(tmp_path, "[{en: a, es: b}], retrieved: {x: '2025-01-01'}")   # dates come from the source specs only


def test_source_line_names_each_source_with_its_retrieval_date(tmp_path):
    """Hand-written lines: two sources retrieved on different dates, then one source of two tables of one date."""
    spec = _spec(tmp_path, "[{en: SESNSP victims, es: víctimas del SESNSP, raw: [victims]}, "
                           "{en: CONAPO population, es: población del CONAPO, raw: [population]}]")
    dated = spec.with_retrieved({"victims": "2025-07-20", "population": "2025-06-16", "other": "2020-01-01"})
    assert figures.source_note(dated.data.dated_sources("en"), "en", through="2025-06-30") == (
        "Sources: SESNSP victims, retrieved July 20, 2025; CONAPO population, retrieved June 16, 2025 · "
        "data through June 2025")
    assert figures.source_note(dated.data.dated_sources("es"), "es", through="2025-06-30") == (
        "Fuentes: víctimas del SESNSP, consultado el 20 de julio de 2025; población del CONAPO, consultado el "
        "16 de junio de 2025 · datos hasta junio de 2025")
    # without the dates (a spec not given them), the line names the sources only
    assert figures.source_note(spec.data.dated_sources("en"), "en") == "Sources: SESNSP victims; CONAPO population"
    one = _spec(tmp_path, "[{en: 'CBP seizures (OFO, AMO)', es: 'decomisos de la CBP (OFO, AMO)', raw: [ofo, amo]}]")
    one = one.with_retrieved({"ofo": "2026-03-05", "amo": "2026-03-05"})
    assert figures.source_note(one.data.dated_sources("en"), "en", through="2025-12-31") == (
        "Source: CBP seizures (OFO, AMO) · data through December 2025 · retrieved March 5, 2026")
    assert figures.source_note(one.data.dated_sources("es"), "es", through="2025-12-31") == (
        "Fuente: decomisos de la CBP (OFO, AMO) · datos hasta diciembre de 2025 · consultado el 5 de marzo de 2026")


def test_the_chart_of_a_result_says_the_same_line(monkeypatch):
    """The interactive chart's caption (pipelines/site/charts.py) of a shipped spec, with the dates of its raw tables."""
    from pipelines.site import charts

    monkeypatch.setattr(charts, "retrieved_dates", lambda: {"sesnsp_victims_state": "2025-07-20",
                                                            "conapo_population": "2024-05-02"})
    result = make_result("homicide_rate_its_sesnsp")     # its data run through June 2025 (tests/fixtures/results.py)
    assert charts.source_line(result, "en") == (
        "Sources: SESNSP victims of crimes under state jurisdiction (fuero común), retrieved July 20, 2025; "
        "CONAPO population, retrieved May 2, 2024 · data through June 2025")
    assert charts.source_line(result, "es") == (
        "Fuentes: víctimas del SESNSP (fuero común), consultado el 20 de julio de 2025; población del CONAPO, "
        "consultado el 2 de mayo de 2024 · datos hasta junio de 2025")


def test_every_source_of_every_spec_names_raw_tables_that_have_a_retrieval_date():
    known = {s.name: s.retrieved for s in SOURCES}
    problems = {}
    for spec in load_specs():
        for i, source in enumerate(spec.data.sources):
            raw = source.get("raw") or []
            bad = [r for r in raw if not known.get(r)]
            if not raw or bad:
                problems[f"{spec.name}: data.sources.{i}"] = bad or "no raw tables"
    assert problems == {}, f"sources without raw tables of pipelines/sources/ that record `retrieved`: {problems}"
    assert retrieved_dates() == {name: date for name, date in known.items() if date}


def _lineage(manifest: dict, table: str) -> set[str]:
    """The raw tables (dbt sources) upstream of the warehouse table `schema.name`, by the manifest's parent_map."""
    nodes = {f"{n['schema']}.{n.get('alias') or n['name']}": uid for uid, n in manifest["nodes"].items()
             if n["resource_type"] in ("model", "seed", "snapshot")}
    found, todo, seen = set(), [nodes[table]], set()
    while todo:
        uid = todo.pop()
        for parent in manifest["parent_map"].get(uid, []):
            if parent.startswith("source."):
                source = manifest["sources"][parent]
                found.add(source.get("identifier") or source["name"])
            elif parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return found


def test_the_raw_tables_a_spec_names_are_upstream_of_its_table_in_dbt():
    """Each named raw table feeds the spec's `data.table` (dbt lineage); a spec cannot name a source its data do
    not come from."""
    from pipelines.dbt_project import ensure_manifest

    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    outside = {}
    for spec in load_specs():
        lineage = _lineage(manifest, spec.data.table)
        named = {r for source in spec.data.sources for r in source.get("raw") or []}
        if named - lineage:
            outside[spec.name] = sorted(named - lineage)
    assert outside == {}, f"raw tables not upstream of the spec's table: {outside}"
    assert _lineage(manifest, "marts.victims_sex_age_month") == {"sesnsp_victims_state"}   # the walk itself
