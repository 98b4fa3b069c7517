"""``casekit site``: an offline static site of the course, built from the executed notebooks.

The site is one folder (default ``site/``) that opens from ``index.html`` over ``file://`` or
any static web server, with nothing fetched from the network:

- a home page with the course map (title, time and objectives of every notebook);
- one page per notebook (nbconvert's ``basic`` template inside the site's own layout);
  Vega-Lite outputs are compiled to Vega at build time and drawn, interactive, by vega-embed
  from a JavaScript bundle copied into the site (both from ``vl-convert-python``: its
  :func:`vl_convert.javascript_bundle` and Vega-Lite pinned to the minor version of
  altair's schema, 5.20); widget outputs show their static snapshot and a note; formulas
  become MathML (no MathJax);
- the exercises (index with questions and points, rendered pages, ``.ipynb`` downloads);
- one page per dataset from the catalogue, the zh/en glossary, and the trainer's Markdown
  notes from ``instructor/``.

Builds are **deterministic** (same inputs, same bytes: no clocks, sorted inputs) and
**atomic**: everything is written into a temporary folder next to the target, which replaces
the previous site only once the whole build succeeded. A page that would load anything from
another host (a ``<script src="https://…">`` in a notebook output, say) fails the build.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from casekit.course import notebooks as N
from casekit.errors import CasekitError, SiteError

__all__ = ["SiteError", "SiteReport", "build_site", "vega_bundle"]

MARKER = ".casekit-site"
"""File at the site root; only a folder holding it is ever replaced by a build."""
VEGALITE_MINOR = "5.20"
"""Vega-Lite bundled into the site: the minor version of altair 5.5's schema (v5.20.1)."""
VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", sans-serif'
)
SITE_TITLE_ZH = "天猫电商营销教学案例"
SITE_TITLE_EN = "casekit · Tmall e-commerce marketing"

WIDGET_NOTE = (
    "交互小部件：下面是保存笔记本时的静态快照；"
    "在 JupyterLab 中用课程内核运行本笔记本，即可拖动控件、"
    "实时重算。"
)
WIDGET_NOTE_EN = (
    "Interactive widget: below is a static snapshot saved with the notebook; run the notebook "
    "in JupyterLab with the course kernel to move the controls and recompute."
)

TOPIC_NAMES = {
    "platform": ("平台与店铺", "Platform and store"),
    "funnel_metrics": ("流量与漏斗指标", "Traffic and funnel metrics"),
    "paid_traffic": ("付费推广", "Paid traffic"),
    "content_social": ("内容与社交", "Content and social"),
    "consumer_ops": ("消费者运营", "Consumer operations"),
    "campaign": ("大促活动", "Campaigns"),
    "data_diagnosis": ("数据与诊断", "Data and diagnosis"),
    "compliance_risk": ("合规与风险", "Compliance and risk"),
    "experiment": ("实验", "Experiments"),
}
KIND_NAMES = {"fact": "事实表 fact table", "synthetic": "模拟数据 simulated"}
SAMPLE_ROWS = 5


@dataclass
class SiteReport:
    """What a build wrote: the folder, its files (relative paths) and their total size."""

    path: Path
    files: list[str] = field(default_factory=list)
    size_bytes: int = 0
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.path}/ ({len(self.files)} files, {self.size_bytes / 1e6:.1f} MB, "
            f"built in {self.seconds:.1f} s)"
        )


# --- the JavaScript runtime ---------------------------------------------------------------------


@cache
def vega_bundle(vl_minor: str = VEGALITE_MINOR) -> tuple[str, dict[str, str]]:
    """vega + vega-lite + vega-embed as one classic ``<script>`` (globals ``vegaEmbed`` …).

    Returns the JavaScript and the versions it holds. The bundle comes from the installed
    ``vl-convert-python`` wheel: nothing is downloaded.
    """
    try:
        import vl_convert as vlc
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise SiteError(
            "casekit site needs the 'vl-convert-python' package (vega for the charts); "
            "run `pip install vl-convert-python`"
        ) from exc
    from importlib import metadata

    available = list(vlc.get_vegalite_versions())
    if vl_minor not in available:
        same_major = [v for v in available if v.split(".")[0] == vl_minor.split(".")[0]]
        if not same_major:
            raise SiteError(
                f"vl-convert-python offers Vega-Lite {', '.join(available)}, none of them "
                f"{vl_minor.split('.')[0]}.x; install a vl-convert-python that bundles {vl_minor}"
            )
        vl_minor = same_major[-1]
    js = vlc.javascript_bundle(vl_version=vl_minor)
    patch = re.search(r'"(' + re.escape(vl_minor) + r'\.\d+)"', js)
    versions = {
        "vega": vlc.get_vega_version(),
        "vega-lite": patch.group(1) if patch else vl_minor,
        "vega-embed": vlc.get_vega_embed_version(),
        "vl-convert-python": metadata.version("vl-convert-python"),
    }
    return js, versions


_CHART_JS = """\
/* casekit site: draw every chart with the bundled vega-embed (svg renderer, no network).
   Each chart's Vega-Lite spec was compiled to Vega when the site was built, with the
   Vega-Lite that is also in vega-bundle.js, so the page only runs Vega. */
(function () {
  "use strict";
  var options = {
    renderer: "svg",
    mode: "vega",
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: "casekit-chart"
  };
  function fail(box, err) {
    box.setAttribute("data-rendered", "failed");
    console.error("casekit: chart " + box.id + " could not be drawn: " + err);
  }
  function draw(box) {
    var specNode = box.querySelector("script.casekit-chart-spec");
    var view = box.querySelector(".casekit-chart-view");
    var spec;
    try {
      spec = JSON.parse(specNode.textContent);
      return window.vegaEmbed(view, spec, options).then(function () {
        box.setAttribute("data-rendered", "true");
      }, function (err) { fail(box, err); });
    } catch (err) {
      fail(box, err);
      return Promise.resolve();
    }
  }
  function drawAll() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".casekit-chart"));
    var done = function () { document.documentElement.setAttribute("data-charts", "done"); };
    if (typeof window.vegaEmbed !== "function") {
      console.error("casekit: assets/vega/vega-bundle.js did not load; charts are not drawn");
      done();
      return;
    }
    Promise.all(boxes.map(draw)).then(done, done);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
"""


def _css() -> str:
    from pygments.formatters import HtmlFormatter

    pygments_css = HtmlFormatter(style="default").get_style_defs(".highlight")
    return (
        _BASE_CSS.replace("__FONT_STACK__", FONT_STACK)
        + "\n/* code highlighting (pygments, style 'default') */\n"
        + pygments_css
        + "\n"
    )


