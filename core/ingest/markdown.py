"""Markdown: rendered to HTML first, so `**`, `#` and table pipes never reach the scanned text."""

from __future__ import annotations

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from core.ingest.encoding import decode_text, newlines_to_lf
from core.ingest.html import html_paragraphs
from core.ingest.normalize import Block, Extracted, Normalizer


def render(text: str) -> str:
    """CommonMark plus tables, strikethrough and footnotes, as HTML."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
    html: str = md.render(text)
    return html


def read_markdown(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """A .md file."""
    text, encoding = decode_text(raw, name, norm)
    paragraphs = html_paragraphs(render(newlines_to_lf(text, norm)))
    return Extracted([Block(p, f"paragraph {i}") for i, p in enumerate(paragraphs, 1)], encoding)
