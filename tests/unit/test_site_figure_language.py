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
    for lang, expected in (("en", b"english drawing"), ("es", b"dibujo en espanol")):
        figures = tmp_path / "site" / lang / "figures"
        figures.mkdir(parents=True)
        md = figure_part(result, result.figures[0], folder, figures, lang)
        assert "figures/example_trend_plot.png" in md
        assert (figures / "example_trend_plot.png").read_bytes() == expected


def test_without_a_spanish_drawing_both_pages_show_the_default(tmp_path):
    folder = tmp_path / "evaluations" / "example_trend"
    folder.mkdir(parents=True)
    (folder / "plot.png").write_bytes(b"only drawing")
    result = make_result(figures=[{"file": "plot.png", "kind": "trend", "alt": texts("A", "B"), "caption": texts("C", "D")}])
    figures = tmp_path / "es" / "figures"
    figures.mkdir(parents=True)
    figure_part(result, result.figures[0], folder, figures, "es")
    assert (figures / "example_trend_plot.png").read_bytes() == b"only drawing"
