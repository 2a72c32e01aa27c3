"""The Data page: a table of contents and one section per source (pipelines/sources/ specs), each with its publisher
as a link, the date of the version held, its licence (a link when the licence has a page), its coverage and the
files as received (rows, size, SHA-256).

A source's title, publisher and licence are {en, es} (plain text is the same in both languages); on a page not in
English the English proper names the source lists ("names_en": agencies, datasets, licences) are marked lang="en"."""
from __future__ import annotations

import html
import re
from typing import Iterable

from evaluations import formats

from . import i18n
from .markdown import md_text

# Licences that have a page of their own, by the words a source spec uses for them (pipelines/sources/).
LICENCE_LINKS: dict[str, str] = {
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "BSD-3-Clause": "https://opensource.org/license/bsd-3-clause",
    "MIT": "https://opensource.org/license/mit",
    "Libre Uso MX": "https://www.datos.gob.mx/libreusomx",
    "INEGI Términos de Libre Uso de la Información": "https://www.inegi.org.mx/inegi/terminos.html",
    "U.S. public domain": "https://www.law.cornell.edu/uscode/text/17/105",
    "dominio público (EE. UU.)": "https://www.law.cornell.edu/uscode/text/17/105",
}

SAFE_URL = re.compile(r"^https://[^\s()<>\"'\\]+$")
FOLD_AFTER = 5  # sources with more files than this show them in a folded list
SHORT_HASH = 12  # characters of a file's SHA-256 shown on the page (the whole hash: hashes.csv, manifest.json)


def anchor(name: str) -> str:
    """The id of a source's section: #source-<raw table name>."""
    return "source-" + re.sub(r"[^a-z0-9_-]", "-", name.lower())


