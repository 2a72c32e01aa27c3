"""The published site read as a policymaker reads it (issue #18), in Debian's Chromium via Playwright, at 1280 px
and 390 px, in both languages, served from 127.0.0.1: no horizontal scrolling, zero serious or critical axe-core
violations, headings in order, visible keyboard focus, no English on Spanish pages outside marked and reviewed
passages, page weight within budget. Screenshots of every page at both widths are saved as test artefacts
(BICENTENNIAL_TEST_ARTIFACTS, default build/test-artifacts/screenshots)."""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser.english_words import allowed_english, english_words
from tests.browser.support import CHROMIUM, local_only_context, serve
from tests.conftest import REPO_ROOT, missing_system_dependency

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

WIDTHS = {"wide": (1280, 800), "phone": (390, 844)}
LANGS = ("en", "es")
PAGE_BUDGET = 3_000_000  # bytes: a page with every local script, style, image and data file it loads
HOME_BUDGET = 300_000


def version_folder(site: Path) -> Path:
    """The folder of the version `latest` names (versions.json), e.g. site/dev."""
    versions = json.loads((site / "versions.json").read_text())
    latest = next(v["version"] for v in versions if "latest" in v.get("aliases", []))
    return site / latest


@pytest.fixture(scope="module")
def site(pipeline_build) -> Path:
    if not Path(CHROMIUM).exists():
        missing_system_dependency(f"{CHROMIUM} is missing and could not be installed here: scripts/test-system-deps "
                                  "installs Debian's chromium (needs root and apt-get)")
    return pipeline_build / "site"


@pytest.fixture(scope="module")
def pages(site) -> list[str]:
    """Every page of the latest version in both languages, as URL paths ("dev/es/goal-1.html"), and each
    language's interactive map pages ("dev/es/figures/<name>_change_map.es.html")."""
    root = version_folder(site)
    found = sorted(p.relative_to(site).as_posix() for lang in LANGS for p in (root / lang).glob("*.html"))
    assert len(found) >= 16, found
    maps = [p.relative_to(site).as_posix() for lang in LANGS for p in map_pages(site, lang)]
    assert len(maps) >= 2 and all(".es.html" in m for m in maps if "/es/" in m), maps
    return found + maps


def map_pages(site: Path, lang: str) -> list[Path]:
    """The interactive map pages of one language (English: <name>_change_map.html; others: .<lang>.html)."""
    pages = sorted((version_folder(site) / lang / "figures").glob("*_change_map*.html"))
    return [p for p in pages if p.name.endswith(".html" if lang == "en" else f".{lang}.html")
            and (lang != "en" or p.suffixes == [".html"])]


@pytest.fixture(scope="module")
def server(site):
    with serve(site) as url:
        yield url


def artefacts() -> Path:
    folder = Path(os.environ.get("BICENTENNIAL_TEST_ARTIFACTS") or REPO_ROOT / "build" / "test-artifacts") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def readings(browser, server, pages) -> dict:
    """Each page at each width, loaded once: overflow, axe violations, headings, screenshot; requests outside
    127.0.0.1 recorded and aborted."""
    from axe_playwright_python.sync_playwright import Axe

    axe, out, outside, shots = Axe(), {}, [], artefacts()
    for width, (w, h) in WIDTHS.items():
        context = local_only_context(browser, w, h)
        page = context.new_page()
        for path in pages:
            page.goto(f"{server}/{path}", wait_until="load")
            found = {
                "overflow": page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
                "headings": page.evaluate("[...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, "
                                          "main h6, h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1])"),
            }
            violations = axe.run(page).response["violations"]
            found["axe"] = [f"{v['id']} ({v['impact']}): {len(v['nodes'])} × {v['nodes'][0]['target']}"
                            for v in violations if v["impact"] in ("serious", "critical")]
            page.screenshot(path=str(shots / f"{path.replace('/', '_').removesuffix('.html')}_{width}.png"))
            out[(path, width)] = found
        outside += context.outside
        context.close()
    out["outside"] = outside
    return out


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_scrolling(readings, pages, width):
    wide = {path: readings[(path, width)]["overflow"] for path in pages if readings[(path, width)]["overflow"] > 0}
    assert wide == {}, f"pages wider than {WIDTHS[width][0]} px (extra px): {wide}"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_or_critical_accessibility_violations(readings, pages, width):
    bad = {path: readings[(path, width)]["axe"] for path in pages if readings[(path, width)]["axe"]}
    assert bad == {}, f"axe-core serious/critical violations at {width}: {bad}"


def test_headings_in_order(readings, pages):
    """One h1, and no level skipped on the way down (h2 → h4 would lose a screen reader's outline)."""
    for path in pages:
        levels = readings[(path, "wide")]["headings"]
        assert levels.count(1) == 1, f"{path}: {levels.count(1)} h1 headings"
        jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        assert not jumps, f"{path}: heading levels skip {jumps}"


