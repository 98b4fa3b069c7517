"""The class report in Chromium: every chart drawn as SVG, no request leaves the page, the
Chinese text drawn by a CJK font. A screenshot goes to ``test-artifacts/report/``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from casekit.course import notebooks as N
from casekit.course import report as R
from casekit.course import synthclass as S

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "report"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HAN = re.compile(r"[\u4e00-\u9fff]")
CJK_FAMILIES = re.compile(r"CJK|Source Han|WenQuanYi|Droid Sans Fallback|AR PL|Noto Sans SC")

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    """A report of 40 synthetic students on the course's real exercises (rows written directly)."""
    tmp = tmp_path_factory.mktemp("report-browser")
    specs = {p.stem: N.exercise_spec(N.read_notebook(p), str(p))
             for p in N.discover(ROOT / "solutions")}
    S.synthetic_gradebook(tmp / "grading" / "gradebook.sqlite", specs, n_students=40, seed=3)
    result = R.report(tmp / "grading", solutions=ROOT / "solutions",
                      notebooks=ROOT / "notebooks")
    return result.html


@pytest.fixture(scope="module")
def page(report_html):
    executable = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not executable:
        pytest.skip("Chromium not found at /usr/bin/chromium; browser test skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), headless=True,
                                     args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        outside: list[str] = []

        def watch(route):
            url = route.request.url
            if url.startswith(("file://", "data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", watch)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.goto(report_html.as_uri())
        pg.wait_for_selector("html[data-charts=done]", timeout=120_000)
        pg.outside, pg.errors = outside, errors
        try:
            yield pg
        finally:
            browser.close()


def test_every_chart_is_drawn_as_svg(page):
    state = page.evaluate("""() => [...document.querySelectorAll('.casekit-chart')].map(b => ({
        rendered: b.getAttribute('data-rendered'),
        marks: b.querySelectorAll('svg .role-mark path, svg .role-mark rect').length}))""")
    assert len(state) == 3, state
    assert all(c["rendered"] == "true" and c["marks"] > 0 for c in state), state
    assert not page.errors, page.errors


def test_no_request_leaves_the_page(page):
    assert page.outside == []


def _fonts_for(page, selector: str) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        assert node["nodeId"], f"nothing matches {selector}"
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    finally:
        cdp.detach()


@pytest.mark.parametrize("selector", ["h1", "#risk", ".casekit-chart svg .role-axis-title text"])
def test_chinese_is_drawn_by_a_cjk_font(page, selector):
    page.evaluate("""(sel) => { const han = /[\\u4e00-\\u9fff]/;
        const hit = [...document.querySelectorAll(sel)].find(e => han.test(e.textContent));
        if (hit) hit.setAttribute('data-cjk-probe', '1'); }""", selector)
    text = page.evaluate("() => document.querySelector('[data-cjk-probe]').textContent")
    fonts = _fonts_for(page, "[data-cjk-probe]")
    page.evaluate("() => document.querySelector('[data-cjk-probe]').removeAttribute("
                  "'data-cjk-probe')")
    han = len(HAN.findall(text))
    cjk = sum(f["glyphCount"] for f in fonts if CJK_FAMILIES.search(f["familyName"]))
    assert han and cjk >= han, f"{text!r}: {han} Han characters, {cjk} CJK glyphs: {fonts}"


def test_screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "class-report.png"
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000
