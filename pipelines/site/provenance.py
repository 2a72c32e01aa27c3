"""The Data sources and Reproducibility pages, and the build line of every page."""
from __future__ import annotations

import html
import json
from pathlib import Path

from evaluations import formats

from .markdown import md_text, table_html, table_md


def data_sources_section(landing_files: list[dict], sources: list[dict] | None = None, lang: str = "en") -> str:
    en = lang == "en"
    meta = {s["name"]: s for s in sources or []}
    out = []
    if meta:
        rows = [[md_text(s["name"]), md_text(s.get("title", "")), md_text(s.get("publisher", "")) or "—",
                 md_text(s.get("coverage", "")) or "—", md_text(s.get("licence", "")) or "—"] for s in meta.values()]
        out.append(table_md(["table" if en else "tabla", "Source" if en else "Fuente", "Publisher" if en else "Editor",
                             "Coverage" if en else "Cobertura", "Licence" if en else "Licencia"], rows))
    rows = [[md_text(f["table_name"]), md_text(f["file"]), formats.integer(f.get("size_bytes"), lang),
             formats.integer(f["rows"], lang) if f.get("rows") is not None else "—", f"<code>{md_text(f['sha256'])}</code>" if f.get("sha256") else "—"]
            for f in landing_files]
    out.append(("Files as received, identified by their SHA-256:\n\n" if en else
                "Archivos tal como se recibieron, identificados por su SHA-256:\n\n")
               + table_md(["table" if en else "tabla", "file" if en else "archivo", "bytes", "rows" if en else "filas", "SHA-256"], rows, "llrrl"))
    out.append("Each folder's SOURCE.md in the repository's `data/` gives the full provenance.\n" if en else
               "El archivo SOURCE.md de cada carpeta de `data/` en el repositorio da la procedencia completa.\n")
    return "\n".join(out)


def reproducibility_section(run_info: dict, results_dir: Path, landing_files: list[dict], lang: str) -> str:
    en = lang == "en"
    version = run_info.get("version", "dev")
    facts = [["Version" if en else "Versión", f"<code>{md_text(version)}</code>"],
             ["Commit", f"<code>{md_text(run_info.get('commit', 'unknown'))}</code>"],
             ["Lock file SHA-256" if en else "SHA-256 del archivo de bloqueo", f"<code>{md_text(run_info.get('lock_sha256', '—'))}</code>"]]
    out = [table_md(["", ""], facts)]
    manifest_path = results_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        out.append(("## Result manifest\n\n" if en else "## Manifiesto de resultados\n\n")
                   + ("Every published number and the hashes of everything that produced it "
                      "([manifest.json](../manifest.json), which `bicentennial reproduce` compares a rerun with):\n\n" if en else
                      "Cada número publicado y los hashes de todo lo que lo produjo "
                      "([manifest.json](../manifest.json), con el que `bicentennial reproduce` compara una nueva ejecución):\n\n")
                   + table_html(["key" if en else "clave", "value" if en else "valor"], _flatten_rows(manifest)))
    else:
        out.append(("## Input files\n\n" if en else "## Archivos de entrada\n\n")
                   + table_md(["file" if en else "archivo", "SHA-256"],
                              [[md_text(f["file"]), f"<code>{md_text(f['sha256'])}</code>"] for f in landing_files]))
    checkout = "" if version == "dev" else f"git checkout {version}\n"
    out.append(("## How to rerun\n\n" if en else "## Cómo volver a ejecutar\n\n")
               + ("With Python 3.11 and `make`, from a clone of the repository:\n\n" if en else
                  "Con Python 3.11 y `make`, desde un clon del repositorio:\n\n")
               + f"```\n{checkout}make run     # locked environment (requirements.lock), whole pipeline, site\nmake test\n```\n\n"
               + ("The environment is installed from the hashed lock whose SHA-256 is above; every input file is "
                  "checked against its SHA-256; results carry no wall-clock time, so a rerun gives the same numbers."
                  if en else
                  "El entorno se instala desde el archivo de bloqueo con hashes cuyo SHA-256 aparece arriba; cada archivo de "
                  "entrada se verifica contra su SHA-256; los resultados no registran la hora, así que una nueva ejecución da los mismos números.")
               + "\n")
    return "\n".join(out)


def _flatten_rows(value, prefix: str = "") -> list[list[str]]:
    rows: list[list[str]] = []
    if isinstance(value, dict):
        for key in sorted(value):
            rows += _flatten_rows(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
        for i, item in enumerate(value):
            rows += _flatten_rows(item, f"{prefix}[{i}]")
    else:
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
        rows.append([f"<code>{html.escape(prefix)}</code>", html.escape(text)])
    return rows


def run_section(run_info: dict, lang: str = "en") -> str:
    return (f'<p class="note">{"Built from commit" if lang == "en" else "Generado a partir del commit"} '
            f'{md_text(run_info.get("commit", "unknown"))}, {"version" if lang == "en" else "versión"} '
            f'{md_text(run_info.get("version", "dev"))}.</p>\n')