def test_nothing_requested_outside_127_0_0_1(readings):
    assert readings["outside"] == []


FOCUS_STYLE = """el => { const s = getComputedStyle(el);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none'); }"""


@pytest.mark.parametrize("lang", LANGS)
def test_keyboard_focus_is_visible_on_every_control(browser, server, pages, lang):
    """Tab through the home page and the Goal I page: each control that takes focus shows an outline or a ring."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    for path in [p for p in pages if p.split("/")[-2] == lang and p.endswith(("index.html", "goal-1.html"))]:
        page.goto(f"{server}/{path}")
        seen = 0
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate_handle("document.activeElement")
            if page.evaluate("el => el === document.body", focused):
                break
            name = page.evaluate("el => el.tagName + ' ' + (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)",
                                 focused)
            assert page.evaluate(FOCUS_STYLE, focused), f"{path}: no visible focus on {name}"
            seen += 1
        assert seen >= 5, f"{path}: only {seen} controls reachable with Tab"
    page.close()


class _Text(HTMLParser):
    """The prose of a page in its own language, and the passages it marks as English (lang="en"). Code, scripts
    and styles are skipped; an image's alt text is prose."""
    SKIP = {"script", "style", "code", "pre", "noscript", "template"}
    VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base", "embed", "track"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[bool, bool]] = []  # (skipped, english) per open element
        self.prose: list[str] = []
        self.english: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skipped = tag in self.SKIP or (self.stack and self.stack[-1][0])
        english = (a.get("lang") or "").startswith("en") or (bool(self.stack) and self.stack[-1][1])
        if tag == "img" and a.get("alt"):
            (self.english[-1] if english and self.english else self.prose).append(a["alt"])
        if tag in self.VOID:
            return
        if english and not (self.stack and self.stack[-1][1]):
            self.english.append([])
        self.stack.append((bool(skipped), english))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][0]:
            return
        if self.stack and self.stack[-1][1]:
            self.english[-1].append(data)
        else:
            self.prose.append(data)


def spanish_pages(site: Path) -> list[Path]:
    return sorted((version_folder(site) / "es").glob("*.html")) + map_pages(site, "es")


def test_no_english_words_on_spanish_pages(site):
    leaks = {}
    for page in spanish_pages(site):
        text = _Text()
        text.feed(page.read_text(encoding="utf-8"))
        words = english_words(" ".join(text.prose))
        if words:
            leaks[page.name] = sorted(set(words))[:25]
    assert leaks == {}, f"English words on Spanish pages (outside lang=\"en\" passages): {leaks}"


def test_english_passages_on_spanish_pages_are_reviewed(site):
    unreviewed = {}
    for page in spanish_pages(site):
        text = _Text()
        text.feed(page.read_text(encoding="utf-8"))
        bad = [" ".join("".join(p).split()) for p in text.english if not allowed_english("".join(p))]
        if bad:
            unreviewed[page.name] = bad[:10]
    assert unreviewed == {}, f"passages marked English that are not on the reviewed list: {unreviewed}"


LOCAL_REF = re.compile(r"""(?:src|href|data-src|data-spec|data-csv)\s*=\s*["']([^"'#?]+)""")


def page_weight(page: Path) -> tuple[int, list[str]]:
    """Bytes of the page and of every local file it loads or links for display (scripts, styles, images, chart
    data); downloads (`download` links, .csv/.zip/.json behind a link) are not loaded by the page and not counted."""
    html = page.read_text(encoding="utf-8")
    total, files = page.stat().st_size, []
    for match in LOCAL_REF.finditer(html):
        ref = match.group(1)
        tag_start = html.rfind("<", 0, match.start())
        tag = html[tag_start:match.start()]
        if "://" in ref or ref.startswith(("mailto:", "data:")):
            continue
        if tag.startswith(("<a ", "<a\n", "<area")):
            continue  # a link the reader may follow or download, not part of the page (a linked page has its own budget)
        path = (page.parent / ref).resolve()
        if not path.is_file() or str(path) in files:
            continue
        if path.suffix == ".html" and tag.startswith("<iframe"):  # an embedded page: it and what it loads
            inner, inner_files = page_weight(path)
            files += [path.as_posix(), *inner_files]
            total += inner
        elif path.suffix != ".html":
            files.append(str(path))
            total += path.stat().st_size
    return total, files


def test_page_weight_within_budget(site):
    heavy = {}
    for lang in LANGS:
        for page in sorted((version_folder(site) / lang).rglob("*.html")):  # pages, and pages of their own (maps)
            weight, _ = page_weight(page)
            budget = HOME_BUDGET if page.name == "index.html" else PAGE_BUDGET
            if weight > budget:
                heavy[page.relative_to(version_folder(site)).as_posix()] = f"{weight:,} bytes > {budget:,}"
    assert heavy == {}, f"pages over their weight budget: {heavy}"
