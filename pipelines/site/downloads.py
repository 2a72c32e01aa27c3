""""Download all results": <version>/downloads/results.zip (links.ALL_RESULTS_ZIP), one per site version.

Every CSV and JSON file of the run's results (evaluations, maps, spatial analyses, data checks, data gaps, the
publication audit, the lines of action, manifest.json; no images or HTML), plus a bilingual README.txt. The zip is
deterministic: entries sorted by name, one fixed timestamp (the date of the commit), fixed permissions and
compression, so two builds of the same results give the same bytes.
"""
from __future__ import annotations

import datetime as _dt
import os
import zipfile
from pathlib import Path

from .cite import apa, version_label
from .i18n import LANGS
from .links import ALL_RESULTS_ZIP

KINDS = (".csv", ".json")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold; used when the run has no commit date


def zip_path(version_dir: Path) -> Path:
    """Where the zip goes in a rendered version folder (ALL_RESULTS_ZIP is relative to a language folder)."""
    return Path(os.path.normpath(version_dir / LANGS[0] / ALL_RESULTS_ZIP))


def result_files(results_dir: Path) -> list[Path]:
    """Every CSV and JSON file under results_dir, by path (files and folders starting with '.' left out)."""
    return sorted((p for p in results_dir.rglob("*") if p.is_file() and p.suffix.lower() in KINDS
                   and not any(part.startswith(".") for part in p.relative_to(results_dir).parts)),
                  key=lambda p: p.relative_to(results_dir).as_posix())


def folder_name(run_info: dict) -> str:
    return f"bicentennial-results-{run_info.get('version', 'dev')}"


def _timestamp(run_info: dict) -> tuple[int, int, int, int, int, int]:
    try:
        day = _dt.date.fromisoformat(str(run_info.get("date", ""))[:10])
    except ValueError:
        return FIXED_TIME
    return (day.year, day.month, day.day, 0, 0, 0) if day.year >= 1980 else FIXED_TIME


FOLDERS = [  # (path prefix, English, Spanish)
    ("manifest.json", "what the run used (commit, lock file, SHA-256 of every input) and every number it produced, "
                      "with the hashes of every table and file; `bicentennial reproduce` compares a rerun with it",
     "lo que usó la ejecución (commit, archivo de bloqueo, SHA-256 de cada insumo) y cada cifra que produjo, con los "
     "hashes de cada tabla y archivo; `bicentennial reproduce` compara una nueva ejecución con él"),
    ("evaluations/", "one folder per evaluation: result.json (design, data, every estimate with its confidence "
                     "interval, diagnostics, evidence grade; docs/RESULT_SCHEMA.md in the repository) and its tables as CSV",
     "una carpeta por evaluación: result.json (diseño, datos, cada estimación con su intervalo de confianza, "
     "diagnósticos, grado de evidencia; docs/RESULT_SCHEMA.md en el repositorio) y sus tablas en CSV"),
    ("maps/", "change maps: the change per municipality (change.csv) and its summary (summary.json)",
     "mapas de cambio: el cambio por municipio (change.csv) y su resumen (summary.json)"),
    ("spatial/", "spatial analyses: hot spots and spillover estimates (JSON)",
     "análisis espaciales: puntos calientes y estimaciones de derrame (JSON)"),
    ("quality/", "the outcome of every data check, one file per checked table",
     "el resultado de cada verificación de datos, un archivo por tabla verificada"),
    ("publication_audit.json", "the publication rules applied to every evaluation: grades, directions, q-values",
     "las reglas de publicación aplicadas a cada evaluación: grados, direcciones, valores q"),
    ("data_gaps.json", "what the data cannot measure yet, per line of action",
     "lo que los datos aún no pueden medir, por línea de acción"),
    ("lines_of_action.json", "every line of action of the Framework with the evaluations that cover it",
     "cada línea de acción del Entendimiento con las evaluaciones que la cubren"),
]


def readme(run_info: dict, names: list[str]) -> str:
    """README.txt: what each file is, the version and commit, how to cite, the licences (English, then Spanish)."""
    citation = run_info.get("citation") or {}
    licence = citation.get("license") or "—"
    present = [(prefix, en, es) for prefix, en, es in FOLDERS if any(n == prefix or n.startswith(prefix) for n in names)]
    version, commit, date = run_info.get("version", "dev"), run_info.get("commit", "unknown"), run_info.get("date") or "—"
    lines = [f"Bicentennial Framework evaluation platform: all results of version {version_label(run_info)}",
             f"Evaluación del Entendimiento Bicentenario: todos los resultados de la versión {version_label(run_info)}",
             "", f"Version / Versión: {version}", f"Commit: {commit}", f"Date of the commit / Fecha del commit: {date}",
             f"Files / Archivos: {len(names)} (CSV and JSON / CSV y JSON)", "",
             "== English ==", "", "What each file is:"]
    lines += [f"- {prefix}: {en}" for prefix, en, _ in present]
    lines += ["", "How to cite:", apa(citation, run_info, "en") if citation else "see CITATION.cff in the repository", "",
              f"Licence: the platform's code is under the {licence} licence (CITATION.cff). The results are derived from "
              "public data sources, each under its own licence (publisher, licence and link on the site's Data page): cite "
              "those sources too.", "",
              "== Español ==", "", "Qué es cada archivo:"]
    lines += [f"- {prefix}: {es}" for prefix, _, es in present]
    lines += ["", "Cómo citar:", apa(citation, run_info, "es") if citation else "vea CITATION.cff en el repositorio", "",
              f"Licencia: el código de la plataforma está bajo la licencia {licence} (CITATION.cff). Los resultados provienen "
              "de fuentes de datos públicas, cada una con su propia licencia (editor, licencia y enlace en la página Datos del "
              "sitio): cite también esas fuentes.", "", "== Files / Archivos ==", ""]
    lines += names
    return "\n".join(lines) + "\n"


def write_results_zip(results_dir: Path, target: Path, run_info: dict) -> Path:
    """The deterministic zip of every result's CSV and JSON plus README.txt, at `target`."""
    files = result_files(results_dir)
    names = [p.relative_to(results_dir).as_posix() for p in files]
    root, stamp = folder_name(run_info), _timestamp(run_info)
    entries = [(f"{root}/README.txt", readme(run_info, names).encode("utf-8"))]
    entries += [(f"{root}/{name}", path.read_bytes()) for name, path in zip(names, files)]
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compresslevel=9)
    temporary.replace(target)
    return target
