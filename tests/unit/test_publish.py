"""Site rendering helpers: escaping of data strings, includes, link rewriting, atomic swap."""
from __future__ import annotations

from pathlib import Path

from pipelines.publish import data_sources_section, md_text, render_with_pandoc, swap_into_place
from pipelines.settings import SITE_SOURCE_DIR


def test_markup_in_data_is_shown_as_text(tmp_path):
    import shutil

    stage = tmp_path / "stage"
    shutil.copytree(SITE_SOURCE_DIR, stage)
    (stage / "_generated").mkdir()
    evil = "<script>alert('x')</script> *Ciudad* [link](http://e.x)"
    (stage / "_generated" / "data-sources.md").write_text(
        data_sources_section([{"table_name": "t", "file": evil, "size_bytes": 1, "sha256": "ab"}]))
    for name in ("goal-1-homicides.md", "run.md"):
        (stage / "_generated" / name).write_text("")
    out = tmp_path / "out"
    out.mkdir()
    render_with_pandoc(stage, out)
    html = (out / "data.html").read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert" in html
    assert 'href="http://e.x"' not in html
    assert 'href="goal-1.html"' in (out / "index.html").read_text()


def test_md_text_escapes_markdown_and_html():
    assert md_text("a<b>*c*") == "a&lt;b&gt;\\*c\\*"


def test_swap_replaces_the_folder_whole(tmp_path):
    target, new = tmp_path / "site", tmp_path / "new"
    target.mkdir()
    (target / "old.html").write_text("old")
    new.mkdir()
    (new / "index.html").write_text("new")
    swap_into_place(new, target)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert not new.exists() and not (tmp_path / "site.previous").exists()
