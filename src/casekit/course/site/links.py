"""Links between site pages, and the offline check of every page and stylesheet.

The offline check parses the HTML (``html.parser``) and looks at every place a browser
would load something from: ``src``, ``href`` (except plain ``<a>``/``<area>`` links, which
load nothing until clicked), every candidate of ``srcset``/``imagesrcset``, ``poster``,
``data``, ``background``, ``xlink:href``, ``<meta http-equiv="refresh">``, and CSS
``url(...)``/``@import`` in ``style`` attributes and ``<style>`` elements.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from html.parser import HTMLParser

from markupsafe import Markup

from casekit.course.templating import rel

__all__ = ["external_resources", "fix_links", "is_remote"]

_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
_LOADING_ATTRS = frozenset(
    {"src", "href", "poster", "data", "background", "xlink:href", "lowsrc", "dynsrc", "action"}
)
_SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
_LINK_ONLY_TAGS = frozenset({"a", "area"})
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


def is_remote(url: str) -> bool:
    """True for a URL on another host (``https://…``, ``//host/…``)."""
    return bool(_REMOTE.match(html.unescape(url or "")))


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), css)
    found = ["".join(m.groups(default="")) for m in _CSS_URL.finditer(css)]
    found += ["".join(m.groups(default="")) for m in _CSS_IMPORT.finditer(css)]
    return found


def _srcset_urls(value: str) -> list[str]:
    urls = []
    for candidate in value.split(","):
        parts = candidate.strip().split()
        if parts:
            urls.append(parts[0])
    return urls


class _Loads(HTMLParser):
    """Collects every URL a page would load, with where it was found."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += _css_urls(data)

    def _tag(self, tag, attrs):
        values = {k.lower(): v or "" for k, v in attrs}
        for name, value in values.items():
            if name in _SRCSET_ATTRS:
                self.urls += _srcset_urls(value)
            elif name == "style":
                self.urls += _css_urls(value)
            elif name in _LOADING_ATTRS and not (name == "href" and tag in _LINK_ONLY_TAGS):
                if name == "action":
                    continue  # a form submits only when the reader sends it
                self.urls.append(value)
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = re.search(r"url\s*=\s*['\"]?([^'\";]+)", values.get("content", ""), re.I)
            if target:
                self.urls.append(target.group(1))


def external_resources(text: str, *, css: bool = False) -> list[str]:
    """URLs on another host that an HTML page (or, with ``css``, a stylesheet) would load."""
    if css:
        return [u for u in _css_urls(text) if is_remote(u)]
    parser = _Loads()
    parser.feed(text)
    parser.close()
    return [u for u in parser.urls if is_remote(u)]


_ANCHOR = re.compile(r"<a\b([^>]*?)\shref=\"([^\"]*)\"([^>]*)>(.*?)</a>", re.S | re.I)


def fix_links(page_path: str, body: str, target_for: Callable[[str], str | None]) -> str:
    """Point relative links at site pages; unwrap links to files the site does not hold.

    ``target_for(url)`` maps a relative URL (resolved against the page) to a site path,
    or None when the site has no such page.
    """

    def replace(m: re.Match) -> str:
        before, url, after, inner = m.groups()
        raw = html.unescape(url)
        if not raw or raw.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", raw, re.I) or (
            raw.startswith("//")
        ):
            return m.group(0)  # in-page anchors, web links (plain anchors), mailto:, data:
        new = target_for(raw)
        if new is None:
            return str(Markup('<span class="offsite" title="{}">{}</span>').format(
                raw, Markup(inner)))
        return str(Markup('<a{} href="{}"{}>{}</a>').format(
            Markup(before), rel(page_path, new), Markup(after), Markup(inner)))

    return _ANCHOR.sub(replace, body)


def resolver(
    page_path: str,
    existing: set[str],
    notebooks: set[str],
    exercises: set[str],
    markdown: dict[str, set[str]],
) -> Callable[[str], str | None]:
    """``target_for`` of :func:`fix_links` for one page of the site.

    ``markdown`` maps a site folder (``instructor``, ``docs``) to the stems of its ``.md``
    pages: a link to ``x.md`` from another note (or ``../docs/x.md``) becomes that page.
    """
    here_dir = posixpath.dirname(page_path)

    def target_for(url: str) -> str | None:
        path, _, fragment = url.partition("#")
        path = path.split("?", 1)[0]
        name = posixpath.basename(path)
        stem, ext = posixpath.splitext(name)
        parent = posixpath.basename(posixpath.dirname(path)) or here_dir
        resolved = posixpath.normpath(posixpath.join(here_dir, path)) if path else page_path
        candidate = None
        if resolved in existing:
            candidate = resolved
        elif resolved.rstrip("/") + "/index.html" in existing:
            candidate = resolved.rstrip("/") + "/index.html"
        elif ext == ".ipynb" and stem in notebooks and "exercises" not in path.split("/")[:-1]:
            candidate = f"notebooks/{stem}.html"  # a link between notebooks, as in JupyterLab
        elif ext == ".ipynb" and stem in exercises:
            candidate = f"exercises/{stem}.html"
        elif ext == ".md":
            folders = [parent] + [f for f in markdown if f != parent]
            candidate = next(
                (f"{f}/{stem}.html" for f in folders if stem in markdown.get(f, ())), None
            )
        if candidate is None:
            return None
        return candidate + (f"#{fragment}" if fragment else "")

    return target_for
