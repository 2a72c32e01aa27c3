"""The site asset: writes the Quarto pages' generated parts from the results and renders them."""
import subprocess

import dagster as dg

from ..publish import SiteInputs, build_site
from ..resources import ProjectResource
from ..settings import REPO_ROOT, SITE_SOURCE_DIR
from .evaluations import EVALUATION_ASSETS
from .spatial import MAP_ASSETS, SPATIAL_ASSETS


def code_version() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown",
            "version": git("describe", "--tags", "--exact-match") or "dev"}


@dg.asset(
    key=dg.AssetKey(["site", "website"]),
    deps=[*(a.key for a in EVALUATION_ASSETS), *(a.key for a in MAP_ASSETS), *(a.key for a in SPATIAL_ASSETS), dg.AssetKey(["quality", "report"])],
    group_name="site",
    description="The published website (build/site/): one page per strategic goal, data sources, rendered from the results.",
    kinds={"html"},
)
def website(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
    with project.connect(read_only=True) as con:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
    inputs = SiteInputs(project.settings.results_dir, landing, code_version())
    target, renderer = build_site(SITE_SOURCE_DIR, project.settings.build_dir, inputs)
    pages = sorted(p.name for p in target.glob("*.html"))
    context.log.info(f"site rendered with {renderer}: {target / 'index.html'}")
    return dg.MaterializeResult(metadata={"renderer": renderer, "pages": ", ".join(pages),
                                          "index": dg.MetadataValue.path(str(target / "index.html"))})