_BASE_CSS = """\
/* casekit site: one stylesheet, no web fonts (the CJK font stack uses installed fonts). */
:root { --accent: #FF0036; --ink: #222; --muted: #666; --line: #e4e4e4; --soft: #f7f7f8;
        --link: #2f5d8a; --nav: 15rem; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; font-family: __FONT_STACK__; color: var(--ink); line-height: 1.7;
       background: #fff; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, kbd, samp { font-family: "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK SC",
       "DejaVu Sans Mono", monospace; font-size: 0.9em; }
.site-header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem;
       padding: 0.6rem 1.5rem; border-bottom: 3px solid var(--accent); background: #fff;
       position: sticky; top: 0; z-index: 10; }
.site-header .brand { font-weight: 700; color: var(--ink); font-size: 1.05rem; }
.site-header .brand small { color: var(--muted); font-weight: 400; margin-left: 0.4rem; }
.topnav { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; margin: 0; padding: 0;
       list-style: none; }
.topnav a { color: var(--ink); padding: 0.2rem 0.1rem; border-bottom: 2px solid transparent; }
.topnav a.active, .topnav a:hover { border-bottom-color: var(--accent); text-decoration: none; }
.layout { display: flex; align-items: flex-start; max-width: 82rem; margin: 0 auto; }
.sidenav { flex: 0 0 var(--nav); position: sticky; top: 3.6rem; max-height: calc(100vh - 4rem);
       overflow-y: auto; padding: 1.2rem 0.8rem 1.2rem 1.2rem; font-size: 0.9rem; }
.sidenav h2 { font-size: 0.8rem; color: var(--muted); font-weight: 400; letter-spacing: 0.05em;
       margin: 0.8rem 0 0.3rem; }
.sidenav ol, .sidenav ul { list-style: none; margin: 0; padding: 0; }
.sidenav li a { display: block; padding: 0.15rem 0.5rem; border-left: 2px solid transparent;
       color: var(--ink); }
.sidenav li a.active { border-left-color: var(--accent); background: var(--soft);
       font-weight: 600; }
main { flex: 1 1 auto; min-width: 0; padding: 1.2rem 2rem 3rem; }
main h1 { font-size: 1.8rem; line-height: 1.3; margin: 0.6rem 0 1rem; }
main h2 { font-size: 1.35rem; margin-top: 2rem; border-bottom: 1px solid var(--line);
       padding-bottom: 0.2rem; }
main h3 { font-size: 1.1rem; margin-top: 1.5rem; }
.lead { color: var(--muted); }
[lang="en"] { font-family: __FONT_STACK__; }
.en { color: var(--muted); }
.badge { display: inline-block; font-size: 0.78rem; padding: 0 0.45rem; border-radius: 0.6rem;
       background: var(--soft); border: 1px solid var(--line); color: var(--muted);
       white-space: nowrap; }
.badge.synthetic { border-color: #e3a857; color: #8a5a00; background: #fff7e8; }
.badge.fact { border-color: #6baa75; color: #2f6b39; background: #eff8f0; }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 3rem;
       padding-top: 1rem; border-top: 1px solid var(--line); }
.site-footer { max-width: 82rem; margin: 0 auto; padding: 1rem 2rem 2rem; color: var(--muted);
       font-size: 0.82rem; border-top: 1px solid var(--line); }
/* course map */
.course-map { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr));
       gap: 1rem; padding: 0; list-style: none; }
.course-map > li { border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.9rem 1.1rem;
       background: #fff; }
.course-map > li:hover { border-color: #c9c9c9; }
.course-map h3 { margin: 0 0 0.3rem; font-size: 1.1rem; }
.course-map .num { display: inline-block; min-width: 2.2rem; color: #fff; background: var(--accent);
       border-radius: 0.3rem; text-align: center; font-size: 0.85rem; margin-right: 0.5rem; }
.course-map .meta { color: var(--muted); font-size: 0.88rem; }
.course-map ul { padding-left: 1.2rem; margin: 0.4rem 0; font-size: 0.92rem; }
.course-map .summary { font-size: 0.85rem; color: var(--muted); margin: 0.4rem 0 0; }
.quicklinks { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
       gap: 0.8rem; list-style: none; padding: 0; }
.quicklinks > li { border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.7rem 1rem; }
.quicklinks ul { padding-left: 1.1rem; margin: 0.3rem 0 0; font-size: 0.9rem; }
/* tables */
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; vertical-align: top;
       text-align: left; }
thead th { background: var(--soft); }
.table-wrap { overflow-x: auto; max-width: 100%; }
table.dataframe, table.casekit-table { font-size: 0.85rem; }
table.dataframe tbody tr:nth-child(odd) { background: #fbfbfb; }
main [id] { scroll-margin-top: 4.5rem; }
main pre { background: var(--soft); border: 1px solid var(--line); border-radius: 0.35rem;
       padding: 0.5rem 0.8rem; overflow-x: auto; line-height: 1.5; }
/* notebook cells (nbconvert 'basic' template, classic class names) */
.notebook .input_area pre, .notebook .output_area pre { background: none; border: 0;
       border-radius: 0; padding: 0; }
.notebook .prompt { display: none; }
.notebook .cell { margin: 0.6rem 0; }
.notebook .input_area { background: var(--soft); border: 1px solid var(--line);
       border-radius: 0.35rem; padding: 0.1rem 0.8rem; overflow-x: auto; }
.notebook .input_area pre { margin: 0.5rem 0; }
.notebook .output_area { overflow-x: auto; }
.notebook .output_subarea { padding: 0.3rem 0; max-width: 100%; }
.notebook .output_text pre, .notebook .output_stream pre { margin: 0.3rem 0; white-space: pre-wrap;
       padding: 0.4rem 0.8rem; border-left: 3px solid var(--line); }
.notebook .output_stderr pre { background: #fff5f5; }
.notebook .anchor-link { visibility: hidden; margin-left: 0.3rem; color: #bbb; }
.notebook h1:hover .anchor-link, .notebook h2:hover .anchor-link,
.notebook h3:hover .anchor-link { visibility: visible; }
.notebook img { max-width: 100%; }
.math-display { overflow-x: auto; margin: 1rem 0; font-size: 1.1rem; }
.math-source { background: var(--soft); padding: 0.4rem 0.8rem; }
/* charts and widgets */
.casekit-chart { margin: 0.6rem 0; max-width: 100%; overflow-x: auto; }
.casekit-chart-view { min-height: 2rem; }
.casekit-chart[data-rendered="failed"] .casekit-chart-view { color: #b00020; }
.casekit-chart .vega-embed { padding-right: 2.2rem; }
.casekit-widget { border: 1px dashed #c8c8c8; border-radius: 0.4rem; padding: 0.6rem 0.9rem;
       background: #fcfcfc; }
.casekit-widget-note { margin: 0 0 0.4rem; font-size: 0.85rem; color: var(--muted); }
.casekit-widget-note::before { content: "⟲ "; color: var(--accent); }
/* exercises, datasets, glossary */
.questions td.points { text-align: right; white-space: nowrap; }
.download { display: inline-block; padding: 0.2rem 0.8rem; border: 1px solid var(--accent);
       border-radius: 0.3rem; color: var(--accent); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.glossary-term { scroll-margin-top: 4rem; }
.glossary dt { font-weight: 600; margin-top: 1rem; }
.glossary dd { margin: 0.1rem 0 0 1rem; }
.glossary .formula { font-family: monospace; font-size: 0.88rem; }
.offsite { border-bottom: 1px dotted var(--muted); }
@media (max-width: 60rem) {
  .layout { display: block; }
  .sidenav { position: static; max-height: 14rem; border-bottom: 1px solid var(--line); }
  main { padding: 1rem; }
}
"""


# --- reading the course -----------------------------------------------------------------------


