"""The site asset: writes the Quarto pages' generated parts from the results and renders one site version."""

import os
import subprocess

import dagster as dg

from ..fsutil import file_sha256
from ..resources import ProjectResource
from ..settings import REPO_ROOT, SITE_SOURCE_DIR
from ..site.build import build_site, published_site
from ..site.cite import load_citation
from ..site.downloads import zip_path
from ..site.results import SiteInputs
from .evaluations import EVALUATION_ASSETS
from .spatial import MAP_ASSETS, SPATIAL_ASSETS


def code_version() -> dict:
    """Commit, version (BICENTENNIAL_SITE_VERSION, else the exact git tag of HEAD, else "dev"), the date of the commit
    (the site's date: a rerun of the same commit gives the same site), SHA-256 of the hashed lock file and the
    repository's CITATION.cff (the "Cite this" box)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    lock = REPO_ROOT / "requirements.lock"
    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown",
            "version": os.environ.get("BICENTENNIAL_SITE_VERSION") or git("describe", "--tags", "--exact-match") or "dev",
            "date": git("log", "-1", "--format=%cs", "HEAD"),
            "lock_sha256": file_sha256(lock) if lock.exists() else "",
            "citation": load_citation(REPO_ROOT / "CITATION.cff")}


def source_catalogue() -> list[dict]:
    """Publisher (and its page), date of the version held, coverage and licence of every raw table
    (pipelines/sources/ specs); title, publisher and licence as {en, es}, with the English names the Spanish
    texts keep."""
    from ..sources import SOURCES

    return [{"name": s.name, **s.texts(), "names_en": list(s.names_en), "url": s.url,
             "retrieved": s.retrieved, "tags": dict(s.tags),
             "coverage": "; ".join(f"{k}: {v}" for k, v in sorted(s.tags.items()))} for s in SOURCES]


@dg.asset(
    key=dg.AssetKey(["site", "website"]),
    deps=[*(a.key for a in EVALUATION_ASSETS), *(a.key for a in MAP_ASSETS), *(a.key for a in SPATIAL_ASSETS), dg.AssetKey(["quality", "report"])],
    group_name="site",
    description="The published website (build/site/<version>/<lang>/): scorecard, one page per strategic goal, methods, "
                "data, reproducibility, in English and Spanish; versions.json and latest/ at build/site/.",
    kinds={"html"},
)
def website(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
    with project.connect(read_only=True) as con:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
        names = {code: (municipality, state) for code, municipality, state in con.execute(
            "select cvegeo, municipality_name, state_name from marts.dim_municipalities").fetchall()}
    run_info = code_version()
    inputs = SiteInputs(project.settings.results_dir, landing, run_info, source_catalogue(), names)
    build_dir = project.settings.build_dir
    published = build_site(SITE_SOURCE_DIR, build_dir, inputs, run_info["version"], previous_site=published_site(build_dir))
    if published.renderer == "skipped":
        context.log.warning(published.message)
    else:
        context.log.info(f"site version {published.version} rendered with {published.renderer}: {published.path}")
    pages = sorted(p.relative_to(published.path).as_posix() for p in published.path.glob("*/*.html"))
    return dg.MaterializeResult(metadata={"renderer": published.renderer, "version": published.version,
                                          "pages": ", ".join(pages),
                                          "index": dg.MetadataValue.path(str(published.index)),
                                          "results_zip": dg.MetadataValue.path(str(zip_path(published.path)))})
