"""The generated page parts: BUILD/results → site/_generated/<lang>/<page>.md, included by the Quarto pages."""
from __future__ import annotations

from pathlib import Path

from . import i18n
from .data_page import data_sources_section
from .goals import goal_section
from .home import home_page, meta_line
from .i18n import LANGS
from .methods import methods_section
from .quality import quality_page
from .render import INCLUDE
from .reproducibility import reproducibility_section, run_section
from .results import SiteInputs, load_audit, load_gaps, load_results


def write_generated(stage: Path, inputs: SiteInputs) -> None:
    generated, figures = stage / "_generated", stage / "figures"
    generated.mkdir(exist_ok=True)
    figures.mkdir(exist_ok=True)
    results = load_results(inputs.results_dir)
    gaps = load_gaps(inputs.results_dir)
    known = {line["id"]: line for line in i18n.lines_of_action()}
    audit = load_audit(inputs.results_dir)
    for lang in LANGS:
        folder = generated / lang
        folder.mkdir(exist_ok=True)
        for goal, info in i18n.GOALS.items():
            (folder / f"{info['page']}.md").write_text(
                goal_section(goal, lang, results, gaps, known, figures, inputs.results_dir, inputs.municipalities, audit),
                encoding="utf-8")
        (folder / "home-meta.md").write_text(meta_line(lang, results, inputs.run_info), encoding="utf-8")
        (folder / "home.md").write_text(home_page(lang, results, gaps, known, audit, inputs.results_dir), encoding="utf-8")
        (folder / "methods.md").write_text(methods_section(lang, results, audit), encoding="utf-8")
        (folder / "data-sources.md").write_text(data_sources_section(inputs.landing_files, inputs.sources, lang), encoding="utf-8")
        (folder / "reproducibility.md").write_text(
            reproducibility_section(inputs.run_info, inputs.results_dir, inputs.landing_files, lang), encoding="utf-8")
        (folder / "run.md").write_text(run_section(inputs.run_info, lang), encoding="utf-8")
        (folder / "quality.md").write_text(quality_page(inputs.results_dir, lang), encoding="utf-8")


def fill_missing_partials(stage: Path) -> list[Path]:
    """A page may include a partial that nothing wrote in this build (its results are absent): the page then
    says so in its language instead of the whole site failing. Returns the partials written."""
    written = []
    for page in sorted(stage.glob("*.qmd")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            path = stage / match.group(1)
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            es = "es" in Path(match.group(1)).parts
            path.write_text('<p class="gap">' + ("Esta sección no está disponible en esta versión: sus resultados no se generaron."
                                                  if es else "This section is not available in this build: its results were not generated.")
                            + "</p>\n", encoding="utf-8")
            written.append(path)
    return written
