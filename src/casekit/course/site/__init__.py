"""``casekit site``: an offline static site of the course, built from the executed notebooks.

The site is one folder (default ``site/``) that opens from ``index.html`` over ``file://`` or
any static web server, with nothing fetched from the network:

- a home page with the course map (title, time and objectives of every notebook);
- one page per notebook (nbconvert's ``basic`` template inside the site's own layout);
  Vega-Lite outputs are compiled to Vega at build time and drawn, interactive, by vega-embed
  from a JavaScript bundle copied into the site (both from ``vl-convert-python``); widget
  outputs show their static snapshot and a note; formulas become MathML (no MathJax);
- the exercises (index with questions, kinds and points, rendered pages, ``.ipynb`` downloads);
- one page per dataset from the catalogue, the zh/en glossary, the trainer's Markdown notes
  from ``instructor/``, the project documents from ``docs/`` (``sources.md`` is the
  bibliography, "参考来源 Sources") and an API reference generated from the docstrings.

The package is split by job: :mod:`.assets` (Vega runtime, CSS, JS), :mod:`.markup`
(Markdown and math), :mod:`.pages` (what each page shows; HTML from the jinja2 templates in
``casekit/course/templates/site/``), :mod:`.apiref` (the API reference), :mod:`.links`
(links between pages and the offline check) and :mod:`.build` (rendering, the atomic write
and the skip when nothing changed).
"""

from casekit.course.site.assets import FONT_STACK, VEGALITE_MINOR, vega_bundle
from casekit.course.site.build import MANIFEST, MARKER, SiteReport, build_site, render_site
from casekit.course.site.links import external_resources
from casekit.course.site.markup import markdown_to_html, math_to_mathml
from casekit.course.site.pages import (
    VEGALITE_MIMETYPE,
    WIDGET_MIMETYPE,
    WIDGET_NOTE,
    WIDGET_NOTE_EN,
    notebook_info,
    prepare_notebook,
)
from casekit.errors import SiteError

__all__ = [
    "FONT_STACK",
    "MANIFEST",
    "MARKER",
    "VEGALITE_MIMETYPE",
    "VEGALITE_MINOR",
    "WIDGET_MIMETYPE",
    "WIDGET_NOTE",
    "WIDGET_NOTE_EN",
    "SiteError",
    "SiteReport",
    "build_site",
    "external_resources",
    "markdown_to_html",
    "math_to_mathml",
    "notebook_info",
    "prepare_notebook",
    "render_site",
    "vega_bundle",
]
