"""The Reproducibility page as a summary: what was run (version, commit, date), with which lock, what it produced,
how to rerun it, links to manifest.json and to every hash as a CSV file written beside the page; the "Cite this"
box. Also the build line of the home page."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from evaluations import formats

from . import i18n
from .cite import cite_box
from .links import ALL_RESULTS_ZIP
from .markdown import md_text, table_md

HASHES_CSV = "hashes.csv"  # beside the page: <version>/<lang>/hashes.csv
MANIFEST = "../manifest.json"  # <version>/manifest.json (bicentennial reproduce compares a rerun with it)
HASH_COLUMNS = ["kind", "name", "table", "rows", "bytes", "hash", "hash_method"]


def load_manifest(results_dir: Path) -> dict | None:
    path = results_dir / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def hash_rows(manifest: dict | None, landing_files: list[dict]) -> list[dict]:
    """Every hash of the run: input files (SHA-256), warehouse tables (the manifest's table hash), result files
    (SHA-256), in the manifest's order. Without a manifest, the input files as loaded."""
    if manifest is None:
        return [{"kind": "input_file", "name": f["file"], "table": f"raw.{f.get('table_name', '')}", "rows": f.get("rows"),
                 "bytes": f.get("size_bytes"), "hash": f.get("sha256", ""), "hash_method": "sha256"} for f in landing_files]
    rows = [{"kind": "input_file", "name": name, "table": entry.get("table", ""), "rows": entry.get("rows"),
             "bytes": entry.get("bytes"), "hash": entry.get("sha256", ""), "hash_method": "sha256"}
            for name, entry in (manifest.get("inputs") or {}).items()]
    rows += [{"kind": "table", "name": name, "table": name, "rows": entry.get("rows"), "bytes": None,
              "hash": entry.get("hash", ""), "hash_method": manifest.get("table_hash_method", "")}
             for name, entry in (manifest.get("tables") or {}).items()]
    rows += [{"kind": "result_file", "name": name, "table": "", "rows": None, "bytes": None, "hash": digest,
              "hash_method": "sha256"} for name, digest in (manifest.get("artifacts") or {}).items()]
    return rows


def hashes_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, HASH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: ("" if row.get(k) is None else row[k]) for k in HASH_COLUMNS} for row in rows])
    return out.getvalue()


def write_hashes(results_dir: Path, landing_files: list[dict], folder: Path) -> Path:
    """folder/hashes.csv (folder: a language folder of the rendered site)."""
    path = folder / HASHES_CSV
    path.write_text(hashes_csv(hash_rows(load_manifest(results_dir), landing_files)), encoding="utf-8")
    return path


def _code(text) -> str:
    return f"<code>{md_text(text)}</code>"


def rerun_commands(version: str, commit: str) -> str:
    if version == "dev":
        return f"git checkout {commit}\nmake run"
    return f"make env && .venv/bin/bicentennial reproduce {version}"


