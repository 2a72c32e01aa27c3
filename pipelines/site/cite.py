"""How to cite a site version: APA and BibTeX from CITATION.cff, with the version and date of the run.

CITATION.cff (Citation File Format 1.2.0) is the one description of the platform as a citable work: title,
authors, licence, DOI when it has one. The version and the date are the run's (run_info "version" and "date",
the date of the commit that was run), so a citation names the release whose manifest holds the numbers.
"""
from __future__ import annotations

import html
from pathlib import Path

import yaml

from . import i18n
from .links import CITE


def load_citation(path: Path) -> dict:
    """CITATION.cff as a dict ({} when the file is absent)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def _person(author: dict) -> tuple[str, str]:
    """(APA name, BibTeX name) of one CFF author: a person ("Family, G. N.") or an entity (its name)."""
    family, given = str(author.get("family-names", "")).strip(), str(author.get("given-names", "")).strip()
    if not family:
        name = str(author.get("name", "")).strip()
        return name, "{" + name + "}"
    initials = " ".join(part[0] + "." for part in given.replace(".", " ").split() if part)
    return (f"{family}, {initials}" if initials else family), (f"{family}, {given}" if given else family)


def _apa_authors(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


def doi_url(citation: dict) -> str:
    doi = str(citation.get("doi") or "").strip()
    return f"https://doi.org/{doi}" if doi else ""


def link_of(citation: dict) -> str:
    """The DOI's address when the work has a DOI, else its repository or web address ("" when none)."""
    return doi_url(citation) or str(citation.get("repository-code") or citation.get("url") or "").strip()


def year_of(date: str) -> str:
    return date[:4] if len(date or "") >= 4 and date[:4].isdigit() else ""


def version_label(run_info: dict) -> str:
    """The release tag; a development build names its commit too (a "dev" site is rebuilt at every run)."""
    version = str(run_info.get("version", "dev"))
    return f"{version}, commit {run_info.get('commit', 'unknown')}" if version == "dev" else version


def apa(citation: dict, run_info: dict, lang: str) -> str:
    """APA 7 reference of the software, as plain text, e.g.
    'Doe, J. (2026). Title (Version v1.0.0) [Computer software]. https://doi.org/…'."""
    authors = _apa_authors([_person(a)[0] for a in citation.get("authors") or []])
    year = year_of(str(run_info.get("date", ""))) or ("s. f." if lang == "es" else "n.d.")
    title = str(citation.get("title", "")).strip()
    kind = "[Software]" if lang == "es" else "[Computer software]"
    version = ("Versión " if lang == "es" else "Version ") + version_label(run_info)
    text = f"{authors}. ({year}). {title} ({version}) {kind}."
    link = link_of(citation)
    return text + (f" {link}" if link else "")


def bibtex(citation: dict, run_info: dict) -> str:
    """A BibTeX @software entry (biblatex type) for the version that was run."""
    authors = " and ".join(_person(a)[1] for a in citation.get("authors") or [])
    version = str(run_info.get("version", "dev"))
    fields = [("author", authors), ("title", "{" + str(citation.get("title", "")).strip() + "}"),
              ("year", year_of(str(run_info.get("date", "")))), ("version", version_label(run_info)),
              ("date", str(run_info.get("date", ""))), ("doi", str(citation.get("doi") or "")),
              ("url", link_of(citation)), ("license", str(citation.get("license") or ""))]
    key = "bicentennial_" + "".join(c if c.isalnum() else "_" for c in version)
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@software{{{key},\n{body}\n}}"


def cite_box(citation: dict, run_info: dict, lang: str) -> str:
    """The "Cite this" box (id "cite", the target of links.CITE): APA and BibTeX, the DOI when there is one."""
    anchor = CITE.split("#", 1)[1]
    if not citation:
        return f'::: {{#{anchor} .cite}}\n## {i18n.t("cite_title", lang)}\n\n{i18n.t("cite_missing", lang)}\n:::\n'
    doi = str(citation.get("doi") or "").strip()
    doi_line = (f'<p>DOI: <a href="{html.escape(doi_url(citation))}">{html.escape(doi)}</a></p>\n' if doi else "")
    return (f'::: {{#{anchor} .cite}}\n## {i18n.t("cite_title", lang)}\n\n'
            f'<p>{html.escape(i18n.t("cite_intro", lang))}</p>\n'
            f'{doi_line}'
            f'<p><strong>APA</strong></p>\n<p class="apa">{html.escape(apa(citation, run_info, lang))}</p>\n'
            f'<p><strong>BibTeX</strong></p>\n<pre class="bibtex"><code>{html.escape(bibtex(citation, run_info))}</code></pre>\n\n'
            f'{i18n.t("cite_data", lang)}\n:::\n')
