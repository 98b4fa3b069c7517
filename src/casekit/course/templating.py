"""The course tooling's jinja2 environment: every HTML page casekit writes comes from here.

Templates live in ``casekit/course/templates/`` (package data): ``site/`` for the static
course site, ``grade/`` for the students' feedback pages. Autoescape is on for every
template, so a value is escaped unless it is explicitly :class:`markupsafe.Markup` (HTML
that casekit itself produced: rendered Markdown, nbconvert output, MathML).
"""

from __future__ import annotations

import functools
import posixpath
from importlib import resources

__all__ = ["environment", "inline_md", "read_static", "rel", "render"]


def rel(page_path: str, target: str) -> str:
    """Relative URL from one site page to another site path (which may carry a #fragment)."""
    target, _, fragment = target.partition("#")
    start = posixpath.dirname(page_path) or "."
    url = posixpath.relpath(target, start) if target else ""
    return url + (f"#{fragment}" if fragment else "")


def inline_md(text: str):
    """Escape text, keeping `code` spans and **bold** (the opening cells' only markup)."""
    import re

    from markupsafe import Markup, escape

    out = str(escape(text))
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return Markup(re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out))


def _points(value) -> str:
    """``2`` for 2.0, ``1.5`` for 1.5 (points and scores)."""
    return f"{float(value or 0):g}"


@functools.cache
def environment():
    """The shared ``jinja2.Environment`` (package loader, autoescape, strict undefined)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("casekit.course", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["rel"] = rel
    env.filters["points"] = _points
    env.filters["inline_md"] = inline_md
    return env


def render(template: str, **context) -> str:
    """Render ``template`` (e.g. ``"site/layout.html.j2"``) with ``context``."""
    return environment().get_template(template).render(**context)


def read_static(name: str) -> str:
    """A static text file under ``templates/`` (the site's CSS and JavaScript)."""
    return (resources.files("casekit.course") / "templates" / name).read_text(encoding="utf-8")