def reproducibility_section(run_info: dict, results_dir: Path, landing_files: list[dict], lang: str) -> str:
    en = lang == "en"
    manifest = load_manifest(results_dir)
    code = (manifest or {}).get("code") or {}
    environment = (manifest or {}).get("environment") or {}
    version = str(run_info.get("version", "dev"))
    commit = code.get("commit") or run_info.get("commit", "unknown")
    version_text = _code(version) + ("" if version != "dev" else (" (development build, not a release)" if en else
                                                                   " (versión de desarrollo, no es una publicación)"))
    facts = [["Version" if en else "Versión", version_text],
             ["Commit", _code(commit) + (" (with uncommitted changes)" if en else " (con cambios sin confirmar)")
              * bool(code.get("dirty"))],
             ["Date of the commit" if en else "Fecha del commit", formats.date(run_info.get("date"), lang)],
             ["Lock file" if en else "Archivo de bloqueo",
              f"{_code(environment.get('lock_file', 'requirements.lock'))}, SHA-256 "
              f"{_code(environment.get('lock_sha256') or run_info.get('lock_sha256') or '—')}"]]
    if environment.get("python"):
        facts.append(["Environment" if en else "Entorno", md_text(f"Python {environment['python']}, {environment.get('platform', '')}")])
    out = ["## What was run\n\n" if en else "## Qué se ejecutó\n\n",
           table_md(["What" if en else "Qué", "Value" if en else "Valor"], facts)]
    rows = hash_rows(manifest, landing_files)
    count = {kind: sum(r["kind"] == kind for r in rows) for kind in ("input_file", "table", "result_file")}
    n = {k: formats.integer(v, lang) for k, v in count.items()}
    hashes_link = f"[{HASHES_CSV}]({HASHES_CSV})"
    out.append("## What it produced\n\n" if en else "## Qué produjo\n\n")
    if manifest is not None:
        estimates = formats.integer(len(manifest.get("estimates") or {}), lang)
        checks = manifest.get("quality") or {}
        passed = formats.integer(sum(bool(c.get("passed")) for c in checks.values()), lang)
        out.append((f"- [manifest.json]({MANIFEST}): every published number ({estimates} estimates) and the hashes of "
                    f"everything that produced it; `bicentennial reproduce` compares a rerun with it.\n"
                    f"- {hashes_link}: every hash in one table ({formats.integer(len(rows), lang)} rows): {n['input_file']} input "
                    f"files (SHA-256), {n['table']} warehouse tables (content hash), {n['result_file']} result files (SHA-256).\n"
                    f"- Data checks: {passed} of {formats.integer(len(checks), lang)} passed.\n") if en else
                   (f"- [manifest.json]({MANIFEST}): cada cifra publicada ({estimates} estimaciones) y los hashes de todo lo "
                    f"que la produjo; `bicentennial reproduce` compara una nueva ejecución con él.\n"
                    f"- {hashes_link}: todos los hashes en una tabla ({formats.integer(len(rows), lang)} filas): {n['input_file']} "
                    f"archivos de entrada (SHA-256), {n['table']} tablas del almacén (hash del contenido), {n['result_file']} "
                    f"archivos de resultados (SHA-256).\n"
                    f"- Verificaciones de datos: {passed} de {formats.integer(len(checks), lang)} aprobadas.\n"))
    else:
        out.append((f"This build has no result manifest. {hashes_link}: the SHA-256 of the {n['input_file']} input files.\n")
                   if en else
                   (f"Esta versión no tiene manifiesto de resultados. {hashes_link}: el SHA-256 de los {n['input_file']} "
                    "archivos de entrada.\n"))
    out.append(f"- [{i18n.t('download_all', lang)}]({ALL_RESULTS_ZIP}): "
               + ("every result's CSV and JSON, the manifest and a README, in one zip file.\n" if en else
                  "los CSV y JSON de cada resultado, el manifiesto y un README, en un archivo zip.\n"))
    intro = ("With Python 3.11 and `make`, from a clone of the repository:" if en else
             "Con Python 3.11 y `make`, desde un clon del repositorio:")
    explain = (("`bicentennial reproduce` checks out the tag, installs its locked environment, runs the whole pipeline and "
                "compares every number and hash with this version's manifest.json." if en else
                "`bicentennial reproduce` obtiene la etiqueta, instala su entorno bloqueado, ejecuta todo el proceso y compara "
                "cada cifra y hash con el manifest.json de esta versión.") if version != "dev" else
               ("A development build has no release tag for `bicentennial reproduce`: rerun its commit"
                + (" and compare `build/results/manifest.json` with this version's manifest.json." if manifest else ".") if en else
                "Una versión de desarrollo no tiene etiqueta para `bicentennial reproduce`: vuelva a ejecutar su commit"
                + (" y compare `build/results/manifest.json` con el manifest.json de esta versión." if manifest else ".")))
    out.append(("## How to rerun\n\n" if en else "## Cómo volver a ejecutar\n\n")
               + f"{intro}\n\n```\n{rerun_commands(version, commit)}\n```\n\n{explain}\n")
    out.append(cite_box(run_info.get("citation") or {}, run_info, lang))
    return "\n".join(out)


def run_section(run_info: dict, lang: str = "en") -> str:
    return (f'<p class="note">{"Built from commit" if lang == "en" else "Generado a partir del commit"} '
            f'{md_text(run_info.get("commit", "unknown"))}, {"version" if lang == "en" else "versión"} '
            f'{md_text(run_info.get("version", "dev"))}.</p>\n')
