"""Markdown and math for the site: MathML formulas (no MathJax), nbconvert's Markdown renderer."""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup


def json_for_script(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` can appear)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]*[\\^_{}][^$\n]*)\$(?!\$)")


def _mathml(tex: str, display: str) -> str:
    try:
        from latex2mathml.converter import convert
    except ImportError:  # pragma: no cover - a declared dependency
        return str(Markup('<code class="math-source">{}</code>').format(tex))
    try:
        return convert(tex.strip(), display=display)
    except Exception:  # malformed LaTeX: show the source rather than fail the build
        return str(Markup('<code class="math-source">{}</code>').format(tex))


def math_to_mathml(markdown: str) -> str:
    """Replace ``$$…$$`` (and LaTeX-looking ``$…$``) with MathML: no MathJax, no CDN."""

    def block(m: re.Match) -> str:
        mathml = Markup(_mathml(m.group(1), "block"))
        return str(Markup('\n\n<div class="math-display">{}</div>\n\n').format(mathml))

    def inline(m: re.Match) -> str:
        return _mathml(m.group(1), "inline")

    if "$" not in markdown:
        return markdown
    return _INLINE_MATH.sub(inline, _DISPLAY_MATH.sub(block, markdown))


_FENCE = re.compile(r"^(\s*(?:```|~~~)[ \t]*)([^\s`~]+)", re.M)


def plain_unknown_fences(markdown: str) -> str:
    """Fenced code in a language pygments does not know becomes ``text``.

    (nbconvert's renderer would otherwise print the language name as the code's first line.)
    """
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    def fix(m: re.Match) -> str:
        try:
            get_lexer_by_name(m.group(2))
        except ClassNotFound:
            return m.group(1) + "text"
        return m.group(0)

    return _FENCE.sub(fix, markdown) if "```" in markdown or "~~~" in markdown else markdown


def prepare_markdown(markdown: str) -> str:
    return plain_unknown_fences(math_to_mathml(markdown))


def markdown_to_html(markdown: str) -> str:
    """Markdown → HTML with nbconvert's renderer (the one notebook cells use)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(prepare_markdown(markdown))


def table_html(df: Any) -> Markup:
    """A DataFrame as an HTML table (pandas escapes the cells)."""
    return Markup(df.to_html(index=False, border=0, escape=True, na_rep="", classes="dataframe"))
