"""Every source's title, publisher and licence in Spanish (issue #18): the Data page's Spanish sections use them,
and only the English proper names a source lists (names_en) stay in English, marked lang="en". Expected texts are
written by hand here."""
from __future__ import annotations

import re

import pytest

from pipelines.assets.site import source_catalogue
from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.data_page import licence_text, prose
from pipelines.site.results import SiteInputs
from pipelines.sources import SOURCES
from tests.browser.english_words import allowed_english, english_words

# Lower-case words a Spanish text may share with its source's English texts, reviewed: Spanish words the English
# texts quote (dataset names, "fuero común"), words spelled alike in both languages, and parts of names (a file, a
# repository, a package). Any other shared lower-case word is English left untranslated ("by", "via", "package").
SHARED_WORDS = frozenset("""
a de del la por y abiertas común corregido delictiva federal fuentes fuero homicidio incidencia interactiva
metodología mortalidad municipal nueva
csv sdn git lapanquecita military operations yaml mxmaps
""".split())


def _without(text: str, names: tuple[str, ...]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text))


@pytest.mark.parametrize("spec", SOURCES, ids=lambda s: s.name)
def test_every_source_has_a_spanish_title_and_publisher(spec):
    english = f"{spec.title} {spec.publisher} {spec.licence}"
    for field in ("title", "publisher", "licence"):
        en, es = getattr(spec, field), spec.texts()[field]["es"]
        if field != "licence":
            assert getattr(spec, f"{field}_es").strip(), f"{spec.name}: no Spanish {field}"
        # a Spanish text equal to the English one only where the English is already Spanish or marked as a name
        assert es != en or not english_words(_without(en, spec.names_en)), f"{spec.name}: {field} not translated: {en!r}"
        spanish = _without(es, spec.names_en)
        assert english_words(spanish) == [], f"{spec.name}: English in the Spanish {field}: {spanish!r}"
        copied = {w for w in _words(spanish) & _words(english) if w.islower()} - SHARED_WORDS
        assert not copied, f"{spec.name}: English words copied into the Spanish {field}: {sorted(copied)}"


@pytest.mark.parametrize("spec", [s for s in SOURCES if s.names_en], ids=lambda s: s.name)
def test_english_names_of_a_source_are_in_its_spanish_texts_and_reviewed(spec):
    spanish = " ".join(text["es"] for text in spec.texts().values())
    for name in spec.names_en:
        assert name in spanish, f"{spec.name}: {name!r} is not in its Spanish texts"
        assert allowed_english(name), f"{spec.name}: {name!r} is not on ALLOWED_ENGLISH (tests/browser/english_words.py)"


def test_the_english_names_are_marked_only_on_pages_not_in_english():
    names = ("U.S. Customs and Border Protection", "Nationwide Drug Seizures")
    text = "U.S. Customs and Border Protection (Oficina), serie Nationwide Drug Seizures"
    assert prose(text, "es", names) == ('[U.S. Customs and Border Protection]{lang="en"} \\(Oficina\\), serie '
                                        '[Nationwide Drug Seizures]{lang="en"}')
    assert prose(text, "en", names) == "U.S. Customs and Border Protection \\(Oficina\\), serie Nationwide Drug Seizures"
    assert licence_text("CC BY 4.0", "es", ("CC BY 4.0",)) == \
        '[[CC BY 4.0]{lang="en"}](https://creativecommons.org/licenses/by/4.0/)'
    assert licence_text("datos abiertos; repositorio: MIT", "es") == \
        "datos abiertos; repositorio: [MIT](https://opensource.org/license/mit)"


def test_the_spanish_data_page_shows_the_spanish_texts(tmp_path):
    catalogue = {s["name"]: s for s in source_catalogue()}
    sources = [catalogue["cbp_drug_seizures_nationwide"], catalogue["sesnsp_lethal_violence_state_month"]]
    landing = [{"table_name": "cbp_drug_seizures_nationwide", "file": "nationwide-drugs-fy19-fy22.csv", "size_bytes": 10,
                "rows": 2, "sha256": "ab" * 32}]
    run_info = {"commit": "0123456", "version": "v1.0.0", "date": "2025-03-04"}
    published = publish(SITE_SOURCE_DIR, tmp_path / "site", SiteInputs(tmp_path / "results", landing, run_info, sources),
                        "v1.0.0")
    es = (published.path / "es" / "data.html").read_text(encoding="utf-8")
    en = (published.path / "en" / "data.html").read_text(encoding="utf-8")
    assert ('<h2 id="source-cbp_drug_seizures_nationwide">Decomisos de drogas de la CBP en todo Estados Unidos (oficinas '
            "de campo de la OFO, sectores de la Patrulla Fronteriza), por mes y droga, año fiscal 2019 – dic. 2025</h2>") in es
    assert ('<a href="https://www.cbp.gov/document/stats/nationwide-drug-seizures"><span lang="en">U.S. Customs and Border '
            'Protection</span> (Oficina de Aduanas y Protección Fronteriza de EE. UU.), serie <span lang="en">Nationwide '
            "Drug Seizures</span></a>") in es
    assert '<a href="https://www.law.cornell.edu/uscode/text/17/105">dominio público (EE. UU.)</a>' in es
    assert "SESNSP, archivos estatales de incidencia delictiva del fuero común, compilados por un tercero" in es
    assert 'href="#source-sesnsp_lethal_violence_state_month">Violencia homicida por estado y mes, SESNSP' in es
    assert "<td><code>nationwide-drugs-fy19-fy22.csv</code></td>" in es  # a file name is code, not prose
    # the English page is as the specs write it, with nothing marked
    assert ('<a href="https://www.cbp.gov/document/stats/nationwide-drug-seizures">U.S. Customs and Border Protection, '
            "Nationwide Drug Seizures</a>") in en
    assert "SESNSP lethal violence by state and month, 2024 – Jul 2025" in en and 'lang="en"' not in en.split("<main", 1)[-1]