@dataclass
class NotebookInfo:
    """What the course map shows about one notebook."""

    slug: str  # "03_promotion_funnel"
    number: str  # "03"
    title: str  # "推广职责：从曝光到品牌"
    minutes: int | None
    objectives: list[str]
    summary_en: list[str]
    path: Path


def notebook_info(nb: Any, path: Path) -> NotebookInfo:
    """Title, time, objectives and English summary from a notebook's opening cell."""
    head = N.opening(nb, path)
    return NotebookInfo(
        slug=head.slug,
        number=head.number,
        title=head.title,
        minutes=head.minutes,
        objectives=list(head.objectives),
        summary_en=list(head.summary_en),
        path=path,
    )


@dataclass
class ExerciseInfo:
    slug: str
    title: str
    minutes: int | None
    questions: list[dict[str, Any]]
    path: Path

    @property
    def points(self) -> float:
        return sum(float(q.get("points", 0) or 0) for q in self.questions)


def exercise_info(nb: Any, path: Path) -> ExerciseInfo:
    meta = nb.metadata.get("casekit", {}).get("exercise")
    if not isinstance(meta, Mapping):
        raise SiteError(
            f"{path}: no metadata.casekit.exercise; is it generated by `casekit assign`?"
        )
    return ExerciseInfo(
        slug=path.stem,
        title=str(meta.get("title_zh") or path.stem),
        minutes=N.exercise_minutes(nb),
        questions=[dict(q) for q in meta.get("questions", []) if isinstance(q, Mapping)],
        path=path,
    )