def _pieces(text: str, names: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is one of `names`), the longest name first where names overlap."""
    found = sorted({n for n in names if n and n in text}, key=len, reverse=True)
    if not found:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(n) for n in found))
    out, start = [], 0
    for match in pattern.finditer(text):
        out += [(text[start:match.start()], False), (match.group(0), True)]
        start = match.end()
    out.append((text[start:], False))
    return [(piece, name) for piece, name in out if piece]


def prose(text: str, lang: str, names: Iterable[str] = ()) -> str:
    """Markdown of a source's text in `lang`; on a page not in English each English proper name of `names` in it is
    marked as English (a span with lang="en")."""
    if lang == "en":
        return md_text(text)
    return "".join(f'[{md_text(piece)}]{{lang="en"}}' if name else md_text(piece) for piece, name in _pieces(text, names))


def link(text: str, url: str, lang: str = "en", names: Iterable[str] = ()) -> str:
    """Markdown link to an https address of a source spec; the text alone when the address is absent or unsafe."""
    shown = prose(text, lang, names)
    return f"[{shown}]({url})" if url and SAFE_URL.match(url) else shown


def licence_text(licence: str, lang: str = "en", names: Iterable[str] = ()) -> str:
    """The licence words of a spec, each licence with a page of its own as a link to it."""
    if not licence:
        return "—"
    return "".join(link(piece, LICENCE_LINKS[piece], lang, names) if known else prose(piece, lang, names)
                   for piece, known in _pieces(licence, LICENCE_LINKS))


def retrieved_text(date: str, lang: str) -> str:
    if not date:
        return i18n.t("not_recorded", lang)
    return i18n.t("retrieved_version", lang).format(date=formats.date(date, lang))


def coverage_text(source: dict, lang: str) -> str:
    """"unit: victims; geography: municipality; …" in the page's language (from the spec's tags), else the given text."""
    tags = source.get("tags")
    if tags:
        return "; ".join(f"{i18n.coverage_word(k, lang)}: {i18n.coverage_word(v, lang)}" for k, v in sorted(tags.items()))
    return str(source.get("coverage") or "")


def files_table(files: list[dict], lang: str) -> str:
    """The files of a source as a raw HTML table (class "files": long file names wrap on a phone)."""
    def cell(text: str, numeric: bool = False) -> str:
        return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"

    rows = ["<tr>" + cell(f'<code>{html.escape(str(f["file"]), quote=False)}</code>')
            + cell(formats.integer(f["rows"], lang) if f.get("rows") is not None else "—", True)
            + cell(formats.integer(f.get("size_bytes"), lang), True)
            + cell(f'<code title="{html.escape(f["sha256"])}">{html.escape(f["sha256"][:SHORT_HASH])}…</code>'
                   if f.get("sha256") else "—") + "</tr>" for f in files]
    head = (f'<th scope="col">{i18n.t("file", lang)}</th><th scope="col" class="num">{i18n.t("rows", lang)}</th>'
            f'<th scope="col" class="num">bytes</th><th scope="col">SHA-256</th>')
    table = ('<table class="files">\n<thead>\n<tr>' + head + "</tr>\n</thead>\n<tbody>\n" + "\n".join(rows)
             + "\n</tbody>\n</table>")
    if len(files) > FOLD_AFTER:  # a long list of files stays folded, so the page reads as one section per source
        table = (f"<details>\n<summary>{i18n.t('files', lang)}: {formats.integer(len(files), lang)}</summary>\n"
                 f"{table}\n</details>")
    return "```{=html}\n" + table + "\n```\n"


def title_text(source: dict, lang: str) -> str:
    """A source's title in `lang` as Markdown (its raw table's name when it has none)."""
    return prose(i18n.pick(source.get("title"), lang) or source["name"], lang, source.get("names_en") or ())


def source_section(source: dict, files: list[dict], lang: str) -> str:
    t = i18n.t
    names = source.get("names_en") or ()
    publisher = i18n.pick(source.get("publisher"), lang) or source["name"]
    facts = [
        f"- **{t('publisher', lang)}:** {link(publisher, source.get('url', ''), lang, names)}",
        f"- **{t('retrieved', lang)}:** {retrieved_text(source.get('retrieved', ''), lang)}",
        f"- **{t('licence', lang)}:** {licence_text(i18n.pick(source.get('licence'), lang), lang, names)}",
        f"- **{t('coverage', lang)}:** {md_text(coverage_text(source, lang))}",
        f"- **{t('raw_table', lang)}:** `raw.{source['name']}`",
    ]
    if not coverage_text(source, lang):
        facts.pop(3)
    body = files_table(files, lang) if files else ("No file of this source was loaded in this build.\n" if lang == "en" else
                                                    "Ningún archivo de esta fuente se cargó en esta versión.\n")
    return (f"## {title_text(source, lang)} {{#{anchor(source['name'])}}}\n\n"
            + "\n".join(facts) + "\n\n" + body)


def data_sources_section(landing_files: list[dict], sources: list[dict] | None = None, lang: str = "en") -> str:
    """Table of contents, then one section per source; files whose table no source names come last."""
    sources = list(sources or [])
    names = {s["name"] for s in sources}
    by_table: dict[str, list[dict]] = {}
    for f in landing_files:
        by_table.setdefault(str(f.get("table_name", "")), []).append(f)
    toc = "\n".join(f"- [{title_text(s, lang)}](#{anchor(s['name'])})" for s in sources)
    out = [f'<nav class="toc" aria-label="{i18n.t("contents", lang)}">\n\n**{i18n.t("contents", lang)}**\n\n{toc}\n\n</nav>\n'
           if sources else ""]
    out += [source_section(s, by_table.get(s["name"], []), lang) for s in sources]
    others = [f for table, files in sorted(by_table.items()) if table not in names for f in files]
    if others:
        out.append(f"## {i18n.t('other_files', lang)} {{#source-other}}\n\n" + files_table(others, lang))
    out.append("Each folder's `SOURCE.md` in the repository's `data/` gives the full provenance; every file's whole "
               "SHA-256 is in the reproducibility page's hashes file.\n" if lang == "en" else
               "El archivo `SOURCE.md` de cada carpeta de `data/` en el repositorio da la procedencia completa; el SHA-256 "
               "completo de cada archivo está en el archivo de hashes de la página de reproducibilidad.\n")
    return "\n".join(out)
