"""Markdown for the site's generated page parts: escaping text from data, tables and figures.

A leaf module (it imports nothing from the site package), so every page section can use it.
"""
from __future__ import annotations

import html
import re

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~^$<>\"'])")


def md_text(value) -> str:
    """Text from data, safe inside Markdown: HTML-escaped and Markdown punctuation backslash-escaped."""
    return MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))


def attr_text(value) -> str:
    """Text from data inside a quoted Markdown attribute value ("…"): backslash-escaped; pandoc (and Quarto)
    HTML-escape it when writing the attribute, so it is escaped exactly once."""
    return " ".join(str(value).split()).replace("\\", "\\\\").replace('"', '\\"')


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def table_md(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A pipe table; cells must already be safe Markdown (md_text, evaluations.formats)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def table_html(header: list[str], rows: list[list[str]]) -> str:
    """A long table as a raw HTML block, passed through by pandoc and Quarto untouched. The result manifest
    has thousands of rows: as a pipe table pandoc needs ≈3.5 s a language to parse it, as raw HTML nothing.
    Cells must already be safe HTML (html.escape, <code>)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"```{{=html}}\n<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n```\n"


def figure_md(src: str, alt: str, caption: str) -> str:
    return f'![{md_text(caption)}]({src}){{fig-alt="{attr_text(alt)}"}}\n'