# --- HTML helpers -----------------------------------------------------------------------------


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _json_for_script(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` can appear)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]*[\\^_{}][^$\n]*)\$(?!\$)")


def _mathml(tex: str, display: str) -> str:
    try:
        from latex2mathml.converter import convert
    except ImportError:  # pragma: no cover - a declared dependency
        return f'<code class="math-source">{esc(tex)}</code>'
    try:
        return convert(tex.strip(), display=display)
    except Exception:  # malformed LaTeX: show the source rather than fail the build
        return f'<code class="math-source">{esc(tex)}</code>'


def math_to_mathml(markdown: str) -> str:
    """Replace ``$$…$$`` (and LaTeX-looking ``$…$``) with MathML: no MathJax, no CDN."""

    def block(m: re.Match) -> str:
        return f'\n\n<div class="math-display">{_mathml(m.group(1), "block")}</div>\n\n'

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


def _table_html(df: Any) -> str:
    return (
        '<div class="table-wrap">'
        + df.to_html(index=False, border=0, escape=True, na_rep="", classes="dataframe")
        + "</div>"
    )


# --- pages ------------------------------------------------------------------------------------


@dataclass
class Page:
    path: str  # relative to the site root, posix
    title: str
    body: str
    section: str  # which top-nav entry is active
    charts: bool = False
    sidebar: str = ""
    source: str = ""  # where the content came from (for error messages)


NAV = (
    ("home", "index.html", "首页 Home"),
    ("course", "index.html#course-map", "课程 Course"),
    ("exercises", "exercises/index.html", "练习 Exercises"),
    ("data", "data/index.html", "数据集 Datasets"),
    ("glossary", "glossary.html", "术语表 Glossary"),
    ("instructor", "instructor/index.html", "讲师 Instructor"),
)


def rel(page_path: str, target: str) -> str:
    """Relative URL from one site page to another site path (which may carry a #fragment)."""
    target, _, fragment = target.partition("#")
    start = posixpath.dirname(page_path) or "."
    url = posixpath.relpath(target, start) if target else ""
    return url + (f"#{fragment}" if fragment else "")


def _layout(page: Page, versions: Mapping[str, str]) -> str:
    here = page.path
    nav = "".join(
        f'<li><a href="{esc(rel(here, target))}"'
        + (' class="active" aria-current="page"' if key == page.section else "")
        + f">{esc(label)}</a></li>"
        for key, target, label in NAV
        if key != "home"
    )
    scripts = ""
    if page.charts:
        scripts = (
            f'<script src="{esc(rel(here, "assets/vega/vega-bundle.js"))}"></script>\n'
            f'<script src="{esc(rel(here, "assets/casekit.js"))}"></script>\n'
        )
    sidebar = (
        f'<nav class="sidenav" aria-label="课程目录 Contents">{page.sidebar}</nav>'
        if (page.sidebar)
        else ""
    )
    vega = (
        f"图表由随站点离线提供的 Vega-Lite {esc(versions.get('vega-lite', ''))} · "
        f"Vega {esc(versions.get('vega', ''))} · vega-embed {esc(versions.get('vega-embed', ''))} "
        "绘制（charts drawn offline, "
        f'<a href="{esc(rel(here, "assets/vega/NOTICE.txt"))}">licences</a>）'
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(page.title)} · {esc(SITE_TITLE_ZH)}</title>\n"
        f'<link rel="stylesheet" href="{esc(rel(here, "assets/casekit.css"))}">\n'
        "</head>\n<body>\n"
        '<header class="site-header">'
        f'<a class="brand" href="{esc(rel(here, "index.html"))}">{esc(SITE_TITLE_ZH)}'
        f'<small lang="en">casekit</small></a>'
        f'<nav aria-label="网站导航 Site"><ul class="topnav">{nav}</ul></nav>'
        "</header>\n"
        f'<div class="layout">{sidebar}<main id="content">\n{page.body}\n</main></div>\n'
        '<footer class="site-footer"><p>代码 MIT · 课程内容 CC BY 4.0 · 模拟数据 CC0 1.0；'
        "事实表引用源文章（见各数据集页面）。本站为只读副本：运行与交互请用 JupyterLab "
        "和课程内核 “Python (casekit 课程)”。"
        '<span lang="en"> Code MIT · course content CC BY 4.0 · simulated data CC0. A read-only '
        "copy of the course: run it in JupyterLab to interact.</span></p>"
        f"<p>{vega}</p></footer>\n"
        f"{scripts}</body>\n</html>\n"
    )


def _course_sidebar(
    here: str,
    notebooks: Sequence[NotebookInfo],
    exercises: Sequence[ExerciseInfo],
    current: str = "",
) -> str:
    def item(target: str, label: str) -> str:
        active = ' class="active" aria-current="page"' if target == current else ""
        return f'<li><a href="{esc(rel(here, target))}"{active}>{esc(label)}</a></li>'

    parts = ["<h2>课程笔记本 Notebooks</h2><ol>"]
    parts += [item(f"notebooks/{n.slug}.html", f"{n.number} {n.title}") for n in notebooks]
    parts.append("</ol>")
    if exercises:
        parts.append("<h2>练习 Exercises</h2><ul>")
        parts.append(item("exercises/index.html", "练习一览 Overview"))
        parts += [item(f"exercises/{e.slug}.html", f"{e.slug[:2]} {e.title}") for e in exercises]
        parts.append("</ul>")
    return "".join(parts)


def _section_sidebar(here: str, title: str, entries: Sequence[tuple[str, str]]) -> str:
    items = "".join(
        f'<li><a href="{esc(rel(here, target))}"'
        + (' class="active" aria-current="page"' if target == here else "")
        + f">{esc(label)}</a></li>"
        for target, label in entries
    )
    return f"<h2>{esc(title)}</h2><ul>{items}</ul>"


# --- notebooks --------------------------------------------------------------------------------


# nbconvert's 'basic' template, except that highlighted code is not re-sanitised with bleach
# (pygments output is already escaped; bleach took a third of the build time).
_TEMPLATE = """{%- extends 'basic/index.html.j2' -%}
{% block input %}
<div class="inner_cell">
    <div class="input_area">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
    </div>
</div>
{%- endblock input %}
"""


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    class SiteExporter(HTMLExporter):
        """HTMLExporter without its final BeautifulSoup pass.

        That pass only adds alt text to images and tabindex to the *lab* template's cells;
        it re-parses every page and took another third of the build time.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            try:
                from nbconvert.exporters.templateexporter import TemplateExporter
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
            except ImportError:  # pragma: no cover - another nbconvert layout
                return super().from_notebook_node(nb, resources, **kw)
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = SiteExporter(
        template_name="basic",
        extra_loaders=[DictLoader({"casekit_site.html.j2": _TEMPLATE})],
        template_file="casekit_site.html.j2",
    )
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def compile_chart(spec: Mapping[str, Any], *, where: str = "chart") -> dict[str, Any]:
    """Vega-Lite → Vega with the Vega-Lite bundled into the site (vl-convert, no network)."""
    import vl_convert as vlc

    _js, versions = vega_bundle()
    minor = ".".join(versions["vega-lite"].split(".")[:2])
    try:
        compiled = vlc.vegalite_to_vega(dict(spec), vl_version=minor)
    except Exception as exc:
        raise SiteError(f"{where}: Vega-Lite {minor} cannot compile the chart ({exc})") from None
    # Vega-Lite 5 labels its output "Vega v5"; the bundled Vega 6 draws it (vl-convert pairs
    # them the same way), and vega-embed would only log a version notice for the label.
    compiled.pop("$schema", None)
    return compiled


def _prepare_notebook(nb: Any, where: str) -> tuple[Any, int]:
    """Copy of ``nb`` whose charts and widgets render as plain HTML; returns (nb, n_charts)."""
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # no widget state: no html-manager from a CDN
    n_charts = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = prepare_markdown(cell.source)
            continue
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            if VEGALITE_MIMETYPE in data:
                n_charts += 1
                spec = compile_chart(data[VEGALITE_MIMETYPE], where=f"{where}: chart {n_charts}")
                fallback = esc(data.get("text/plain", "图表 chart"))
                chart_id = f"chart-{n_charts}"
                output["data"] = {
                    "text/html": (
                        f'<div class="casekit-chart" id="{chart_id}">'
                        f'<div class="casekit-chart-view">{fallback}</div>'
                        '<script type="application/json" class="casekit-chart-spec">'
                        f"{_json_for_script(spec)}</script></div>"
                    )
                }
                output.setdefault("metadata", {}).clear()
            elif WIDGET_MIMETYPE in data:
                snapshot = data.get("text/html")
                if snapshot is None:
                    snapshot = f"<pre>{esc(data.get('text/plain', ''))}</pre>"
                output["data"] = {
                    "text/html": (
                        '<div class="casekit-widget">'
                        f'<p class="casekit-widget-note">{esc(WIDGET_NOTE)}'
                        f'<br><span lang="en">{esc(WIDGET_NOTE_EN)}</span></p>'
                        f"{snapshot}</div>"
                    )
                }
            else:
                for mimetype in [k for k in data if k.startswith("application/vnd.")]:
                    # other rich outputs need a kernel or a CDN: keep their text fallback
                    if len(data) > 1:
                        del data[mimetype]
    return nb, n_charts


def _render_notebook(exporter: Any, nb: Any, where: str) -> tuple[str, int]:
    prepared, n_charts = _prepare_notebook(nb, where)
    body, _resources = exporter.from_notebook_node(prepared)
    return f'<div class="notebook">\n{body}\n</div>', n_charts


def _notebook_pages(
    notebooks: Sequence[NotebookInfo],
    exercises: Sequence[ExerciseInfo],
    read: Callable[[Path], Any],
    exporter: Any,
) -> list[Page]:
    pages = []
    by_slug = {e.slug: e for e in exercises}
    for i, info in enumerate(notebooks):
        here = f"notebooks/{info.slug}.html"
        body, n_charts = _render_notebook(exporter, read(info.path), str(info.path))
        pager = ['<nav class="pager" aria-label="上一节 / 下一节">']
        if i > 0:
            prev = notebooks[i - 1]
            pager.append(
                f'<a href="{esc(rel(here, f"notebooks/{prev.slug}.html"))}">'
                f"← {esc(prev.number)} {esc(prev.title)}</a>"
            )
        else:
            pager.append(f'<a href="{esc(rel(here, "index.html"))}">← 首页 Home</a>')
        if info.slug in by_slug:
            pager.append(
                f'<a href="{esc(rel(here, f"exercises/{info.slug}.html"))}">配套练习 Exercise</a>'
            )
        if i + 1 < len(notebooks):
            nxt = notebooks[i + 1]
            pager.append(
                f'<a href="{esc(rel(here, f"notebooks/{nxt.slug}.html"))}">'
                f"{esc(nxt.number)} {esc(nxt.title)} →</a>"
            )
        pager.append("</nav>")
        download = (
            f'<p class="lead">笔记本源文件 notebook: <code>notebooks/{esc(info.slug)}.ipynb</code>'
            + (f" · 预计用时 {info.minutes} 分钟" if info.minutes else "")
            + "</p>"
        )
        pages.append(
            Page(
                path=here,
                title=f"{info.number} {info.title}",
                body=download + body + "".join(pager),
                section="course",
                charts=n_charts > 0,
                sidebar=_course_sidebar(here, notebooks, exercises, here),
                source=str(info.path),
            )
        )
    return pages


def _home_page(
    notebooks: Sequence[NotebookInfo],
    exercises: Sequence[ExerciseInfo],
    n_datasets: int,
    n_terms: int,
    instructor: Sequence[tuple[str, str]],
) -> Page:
    here = "index.html"
    by_slug = {e.slug: e for e in exercises}
    total = sum(n.minutes or 0 for n in notebooks)
    cards = []
    for n in notebooks:
        objectives = "".join(f"<li>{_inline_md(o)}</li>" for o in n.objectives)
        meta = [f"预计用时 {n.minutes} 分钟" if n.minutes else "用时未注明"]
        if n.slug in by_slug:
            e = by_slug[n.slug]
            meta.append(
                f'<a href="{esc(rel(here, f"exercises/{n.slug}.html"))}">'
                f"配套练习 {len(e.questions)} 题 · {e.points:g} 分</a>"
            )
        summary = " ".join(n.summary_en)
        cards.append(
            f'<li id="nb-{esc(n.slug)}"><h3><span class="num">{esc(n.number)}</span>'
            f'<a href="{esc(rel(here, f"notebooks/{n.slug}.html"))}">{esc(n.title)}</a></h3>'
            f'<div class="meta">{" · ".join(meta)}</div>'
            f"<ul>{objectives}</ul>"
            + (f'<p class="summary" lang="en">{esc(summary)}</p>' if summary else "")
            + "</li>"
        )
    instructor_links = "".join(
        f'<li><a href="{esc(rel(here, target))}">{esc(label)}</a></li>'
        for target, label in instructor
    )
    body = (
        f'<h1>{esc(SITE_TITLE_ZH)}<br><small class="en" lang="en">{esc(SITE_TITLE_EN)}</small></h1>'
        '<p class="lead">天猫（Tmall）电商营销的可执行课程：'
        "旗舰店演进、推广职责、营销生态、天猫618 大促作战，"
        "以及美宝莲超级粉丝日等案例。本站是已运行笔记本的离线只读版本，图表可以悬停查看数值；"
        "要修改参数、拖动小部件或做练习，请在 JupyterLab 中用课程内核打开笔记本。</p>"
        '<p class="lead" lang="en">An executable course on Tmall e-commerce marketing. '
        "This site is "
        "an offline, read-only copy of the executed notebooks: hover over the charts for values; "
        "open the notebooks in JupyterLab to change parameters, use the widgets and do the "
        "exercises.</p>"
        f'<h2 id="course-map">课程地图 Course map <small class="en">{len(notebooks)} 本笔记本 · '
        f"共约 {total} 分钟</small></h2>"
        f'<ol class="course-map">{"".join(cards)}</ol>'
        '<h2>更多 More</h2><ul class="quicklinks">'
        f'<li><a href="{esc(rel(here, "exercises/index.html"))}">练习 Exercises</a><br>'
        f'<span class="en">{len(exercises)} 份练习，可下载 .ipynb</span></li>'
        f'<li><a href="{esc(rel(here, "data/index.html"))}">数据集 Datasets</a><br>'
        f'<span class="en">{n_datasets} 个数据集：事实表与模拟数据</span></li>'
        f'<li><a href="{esc(rel(here, "glossary.html"))}">术语表 Glossary</a><br>'
        f'<span class="en">{n_terms} 条中英对照术语</span></li>'
        f'<li><a href="{esc(rel(here, "instructor/index.html"))}">讲师 Instructor</a>'
        f"<ul>{instructor_links}</ul></li>"
        "</ul>"
    )
    return Page(path=here, title="课程首页 Home", body=body, section="home", source="notebooks/")


def _inline_md(text: str) -> str:
    """Escape text, keeping `code` spans and **bold** (the opening cells' only markup)."""
    out = esc(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


# --- exercises --------------------------------------------------------------------------------


def _exercise_pages(
    exercises: Sequence[ExerciseInfo],
    notebooks: Sequence[NotebookInfo],
    read: Callable[[Path], Any],
    exporter: Any,
) -> list[Page]:
    nb_slugs = {n.slug: n for n in notebooks}
    pages = []
    rows = []
    for e in exercises:
        here = "exercises/index.html"
        questions = "".join(
            f"<li>{esc(q.get('title_zh', q.get('id', '')))} "
            f'<span class="badge">{q.get("points", 0):g} 分</span></li>'
            for q in e.questions
        )
        related = nb_slugs.get(e.slug)
        related_link = (
            f'<a href="{esc(rel(here, f"notebooks/{e.slug}.html"))}">{esc(related.number)} '
            f"{esc(related.title)}</a>"
            if related
            else "—"
        )
        rows.append(
            f'<tr><td><a href="{esc(rel(here, f"exercises/{e.slug}.html"))}">'
            f"{esc(e.slug[:2])} {esc(e.title)}</a></td>"
            f"<td>{related_link}</td>"
            f"<td><ol>{questions}</ol></td>"
            f'<td class="points">{e.points:g}</td>'
            f"<td>{e.minutes or '—'}</td>"
            f'<td><a class="download" href="{esc(rel(here, f"exercises/{e.slug}.ipynb"))}" '
            f"download>.ipynb</a></td></tr>"
        )
    index_here = "exercises/index.html"
    entries = [("exercises/index.html", "练习一览 Overview")] + [
        (f"exercises/{e.slug}.html", f"{e.slug[:2]} {e.title}") for e in exercises
    ]
    total = sum(e.points for e in exercises)
    body = (
        "<h1>练习 Exercises</h1>"
        '<p class="lead">每份练习配合同编号的笔记本。下载 <code>.ipynb</code>，'
        "在 JupyterLab 中用课程内核“Python (casekit 课程)”打开，"
        "在标有 <code># 在这里作答 / write your answer here</code> 的格子里作答，"
        "运行每题下面的自查格：✓ 表示答案形式合理，✗ 会给出提示。"
        "老师发下的个人版本带有你自己的参数，"
        "请交那一份。</p>"
        '<p class="lead" lang="en">Each exercise goes with the notebook of the same number. '
        "Download "
        "the .ipynb, open it in JupyterLab with the course kernel, answer in the marked cells and "
        "run the self-check under each question. Hand in the personal copy your trainer gives "
        "you: it carries your own parameters.</p>"
        f"<p>{len(exercises)} 份练习，共 {total:g} 分。</p>"
        '<div class="table-wrap"><table class="questions"><thead><tr><th>练习 exercise</th>'
        "<th>配套笔记本 notebook</th><th>题目 questions (分 points)</th><th>总分 points</th>"
        "<th>用时 minutes</th><th>下载 download</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    pages.append(
        Page(
            path=index_here,
            title="练习 Exercises",
            body=body,
            section="exercises",
            sidebar=_section_sidebar(index_here, "练习 Exercises", entries),
            source="exercises/",
        )
    )
    for e in exercises:
        here = f"exercises/{e.slug}.html"
        rendered, n_charts = _render_notebook(exporter, read(e.path), str(e.path))
        q_rows = "".join(
            f"<tr><td>{esc(q.get('id', ''))}</td><td>{esc(q.get('title_zh', ''))}</td>"
            f"<td>{esc(N.kind_label(str(q.get('kind', ''))))}</td>"
            f'<td class="points">{q.get("points", 0):g}</td></tr>'
            for q in e.questions
        )
        related = nb_slugs.get(e.slug)
        head = (
            f'<p><a class="download" href="{esc(rel(here, f"exercises/{e.slug}.ipynb"))}" download>'
            f"下载练习 download {esc(e.slug)}.ipynb</a>"
            + (
                f' · 配套笔记本 notebook: <a href="{esc(rel(here, f"notebooks/{e.slug}.html"))}">'
                f"{esc(related.number)} {esc(related.title)}</a>"
                if related
                else ""
            )
            + (f" · 预计用时 {e.minutes} 分钟" if e.minutes else "")
            + "</p>"
            "<details><summary>题目与分值 Questions and points "
            f"（{len(e.questions)} 题，共 {e.points:g} 分）</summary>"
            '<table class="questions"><thead><tr><th>编号 id</th><th>题目 question</th>'
            f"<th>类型 kind</th><th>分值 points</th></tr></thead><tbody>{q_rows}</tbody></table>"
            "</details>"
        )
        pages.append(
            Page(
                path=here,
                title=f"练习 {e.slug[:2]} {e.title}",
                body=head + rendered,
                section="exercises",
                charts=n_charts > 0,
                sidebar=_section_sidebar(here, "练习 Exercises", entries),
                source=str(e.path),
            )
        )
    return pages


# --- datasets and glossary --------------------------------------------------------------------


def _zh_en(value: Any) -> tuple[str, str]:
    if isinstance(value, Mapping):
        return str(value.get("zh") or ""), str(value.get("en") or "")
    return (str(value) if value else "", "")


def _fmt_scalar(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def _column_range(col: Mapping[str, Any]) -> str:
    parts = []
    if col.get("allowed"):
        parts.append("取值 allowed: " + ", ".join(esc(_fmt_scalar(v)) for v in col["allowed"]))
    lo, hi = col.get("min"), col.get("max")
    if lo is not None and hi is not None:
        parts.append(f"{esc(_fmt_scalar(lo))} … {esc(_fmt_scalar(hi))}")
    elif lo is not None:
        parts.append(f"≥ {esc(_fmt_scalar(lo))}")
    elif hi is not None:
        parts.append(f"≤ {esc(_fmt_scalar(hi))}")
    flags = []
    if col.get("unique"):
        flags.append("唯一 unique")
    if col.get("nullable"):
        flags.append("可空 nullable")
    if flags:
        parts.append(" · ".join(flags))
    return "<br>".join(parts) or "—"


def _dataset_page(
    name: str, entry: Mapping[str, Any], df: Any, entries: Sequence[tuple[str, str]]
) -> Page:
    here = f"data/{name}.html"
    title_zh, title_en = _zh_en(entry.get("title"))
    desc_zh, desc_en = _zh_en(entry.get("description"))
    kind = str(entry.get("kind", ""))
    facts = [
        ("名称 name", f"<code>{esc(name)}</code>"),
        ("类型 kind", f'<span class="badge {esc(kind)}">{esc(KIND_NAMES.get(kind, kind))}</span>'),
        ("行数 rows", f"{len(df):,}"),
        ("列数 columns", str(len(entry.get("columns", [])))),
        ("文件 file", f"<code>datasets/{esc(entry.get('file', ''))}</code>"),
        ("许可 licence", esc(entry.get("licence", ""))),
    ]
    if kind == "fact":
        facts.append(
            ("来源 source", ", ".join(f"<code>{esc(s)}</code>" for s in entry.get("sources", [])))
        )
    generator = entry.get("generator")
    if isinstance(generator, Mapping):
        params = generator.get("params") or {}
        facts.append(("生成器 generator", f"<code>{esc(generator.get('function', ''))}</code>"))
        facts.append(("随机种子 seed", f"<code>{esc(generator.get('seed', ''))}</code>"))
        if params:
            facts.append(
                (
                    "参数 parameters",
                    "<br>".join(
                        f"<code>{esc(k)} = {esc(json.dumps(v, ensure_ascii=False))}</code>"
                        for k, v in params.items()
                    ),
                )
            )
    if entry.get("primary_key"):
        facts.append(
            ("主键 primary key", ", ".join(f"<code>{esc(k)}</code>" for k in entry["primary_key"]))
        )
    cal_zh, cal_en = _zh_en(entry.get("calibration"))
    calibration = (
        f'<h2>校准 Calibration</h2><p>{esc(cal_zh)}</p><p lang="en" class="en">{esc(cal_en)}</p>'
        if cal_zh or cal_en
        else ""
    )
    rows = []
    for col in entry.get("columns", []):
        d_zh, d_en = _zh_en(col.get("description"))
        rows.append(
            f"<tr><td><code>{esc(col.get('name'))}</code></td><td>{esc(col.get('zh', ''))}</td>"
            f"<td>{esc(col.get('type', ''))}"
            + (f"<br><small>存储 {esc(col['storage'])}</small>" if col.get("storage") else "")
            + f"</td><td>{esc(col.get('unit', '')) or '—'}</td><td>{_column_range(col)}</td>"
            f'<td>{esc(d_zh)}<br><span class="en" lang="en">{esc(d_en)}</span></td></tr>'
        )
    sample = df.head(SAMPLE_ROWS)
    body = (
        f'<h1>{esc(title_zh)}<br><small class="en" lang="en">{esc(title_en)}</small></h1>'
        f'<p>{esc(desc_zh)}</p><p class="en" lang="en">{esc(desc_en)}</p>'
        '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
        f'<pre class="highlight"><code>from casekit import data\ndf = data.load("{esc(name)}")'
        "</code></pre>" + calibration + "<h2>字段 Schema</h2>"
        '<div class="table-wrap"><table class="schema"><thead><tr><th>列 column</th><th>中文</th>'
        "<th>类型 type</th><th>单位 unit</th><th>取值/范围 values</th><th>说明 description</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<h2>样例 Sample rows <small class="en">前 {len(sample)} 行 / first {len(sample)} of '
        f"{len(df):,}</small></h2>" + _table_html(sample)
    )
    return Page(
        path=here,
        title=f"{title_zh} {name}",
        body=body,
        section="data",
        sidebar=_section_sidebar(here, "数据集 Datasets", entries),
        source=f"datasets/catalog.yaml: {name}",
    )


def _data_pages(
    catalog: Mapping[str, Mapping[str, Any]], load: Callable[[str], Any]
) -> tuple[list[Page], int]:
    entries = [("data/index.html", "数据集一览 Overview")] + [
        (f"data/{name}.html", name) for name in catalog
    ]
    pages = []
    rows = []
    n_terms = 0
    for name, entry in catalog.items():
        df = load(name)
        if name == "glossary":
            n_terms = len(df)
        pages.append(_dataset_page(name, entry, df, entries))
        title_zh, title_en = _zh_en(entry.get("title"))
        kind = str(entry.get("kind", ""))
        if kind == "fact":
            origin = ", ".join(f"<code>{esc(s)}</code>" for s in entry.get("sources", []))
        else:
            gen = entry.get("generator") or {}
            origin = (
                f"<code>{esc(str(gen.get('function', '')).rsplit('.', 1)[-1])}"
                f"(seed={esc(gen.get('seed', ''))})</code>"
            )
        rows.append(
            f'<tr><td><a href="{esc(rel("data/index.html", f"data/{name}.html"))}"><code>'
            f"{esc(name)}</code></a></td><td>{esc(title_zh)}<br>"
            f'<span class="en" lang="en">{esc(title_en)}</span></td>'
            f'<td><span class="badge {esc(kind)}">{esc(KIND_NAMES.get(kind, kind))}</span></td>'
            f'<td style="text-align:right">{len(df):,}</td><td>{origin}</td>'
            f"<td>{esc(entry.get('licence', ''))}</td></tr>"
        )
    n_fact = sum(1 for e in catalog.values() if e.get("kind") == "fact")
    body = (
        "<h1>数据集 Datasets</h1>"
        f'<p class="lead">{len(catalog)} 个数据集：'
        f"{n_fact} 个事实表（fact table，来自源文章，每行注明出处）"
        f"和 {len(catalog) - n_fact} 个模拟数据集（simulated，由带固定种子的生成器产生）。"
        "在笔记本里用 <code>casekit.data.load(name)</code> 读取经过校验的表。</p>"
        '<p class="lead" lang="en">Fact tables cite their source article in every row; simulated '
        "tables come from seeded generators. Load any of them with "
        "<code>casekit.data.load(name)</code>.</p>"
        '<div class="table-wrap"><table><thead><tr><th>名称 name</th><th>标题 title</th>'
        "<th>类型 kind</th><th>行数 rows</th><th>来源 source / 生成器 generator</th>"
        f"<th>许可 licence</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    pages.insert(
        0,
        Page(
            path="data/index.html",
            title="数据集 Datasets",
            body=body,
            section="data",
            sidebar=_section_sidebar("data/index.html", "数据集 Datasets", entries),
            source="datasets/catalog.yaml",
        ),
    )
    return pages, n_terms


def _glossary_page(df: Any) -> Page:
    import pandas as pd

    here = "glossary.html"

    def text(value: Any) -> str:
        return (
            ""
            if value is None or value is pd.NA or (isinstance(value, float) and value != value)
            else str(value)
        )

    ids = set(df["term_id"].astype(str))
    names = dict(zip(df["term_id"].astype(str), df["term_zh"].astype(str), strict=True))
    topics = [t for t in TOPIC_NAMES if t in set(df["topic"].astype(str))]
    topics += sorted(set(df["topic"].astype(str)) - set(topics))
    toc = []
    sections = []
    for topic in topics:
        zh, en = TOPIC_NAMES.get(topic, (topic, topic))
        part = df[df["topic"].astype(str) == topic]
        toc.append(
            f'<li><a href="#topic-{esc(topic)}">{esc(zh)} {esc(en)}</a> '
            f'<span class="badge">{len(part)}</span></li>'
        )
        items = []
        for row in part.itertuples(index=False):
            term_id = text(row.term_id)
            abbr = text(row.abbreviation)
            related = [r.strip() for r in re.split(r"[;,]", text(row.related)) if r.strip()]
            links = ", ".join(
                f'<a href="#term-{esc(r)}">{esc(names.get(r, r))}</a>' if r in ids else esc(r)
                for r in related
            )
            items.append(
                f'<dt class="glossary-term" id="term-{esc(term_id)}">{esc(text(row.term_zh))} '
                f'<span lang="en">{esc(text(row.term_en))}</span>'
                + (f' <span class="badge">{esc(abbr)}</span>' if abbr else "")
                + "</dt>"
                f"<dd>{esc(text(row.definition_zh))}</dd>"
                f'<dd class="en" lang="en">{esc(text(row.definition_en))}</dd>'
                + (
                    f'<dd class="formula">{esc(text(row.formula))}</dd>'
                    if text(row.formula)
                    else ""
                )
                + (f"<dd><small>相关 related: {links}</small></dd>" if links else "")
                + f'<dd><small class="en">来源 source: {esc(text(row.source))}</small></dd>'
            )
        sections.append(
            f'<h2 id="topic-{esc(topic)}">{esc(zh)} '
            f'<span class="en" lang="en">{esc(en)}</span></h2>'
            f'<dl class="glossary">{"".join(items)}</dl>'
        )
    body = (
        "<h1>术语表 Glossary</h1>"
        f'<p class="lead">{len(df)} 条课程术语，中英对照，按主题分组。数据来自数据集 '
        f'<a href="{esc(rel(here, "data/glossary.html"))}"><code>glossary</code></a>。</p>'
        f'<p class="lead" lang="en">{len(df)} course terms in Chinese and English, by topic.</p>'
        f"<ul>{''.join(toc)}</ul>" + "".join(sections)
    )
    return Page(
        path=here,
        title="术语表 Glossary",
        body=body,
        section="glossary",
        source="datasets/facts/glossary.csv",
    )


# --- instructor notes -------------------------------------------------------------------------


def _instructor_pages(folder: Path) -> tuple[list[Page], list[tuple[str, str]]]:
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    docs = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SiteError(f"{path}: not UTF-8 text ({exc})") from None
        heading = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.M)
        docs.append((path, heading.group(1) if heading else path.stem, text))
    entries = [("instructor/index.html", "讲师首页 Overview")] + [
        (f"instructor/{p.stem}.html", title) for p, title, _ in docs
    ]
    pages = []
    for path, title, text in docs:
        here = f"instructor/{path.stem}.html"
        pages.append(
            Page(
                path=here,
                title=title,
                body=f'<div class="notebook rendered_html">{markdown_to_html(text)}</div>',
                section="instructor",
                sidebar=_section_sidebar(here, "讲师 Instructor", entries),
                source=str(path),
            )
        )
    items = (
        "".join(
            f'<li><a href="{esc(rel("instructor/index.html", target))}">{esc(label)}</a></li>'
            for target, label in entries[1:]
        )
        or "<li>（暂无讲师文档 no instructor notes yet）</li>"
    )
    body = (
        "<h1>讲师 Instructor</h1>"
        '<p class="lead">给讲师的说明：如何组织课程、发放练习与评分。命令都在项目文件夹里运行'
        "（<code>make course</code> 之后）。</p>"
        '<p class="lead" lang="en">Notes for trainers: running the course, handing out and '
        "grading exercises.</p>"
        f"<ul>{items}</ul>"
    )
    pages.insert(
        0,
        Page(
            path="instructor/index.html",
            title="讲师 Instructor",
            body=body,
            section="instructor",
            sidebar=_section_sidebar("instructor/index.html", "讲师 Instructor", entries),
            source=str(folder),
        ),
    )
    return pages, entries[1:]


# --- links and offline checks -----------------------------------------------------------------


_ANCHOR = re.compile(r"<a\b([^>]*?)\shref=\"([^\"]*)\"([^>]*)>(.*?)</a>", re.S | re.I)
_RESOURCE = re.compile(
    r"<(script|link|img|iframe|source|audio|video|embed|object|track|input|image|use)\b[^>]*?"
    r"\s(src|href|data|srcset|poster|xlink:href)\s*=\s*[\"']?\s*((?:[a-z][a-z0-9+.-]*:)?//[^\"'\s>]*)",
    re.I,
)
_CSS_URL = re.compile(
    r"(?:url\(\s*[\"']?|@import\s+[\"'])\s*((?:[a-z][a-z0-9+.-]*:)?//[^\"')\s]*)", re.I
)


def external_resources(text: str) -> list[str]:
    """URLs on another host that a page or stylesheet would load (not plain ``<a>`` links)."""
    found = [m.group(3) for m in _RESOURCE.finditer(text)]
    found += [m.group(1) for m in _CSS_URL.finditer(text)]
    return found


def _fix_links(
    page: Page, existing: set[str], notebooks: set[str], exercises: set[str], instructor: set[str]
) -> str:
    """Point relative links at site pages; unwrap links to files the site does not hold."""
    here_dir = posixpath.dirname(page.path)

    def target_for(url: str) -> str | None:
        path, _, fragment = url.partition("#")
        path = path.split("?", 1)[0]
        name = posixpath.basename(path)
        stem, ext = posixpath.splitext(name)
        resolved = posixpath.normpath(posixpath.join(here_dir, path)) if path else page.path
        candidate = None
        if resolved in existing:
            candidate = resolved
        elif resolved.rstrip("/") + "/index.html" in existing:
            candidate = resolved.rstrip("/") + "/index.html"
        elif ext == ".ipynb" and stem in notebooks and "exercises" not in path.split("/")[:-1]:
            candidate = f"notebooks/{stem}.html"  # a link between notebooks, as in JupyterLab
        elif ext == ".ipynb" and stem in exercises:
            candidate = f"exercises/{stem}.html"
        elif ext == ".md" and stem in instructor:
            candidate = f"instructor/{stem}.html"
        if candidate is None:
            return None
        return rel(page.path, candidate + (f"#{fragment}" if fragment else ""))

    def replace(m: re.Match) -> str:
        before, url, after, inner = m.groups()
        raw = html.unescape(url)
        if (
            not raw
            or raw.startswith("#")
            or re.match(r"^[a-z][a-z0-9+.-]*:", raw, re.I)
            or (raw.startswith("//"))
        ):
            return m.group(0)  # in-page anchors, web links (plain anchors), mailto:, data:
        new = target_for(raw)
        if new is None:
            return f'<span class="offsite" title="{esc(raw)}">{inner}</span>'
        return f'<a{before} href="{esc(new)}"{after}>{inner}</a>'

    return _ANCHOR.sub(replace, page.body)


# --- the build --------------------------------------------------------------------------------


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteError(
            f"{out}: folder exists and is not a casekit site (no {MARKER} file); "
            "refusing to replace it — choose another --out or remove the folder"
        )


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with two renames; on failure the previous site stays."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}.tmp")
    if old.exists():
        shutil.rmtree(old)
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _read_notebook(path: Path) -> Any:
    try:
        return N.read_notebook(path)
    except CasekitError as exc:
        raise SiteError(str(exc)) from None


def _discover(folder: Path) -> list[Path]:
    return N.discover(folder)


def render_site(
    *,
    notebooks_dir: Path,
    exercises_dir: Path,
    instructor_dir: Path,
    catalog: Mapping[str, Mapping[str, Any]] | None = None,
    load: Callable[[str], Any] | None = None,
) -> dict[str, bytes]:
    """Every file of the site, by relative path (the build writes these)."""
    from casekit import data as casekit_data

    catalog = dict(casekit_data.raw_catalog() if catalog is None else catalog)
    load = casekit_data.load if load is None else load

    nb_paths = _discover(notebooks_dir)
    if not nb_paths:
        raise SiteError(f"{notebooks_dir}: no course notebooks (NN_slug.ipynb) to publish")
    cache_nb: dict[Path, Any] = {}

    def read(path: Path) -> Any:
        if path not in cache_nb:
            cache_nb[path] = _read_notebook(path)
        return cache_nb[path]

    notebooks = [notebook_info(read(p), p) for p in nb_paths]
    exercises = [exercise_info(read(p), p) for p in _discover(exercises_dir)]

    js, versions = vega_bundle()
    exporter = _exporter()

    pages: list[Page] = []
    pages += _notebook_pages(notebooks, exercises, read, exporter)
    pages += (
        _exercise_pages(exercises, notebooks, read, exporter)
        if exercises
        else [
            Page(
                path="exercises/index.html",
                title="练习 Exercises",
                section="exercises",
                body="<h1>练习 Exercises</h1><p>（暂无练习 no exercises yet）</p>",
            )
        ]
    )
    data_pages, n_terms = _data_pages(catalog, load)
    pages += data_pages
    if "glossary" in catalog:
        pages.append(_glossary_page(load("glossary")))
    else:
        pages.append(
            Page(
                path="glossary.html",
                title="术语表 Glossary",
                section="glossary",
                body="<h1>术语表 Glossary</h1><p>（数据目录里没有 glossary 数据集）</p>",
            )
        )
    instructor_pages, instructor_entries = _instructor_pages(instructor_dir)
    pages += instructor_pages
    pages.insert(0, _home_page(notebooks, exercises, len(catalog), n_terms, instructor_entries))

    files: dict[str, bytes] = {}
    for e in exercises:
        files[f"exercises/{e.slug}.ipynb"] = e.path.read_bytes()
    header = (
        f"/* Vega {versions['vega']}, Vega-Lite {versions['vega-lite']}, vega-embed "
        f"{versions['vega-embed']}: bundled by vl-convert-python {versions['vl-convert-python']} "
        "(BSD-3-Clause); see NOTICE.txt */\n"
    )
    files["assets/vega/vega-bundle.js"] = (header + js + "\n").encode("utf-8")
    files["assets/vega/NOTICE.txt"] = _notice(versions).encode("utf-8")
    files["assets/casekit.js"] = _CHART_JS.encode("utf-8")
    files["assets/casekit.css"] = _css().encode("utf-8")
    files[MARKER] = b"This folder is generated by `casekit site`; a new build replaces it whole.\n"

    existing = {p.path for p in pages} | set(files)
    nb_slugs = {n.slug for n in notebooks}
    ex_slugs = {e.slug for e in exercises}
    md_stems = {posixpath.basename(t)[: -len(".html")] for t, _ in instructor_entries}
    for page in pages:
        page.body = _fix_links(page, existing, nb_slugs, ex_slugs, md_stems)
        text = _layout(page, versions)
        bad = external_resources(text)
        if bad:
            raise SiteError(
                f"{page.source or page.path}: would load {bad[0]!r} from the network; the site "
                "must work offline (remove it from the notebook or note)"
            )
        files[page.path] = text.encode("utf-8")
    bad_css = external_resources(files["assets/casekit.css"].decode("utf-8"))
    if bad_css:  # pragma: no cover - our own stylesheet
        raise SiteError(f"assets/casekit.css loads {bad_css[0]!r}")
    return dict(sorted(files.items()))


def _notice(versions: Mapping[str, str]) -> str:
    return (
        "vega-bundle.js: Vega {vega}, Vega-Lite {vl}, vega-embed {embed} and their dependencies\n"
        "(d3 modules and others), bundled into one script by vl-convert-python {vlc}\n"
        "(vl_convert.javascript_bundle), copied from the installed Python package at build time.\n"
        "\n"
        "Vega, Vega-Lite and vega-embed: Copyright (c) the University of Washington Interactive\n"
        "Data Lab; BSD 3-Clause licence.\n"
        "vl-convert: Copyright (c) Jon Mease; BSD 3-Clause licence.\n"
        "d3 modules: Copyright Mike Bostock; ISC licence. See each project's LICENSE file.\n"
    ).format(
        vega=versions["vega"],
        vl=versions["vega-lite"],
        embed=versions["vega-embed"],
        vlc=versions["vl-convert-python"],
    )


def build_site(
    out: Path = Path("site"),
    *,
    notebooks_dir: Path = Path("notebooks"),
    exercises_dir: Path = Path("exercises"),
    instructor_dir: Path = Path("instructor"),
) -> SiteReport:
    """Build the static site into ``out`` atomically; see the module docstring."""
    started = time.perf_counter()
    out = Path(out)
    _check_target(out)
    files = render_site(
        notebooks_dir=Path(notebooks_dir),
        exercises_dir=Path(exercises_dir),
        instructor_dir=Path(instructor_dir),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        _write_tree(tmp, files.items(), umask)
        _check_target(out)
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _js, versions = vega_bundle()
    return SiteReport(
        path=out,
        files=list(files),
        size_bytes=sum(len(b) for b in files.values()),
        seconds=time.perf_counter() - started,
        versions=dict(versions),
    )


def _write_tree(root: Path, files: Iterable[tuple[str, bytes]], umask: int) -> None:
    for relpath, content in files:
        target = root / relpath
        if not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.chmod(folder, 0o777 & ~umask)
