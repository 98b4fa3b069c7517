"""Every committed chart drawn in Chromium by JupyterLab's own Vega renderer.

JupyterLab 4 draws ``application/vnd.vegalite.v5+json`` outputs with the vega-embed,
Vega and Vega-Lite bundled in its static assets (Vega-Lite 5.6.1, older than the
altair that writes the specs). This test loads exactly those modules from the installed
``jupyterlab`` (no network, no CDN) and draws every chart of ``notebooks/`` with the SVG
renderer, then checks what a student would see:

* the renderer logs no warning or error (no "The input spec uses Vega-Lite v5.20.1"
  notice, no feature 5.6 lacks);
* the labels of each axis do not overlap (their bounding boxes do not intersect);
* the "当前 current" labels of a what-if chart do not overlap each other.

Screenshots of 07's daily bars and its list-price chart are written to
``test-artifacts/`` (before = the notebook at :data:`BEFORE_COMMIT`, after = now).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from casekit import charts

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
MIMETYPE = "application/vnd.vegalite.v5+json"
BEFORE_COMMIT = "cc82b01"  # the last commit before issue #18's chart fixes
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--allow-file-access-from-files"]

playwright = pytest.importorskip("playwright.sync_api")


def _jupyterlab_static() -> Path:
    from jupyterlab.commands import get_app_dir

    base = Path(get_app_dir()) / "static"
    if not any(base.glob("main.*.js")):
        pytest.skip("the installed jupyterlab has no static bundle")
    return base


# The smallest module runtime that can run rspack chunks outside JupyterLab: JupyterLab
# resolves shared packages (vega, vega-lite, vega-embed) through module federation; here
# each shared id is pointed at the module JupyterLab itself would fall back to.
_RUNTIME = """
() => {
  const modules = {};
  for (const [, mods] of self.rspackChunk_jupyterlab_application_top) Object.assign(modules, mods);
  for (const [id, target] of Object.entries(window.__shared))
    if (!modules[id] && modules[target]) modules[id] = (m, e, r) => { m.exports = r(target); };
  // main.js's "process" polyfill (main.js itself would start the whole application)
  modules[window.__process] = modules[window.__process] || ((m) => { m.exports = {
    env: {}, argv: [], browser: true, cwd: () => "/",
    nextTick: (f, ...a) => setTimeout(() => f(...a)) }; });
  const cache = {};
  function req(id) {
    if (cache[id]) return cache[id].exports;
    if (!modules[id]) throw new Error("missing module " + id);
    const m = cache[id] = {exports: {}, id, loaded: false};
    modules[id].call(m.exports, m, m.exports, req);
    return m.exports;
  }
  req.d = (e, defs) => { for (const k in defs) if (!Object.prototype.hasOwnProperty.call(e, k))
    Object.defineProperty(e, k, {enumerable: true, get: defs[k]}); };
  req.r = e => { Object.defineProperty(e, Symbol.toStringTag, {value: "Module"});
    Object.defineProperty(e, "__esModule", {value: true}); };
  req.n = m => {
    const g = m && m.__esModule ? () => m.default : () => m; req.d(g, {a: g}); return g; };
  req.o = (o, p) => Object.prototype.hasOwnProperty.call(o, p);
  req.g = globalThis;
  req.nmd = m => { m.paths = []; m.children = m.children || []; return m; };
  window.__embed = req(window.__shared[window.__embedId]);
  return {vega: window.__embed.vega.version, vegaLite: window.__embed.vegaLite.version};
}
"""

# Draw one spec; return the renderer's messages and the boxes of axis labels and texts.
_DRAW = """
async (spec) => {
  const messages = [];
  const log = (level) => (...args) => messages.push(level + ": " + args.join(" "));
  const logger = {level() { return this; }, warn: log("warn"), info: log("info"),
                  debug() {}, error: log("error")};
  const el = document.getElementById("view");
  el.innerHTML = "";
  // what JupyterLab's renderer passes (actions, default style), plus svg and our logger
  const result = await window.__embed.default(el, spec, {actions: true, defaultStyle: true,
    mode: "vega-lite", renderer: "svg", logger});
  await result.view.runAsync();
  // the four corners of a text's own box on screen: rotated labels stay rotated boxes
  const box = (n) => { const b = n.getBBox(), m = n.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height],
            [b.x, b.y + b.height]].map(([x, y]) => [m.a * x + m.c * y + m.e,
                                                      m.b * x + m.d * y + m.f]); };
  const visible = (n) => n.textContent.trim() && getComputedStyle(n).opacity !== "0"
    && n.getAttribute("opacity") !== "0";
  const axes = [...el.querySelectorAll("g.role-axis")].map((axis) => ({
    title: [...axis.querySelectorAll(".role-axis-title text")].map((t) => t.textContent).join(""),
    labels: [...axis.querySelectorAll(".role-axis-label text")].filter(visible)
      .map((t) => ({text: t.textContent, box: box(t)})),
  }));
  const texts = [...el.querySelectorAll("g.mark-text.role-mark text")].filter(visible)
    .map((t) => ({text: t.textContent, box: box(t)}));
  result.finalize();
  return {messages, axes, texts};
}
"""


def _overlap(a: list[list[float]], b: list[list[float]], tolerance: float = 0.5) -> bool:
    """Whether two convex quadrilaterals (text boxes, maybe rotated) overlap by more than
    ``tolerance`` px: separating-axis test over the edges of both."""
    for quad in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = quad[i], quad[(i + 1) % 4]
            nx, ny = y1 - y2, x2 - x1
            norm = (nx * nx + ny * ny) ** 0.5 or 1.0
            pa = [(nx * x + ny * y) / norm for x, y in a]
            pb = [(nx * x + ny * y) / norm for x, y in b]
            if min(max(pa), max(pb)) - max(min(pa), min(pb)) <= tolerance:
                return False
    return True


def _charts(nb: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            spec = output.get("data", {}).get(MIMETYPE)
            if spec is not None:
                out.append((index, spec))
    return out


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    static = _jupyterlab_static()
    main = next(static.glob("main.*.js")).read_text(encoding="utf-8")
    shared = dict(re.findall(
        r'(\d+):\{shareScope:"default",shareKey:"[^"]+",import:"[^"]+",[^{}]*?'
        r"__webpack_require__\((\d+)\)\),treeShakingMode", main))
    embed_id = re.search(r'(\d+):\{shareScope:"default",shareKey:"vega-embed"', main).group(1)
    process_id = re.search(r'(\d+)\(e\)\{var r,t,n,a=e.exports=\{\};function o\(\)\{throw '
                           r'Error\("setTimeout has not been defined"\)', main)
    skip = ("main.", "jlab_core.", "index.out", "style.js", "remoteEntry")
    chunks = [p for p in sorted(static.glob("*.js")) if not p.name.startswith(skip)]
    html = (
        '<!doctype html><html><head><meta charset="utf-8"></head><body>'
        "<script>self.rspackChunk_jupyterlab_application_top=[];"
        f"window.__shared={json.dumps(shared)};window.__embedId={json.dumps(embed_id)};"
        f"window.__process={json.dumps(process_id.group(1) if process_id else '65606')};"
        "</script>"
        + "".join(f'<script src="{p.as_uri()}"></script>' for p in chunks)
        + '<div id="view" style="display:inline-block;padding:8px"></div></body></html>'
    )
    path = tmp_path_factory.mktemp("vega") / "render.html"
    path.write_text(html, encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        pg = browser.new_page(viewport={"width": 1000, "height": 800})
        pg.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline
        pg.goto(path.as_uri())
        versions = pg.evaluate(_RUNTIME)
        pg.versions = versions
        yield pg
        browser.close()


def test_renderer_is_the_version_the_specs_are_labelled_with(page):
    assert page.versions["vegaLite"] == charts.RENDERER_VEGALITE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chart_draws_without_warnings_or_overlapping_labels(page, path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for index, spec in _charts(nb):
        where = f"{path.name} cell {index}"
        assert spec["$schema"].endswith(f"/v{charts.RENDERER_VEGALITE}.json"), where
        drawn = page.evaluate(_DRAW, spec)
        problems += [f"{where}: {m}" for m in drawn["messages"]]
        for axis in drawn["axes"]:
            labels = axis["labels"]
            for a, b in pairwise(labels):
                if _overlap(a["box"], b["box"]):
                    problems.append(f"{where}: axis {axis['title']!r} labels {a['text']!r} "
                                    f"and {b['text']!r} overlap")
        current = [t for t in drawn["texts"] if t["text"].startswith("当前 current")]
        for i, a in enumerate(current):
            for b in current[i + 1:]:
                if _overlap(a["box"], b["box"]):
                    problems.append(f"{where}: labels {a['text']!r} and {b['text']!r} overlap")
    assert not problems, "\n".join(problems)


def test_overlap_check_can_fail(page):
    """The check above sees overlap: crowded tick labels on a narrow axis are caught."""
    spec = {
        "$schema": f"https://vega.github.io/schema/vega-lite/v{charts.RENDERER_VEGALITE}.json",
        "data": {"values": [{"x": v} for v in range(0, 1001, 50)]},
        "mark": "point",
        "encoding": {"x": {"field": "x", "type": "quantitative",
                           "axis": {"labelOverlap": False, "tickCount": 20}}},
        "width": 120,
    }
    drawn = page.evaluate(_DRAW, spec)
    labels = next(axis["labels"] for axis in drawn["axes"] if axis["labels"])
    assert any(_overlap(a["box"], b["box"]) for a, b in pairwise(labels))


def _spec_at(ref: str | None, name: str, cell_marker: str) -> dict[str, Any] | None:
    if ref is None:
        text = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
    else:
        git = shutil.which("git")
        if git is None:
            return None
        run = subprocess.run([git, "show", f"{ref}:notebooks/{name}"], cwd=ROOT,
                             capture_output=True, text=True, encoding="utf-8")
        if run.returncode != 0:
            return None
        text = run.stdout
    nb = json.loads(text)
    for _, spec in _charts(nb):
        title = spec.get("title", {})
        if cell_marker in json.dumps(title, ensure_ascii=False):
            return spec
    return None


@pytest.mark.parametrize(
    ("slug", "marker"),
    [("07_daily_bars", "每日行为数"), ("07_list_price", "标价与到手价")],
)
def test_screenshots_of_07_before_and_after(page, slug, marker):
    ARTIFACTS.mkdir(exist_ok=True)
    after = _spec_at(None, "07_campaign_618.ipynb", marker)
    assert after is not None, f"07 has no chart titled {marker!r}"
    for label, spec in (("before", _spec_at(BEFORE_COMMIT, "07_campaign_618.ipynb", marker)),
                        ("after", after)):
        if spec is None:
            continue  # no git history (an sdist): only the current chart
        page.evaluate(_DRAW, spec)
        page.locator("#view").screenshot(path=str(ARTIFACTS / f"{slug}_{label}.png"))
    assert (ARTIFACTS / f"{slug}_after.png").stat().st_size > 1000

