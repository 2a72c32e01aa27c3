"""A figure drawn in the page's language (`<name>.<lang>.png` beside `<name>.png`) is the one a page shows."""
from __future__ import annotations

from pipelines.site.evaluation import figure_part
from tests.fixtures.results import make_result, texts


def test_the_spanish_page_copies_the_spanish_drawing_and_the_english_page_the_default(tmp_path):
    folder = tmp_path / "results" / "evaluations" / "example_trend"
    folder.mkdir(parents=True)
    (folder / "plot.png").write_bytes(b"english drawing")
    (folder / "plot.es.png").write_bytes(b"dibujo en espanol")
    result = make_result(figures=[{"file": "plot.png", "kind": "trend", "alt": texts("Alt", "Alt es"),
                                   "caption": texts("Caption", "Leyenda")}])
    figures = tmp_path / "site" / "figures"          # one folder for both languages while the site is built
    figures.mkdir(parents=True)
    for lang, name in (("en", "example_trend_plot.png"), ("es", "example_trend_plot.es.png")):
        md = figure_part(result, result.figures[0], folder, figures, lang)
        assert f"figures/{name}" in md
    assert (figures / "example_trend_plot.png").read_bytes() == b"english drawing"
    assert (figures / "example_trend_plot.es.png").read_bytes() == b"dibujo en espanol"


def test_without_a_spanish_drawing_both_pages_show_the_default(tmp_path):
    folder = tmp_path / "evaluations" / "example_trend"
    folder.mkdir(parents=True)
    (folder / "plot.png").write_bytes(b"only drawing")
    result = make_result(figures=[{"file": "plot.png", "kind": "trend", "alt": texts("A", "B"), "caption": texts("C", "D")}])
    figures = tmp_path / "es" / "figures"
    figures.mkdir(parents=True)
    figure_part(result, result.figures[0], folder, figures, "es")
    assert (figures / "example_trend_plot.png").read_bytes() == b"only drawing"
