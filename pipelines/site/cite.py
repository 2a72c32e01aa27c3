"""How to cite a site version: APA and BibTeX from CITATION.cff, with the version and date of the run.

CITATION.cff (Citation File Format 1.2.0) is the one description of the platform as a citable work: title,
authors, licence, DOI when it has one. The version and the date are the run's (run_info "version" and "date",
the date of the commit that was run), so a citation names the release whose manifest holds the numbers.

CITATION.cff is written in English: on a page in another language the work's title and the names of its entity
authors are proper names quoted in English, marked lang="en" (people's names are not marked).
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


def _apa_authors(names: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """APA's list of authors ("A, B, & C") as (text, English) pieces, from (name, English) pairs."""
    pieces: list[tuple[str, bool]] = []
    for i, name in enumerate(names):
        if i:
            pieces.append((", & " if i == len(names) - 1 else ", ", False))
        pieces.append(name)
    return pieces


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


def apa_pieces(citation: dict, run_info: dict, lang: str) -> list[tuple[str, bool]]:
    """The APA 7 reference as (text, quoted in English) pieces: the title and the entity authors of CITATION.cff
    are English names."""
    authors = _apa_authors([(_person(a)[0], not str(a.get("family-names", "")).strip())
                            for a in citation.get("authors") or []])
    year = year_of(str(run_info.get("date", ""))) or ("s. f." if lang == "es" else "n.d.")
    title = str(citation.get("title", "")).strip()
    kind = "[Software]" if lang == "es" else "[Computer software]"
    version = ("Versión " if lang == "es" else "Version ") + version_label(run_info)
    link = link_of(citation)
    return [*authors, (f". ({year}). ", False), (title, True),
            (f" ({version}) {kind}." + (f" {link}" if link else ""), False)]


def apa(citation: dict, run_info: dict, lang: str) -> str:
    """APA 7 reference of the software, as plain text, e.g.
    'Doe, J. (2026). Title (Version v1.0.0) [Computer software]. https://doi.org/…'."""
    return "".join(text for text, _ in apa_pieces(citation, run_info, lang))


def apa_html(citation: dict, run_info: dict, lang: str) -> str:
    """`apa` as HTML; on a page not in English the English names are in spans with lang="en"."""
    return "".join(f'<span lang="en">{html.escape(text)}</span>' if english and lang != "en" and text else html.escape(text)
                   for text, english in apa_pieces(citation, run_info, lang))


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
            f'<p><strong>APA</strong></p>\n<p class="apa">{apa_html(citation, run_info, lang)}</p>\n'
            f'<p><strong>BibTeX</strong></p>\n<pre class="bibtex"><code>{html.escape(bibtex(citation, run_info))}</code></pre>\n\n'
            f'{i18n.t("cite_data", lang)}\n:::\n')
