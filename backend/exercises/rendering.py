"""Statements from Markdown to HTML, code blocks highlighted (raw HTML in the source is escaped)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound


def _highlight(code: str, language: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language or "python")
    except ClassNotFound:
        return ""
    return highlight(code, lexer, HtmlFormatter(nowrap=True))


_markdown = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")


def render_markdown(text: str) -> str:
    return _markdown.render(text)


def highlight_css() -> str:
    return HtmlFormatter(style="friendly").get_style_defs(".highlight, pre code")
