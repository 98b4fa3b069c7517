"""`casekit site`: the offline static course site, checked on disk and in headless Chromium.

The site is built once per module from the committed executed notebooks (nothing re-runs).
The browser tests drive Debian's ``/usr/bin/chromium`` with Playwright, open every page over
``file://``, block every request that leaves the site folder, and look at what a reader sees.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
from click.testing import CliRunner
from markupsafe import escape

from casekit import data
from casekit.course import site as S
from casekit.course.notebooks import discover
from casekit.course.site import build as SB

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def esc(value) -> str:
    """How the site's templates escape a value (jinja2 autoescape)."""
    return str(escape(value))


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> S.SiteReport:
    out = tmp_path_factory.mktemp("site-build") / "site"
    return S.build_site(
        out,
        notebooks_dir=ROOT / "notebooks",
        exercises_dir=ROOT / "exercises",
        instructor_dir=ROOT / "instructor",
    )


@pytest.fixture(scope="module")
def site_dir(built: S.SiteReport) -> Path:
    return built.path


def _pages(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


class _Tags(HTMLParser):
    """Collects (tag, attributes) of every start tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


# --- on disk ----------------------------------------------------------------------------------


def test_every_page_exists(site_dir: Path):
    notebooks = discover([ROOT / "notebooks"])
    assert notebooks, "no curriculum notebooks found"
    for nb in notebooks:
        assert (site_dir / "notebooks" / f"{nb.stem}.html").is_file(), nb.name
    for ex in discover([ROOT / "exercises"]):
        assert (site_dir / "exercises" / f"{ex.stem}.html").is_file(), ex.name
        # the download is the exercise file itself, byte for byte
        assert (site_dir / "exercises" / ex.name).read_bytes() == ex.read_bytes()
    for name in data.raw_catalog():
        assert (site_dir / "data" / f"{name}.html").is_file(), name
    for md in sorted((ROOT / "instructor").glob("*.md")):
        assert (site_dir / "instructor" / f"{md.stem}.html").is_file(), md.name
    for page in (
        "index.html",
        "glossary.html",
        "exercises/index.html",
        "data/index.html",
        "instructor/index.html",
    ):
        assert (site_dir / page).is_file(), page
    assert (site_dir / S.MARKER).is_file()


def test_pages_are_chinese_with_a_cjk_font_stack(site_dir: Path):
    css = (site_dir / "assets" / "casekit.css").read_text(encoding="utf-8")
    for font in (
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "PingFang SC",
        "Microsoft YaHei",
        "WenQuanYi Micro Hei",
    ):
        assert font in css
    for page in _pages(site_dir):
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!DOCTYPE html>\n<html lang="zh-CN">'), page
        assert '<meta charset="utf-8">' in text
        assert CJK.search(text), page


def test_nothing_is_loaded_from_another_host(site_dir: Path):
    problems = []
    for page in _pages(site_dir):
        for tag, attrs in _tags(page):
            if tag in ("script", "link", "img", "iframe", "source", "video", "audio", "embed"):
                for attr in ("src", "href", "srcset", "data"):
                    value = attrs.get(attr, "")
                    if re.match(r"^\s*(https?:)?//", value, re.I):
                        problems.append(f"{page.relative_to(site_dir)}: <{tag} {attr}={value}>")
        text = page.read_text(encoding="utf-8")
        for needle in (
            "require.js",
            "requirejs",
            "MathJax",
            "cdn.jsdelivr",
            "unpkg.com",
            "fonts.googleapis",
            "cdnjs",
        ):
            if needle.lower() in text.lower():
                problems.append(f"{page.relative_to(site_dir)}: mentions {needle}")
        # web links in text are plain anchors; the course itself has none (the documents in
        # docs/, e.g. the bibliography, may cite public web pages)
        if page.relative_to(site_dir).parts[0] == "docs":
            continue
        for tag, attrs in _tags(page):
            if tag == "a" and re.match(r"^\s*(https?:)?//", attrs.get("href", ""), re.I):
                problems.append(f"{page.relative_to(site_dir)}: links to {attrs['href']}")
    css = (site_dir / "assets" / "casekit.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import", css)
    assert not problems, "\n".join(problems)


def test_vega_runtime_is_bundled_into_the_site(built: S.SiteReport):
    bundle = built.path / "assets" / "vega" / "vega-bundle.js"
    js = bundle.read_text(encoding="utf-8")
    assert len(js) > 300_000
    assert "window.vegaEmbed" in js
    assert built.versions["vega-lite"].startswith(S.VEGALITE_MINOR + ".")
    assert f"Vega-Lite {built.versions['vega-lite']}" in js.splitlines()[0]
    notice = (built.path / "assets" / "vega" / "NOTICE.txt").read_text(encoding="utf-8")
    assert "BSD" in notice and built.versions["vega"] in notice
    assert (built.path / "assets" / "casekit.js").is_file()
    # every chart page loads the bundle from inside the site
    chart_page = built.path / "notebooks" / "03_promotion_funnel.html"
    scripts = [a["src"] for t, a in _tags(chart_page) if t == "script" and "src" in a]
    assert scripts == ["../assets/vega/vega-bundle.js", "../assets/casekit.js"]


def _outputs(path: Path, mimetype: str) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(mimetype in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def test_charts_and_widgets_are_rendered_for_the_static_site(site_dir: Path):
    for nb in discover([ROOT / "notebooks"]):
        text = (site_dir / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        n_charts = _outputs(nb, S.VEGALITE_MIMETYPE)
        assert n_charts >= 1
        assert text.count('class="casekit-chart"') == n_charts, nb.name
        assert text.count('class="casekit-chart-spec"') == n_charts
        n_widgets = _outputs(nb, S.WIDGET_MIMETYPE)
        assert text.count('class="casekit-widget-note"') == n_widgets, nb.name
        assert "application/vnd.jupyter.widget" not in text
        assert "application/vnd.vegalite" not in text
    # the chart specs are Vega (compiled at build time) and parse as JSON
    page = (site_dir / "notebooks" / "03_promotion_funnel.html").read_text(encoding="utf-8")
    specs = re.findall(
        r'<script type="application/json" class="casekit-chart-spec">(.*?)'
        r"</script>",
        page,
        re.S,
    )
    assert specs and all("marks" in json.loads(s) for s in specs)
    widget = (site_dir / "notebooks" / "03_promotion_funnel.html").read_text(encoding="utf-8")
    assert S.WIDGET_NOTE in widget and S.WIDGET_NOTE_EN in widget
    assert "GMV 销售额" in widget  # the widget's own static snapshot


def test_home_page_shows_the_course_map(site_dir: Path):
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    for path in discover([ROOT / "notebooks"]):
        info = S.notebook_info(nbformat.read(path, as_version=4), path)
        assert f'href="notebooks/{path.stem}.html"' in home
        assert info.title in home
        assert info.minutes and f"预计用时 {info.minutes} 分钟" in home
        assert len(info.objectives) >= 3
        assert esc(info.objectives[-1].split("`")[0]) in home
    assert "课程地图" in home and 'id="course-map"' in home


def test_exercise_index_lists_questions_points_and_downloads(site_dir: Path):
    index = (site_dir / "exercises" / "index.html").read_text(encoding="utf-8")
    for path in discover([ROOT / "exercises"]):
        meta = nbformat.read(path, as_version=4).metadata["casekit"]["exercise"]
        assert esc(meta["title_zh"]) in index
        assert f'href="{path.name}" download' in index
        for q in meta["questions"]:
            assert esc(q["title_zh"]) in index
        total = sum(q["points"] for q in meta["questions"])
        assert f'<td class="points">{total:g}</td>' in index


def test_dataset_pages_document_schema_source_and_samples(site_dir: Path):
    for name, entry in data.raw_catalog().items():
        page = (site_dir / "data" / f"{name}.html").read_text(encoding="utf-8")
        assert esc(entry["title"]["zh"]) in page and esc(entry["title"]["en"]) in page
        assert esc(entry["licence"]) in page
        for col in entry["columns"]:
            assert f"<code>{esc(col['name'])}</code>" in page, (name, col["name"])
        if entry["kind"] == "fact":
            assert all(src in page for src in entry["sources"])
        else:
            assert entry["generator"]["function"] in page
            assert f"<code>{entry['generator']['seed']}</code>" in page
        assert "样例 Sample rows" in page and "<table" in page
    events = (site_dir / "data" / "events_618.html").read_text(encoding="utf-8")
    assert "pv, cart, fav, buy" in events  # allowed values
    assert f"{len(data.load('events_618')):,}" in events  # row count


def test_glossary_page_lists_every_term(site_dir: Path):
    page = (site_dir / "glossary.html").read_text(encoding="utf-8")
    glossary = data.load("glossary")
    for row in glossary.itertuples():
        assert f'id="term-{row.term_id}"' in page
        assert esc(row.term_zh) in page and esc(row.term_en) in page
    for target in set(re.findall(r'href="#term-([^"]+)"', page)):
        assert f'id="term-{target}"' in page


def test_two_builds_are_byte_identical(built: S.SiteReport, tmp_path: Path):
    again = S.build_site(
        tmp_path / "site",
        notebooks_dir=ROOT / "notebooks",
        exercises_dir=ROOT / "exercises",
        instructor_dir=ROOT / "instructor",
    )
    first = {
        p.relative_to(built.path): p.read_bytes() for p in built.path.rglob("*") if p.is_file()
    }
    second = {
        p.relative_to(again.path): p.read_bytes() for p in again.path.rglob("*") if p.is_file()
    }
    assert sorted(first) == sorted(second)
    assert [str(k) for k in sorted(first) if first[k] != second[k]] == []


# --- failures, hostile input and the CLI ------------------------------------------------------


def _tiny_course(tmp_path: Path, output_html: str) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 01 测试\n\n## 学习目标\n- 一\n\n## 预计用时\n10 分钟\n"),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/html": output_html, "text/plain": "x"}
                )
            ],
        ),
    ]
    nbformat.write(nb, folder / "01_test.ipynb")
    return folder


def test_a_page_that_would_load_from_the_network_fails_the_build(tmp_path: Path):
    notebooks = _tiny_course(tmp_path, '<script src="https://cdn.example.invalid/x.js"></script>')
    with pytest.raises(S.SiteError, match=r"01_test.ipynb: would load 'https://cdn"):
        S.build_site(
            tmp_path / "site",
            notebooks_dir=notebooks,
            exercises_dir=tmp_path / "none",
            instructor_dir=tmp_path / "none",
        )
    assert not (tmp_path / "site").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["notebooks"]


def test_links_between_notes_and_notebooks_point_at_site_pages(tmp_path: Path):
    notebooks = _tiny_course(tmp_path, "<p>ok</p>")
    notes = tmp_path / "instructor"
    notes.mkdir()
    (notes / "a.md").write_text(
        "# 笔记 A\n\n[B](b.md#x) · [nb](../notebooks/01_test.ipynb) · [readme](../README.md)"
        " · [web](https://example.org/doc)\n",
        encoding="utf-8",
    )
    (notes / "b.md").write_text("# 笔记 B\n", encoding="utf-8")
    files = S.render_site(
        notebooks_dir=notebooks,
        exercises_dir=tmp_path / "none",
        instructor_dir=notes,
        catalog={},
    )
    page = files["instructor/a.html"].decode("utf-8")
    assert 'href="b.html#x"' in page
    assert 'href="../notebooks/01_test.html"' in page
    assert '<span class="offsite" title="../README.md">readme</span>' in page
    assert 'href="https://example.org/doc"' in page  # a plain link in text, never loaded
    assert "instructor/b.html" in files and "glossary.html" in files


def test_chart_text_cannot_break_out_of_its_script_tag():
    nb = nbformat.v4.new_notebook()
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.20.1.json",
        "title": "</script><script>alert(1)</script>",
        "data": {"values": [{"a": 1}]},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "c",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={S.VEGALITE_MIMETYPE: spec, "text/plain": "<chart>"}
                )
            ],
        )
    ]
    prepared, n_charts = S.prepare_notebook(nb, "test")
    html = prepared.cells[0].outputs[0]["data"]["text/html"]
    assert n_charts == 1
    assert html.count("</script>") == 1 and "<script>alert" not in html
    body = re.search(r'class="casekit-chart-spec">(.*)</script>', html).group(1)
    vega = json.loads(body)
    assert "$schema" not in vega and vega["title"]["text"] == spec["title"]


def test_a_failed_build_leaves_the_previous_site(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(SB, "render_site", lambda **kw: {S.MARKER: b"x", "index.html": b"v1"})
    out = tmp_path / "site"
    S.build_site(out, notebooks_dir=tmp_path)
    assert (out / "index.html").read_bytes() == b"v1"

    def broken(root, files, umask):
        (root / "index.html").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(SB, "_write_tree", broken)
    with pytest.raises(OSError, match="disk full"):
        S.build_site(out, notebooks_dir=tmp_path, force=True)
    assert (out / "index.html").read_bytes() == b"v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folder left


def test_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(SB, "render_site", lambda **kw: {S.MARKER: b"x", "index.html": b"v1"})
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(S.SiteError, match="not a casekit site"):
        S.build_site(notes, notebooks_dir=tmp_path)
    assert (notes / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_cli_site_prints_folder_and_size(tmp_path: Path, monkeypatch):
    from casekit.course.cli import main

    monkeypatch.setattr(SB, "render_site", lambda **kw: {S.MARKER: b"x", "index.html": b"<p>"})
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["site", "--out", str(out), "--notebooks", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "MB" in result.output and "index.html" in result.output
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["site", "--out", str(tmp_path / "other"), "--notebooks", str(tmp_path)]
    )
    assert result.exit_code == 1 and "not a casekit site" in result.output


def test_code_in_an_unknown_language_keeps_its_first_line():
    html = S.markdown_to_html("```csv\nstudent_id,name\n```\n\n```bash\nls\n```\n")
    assert "csv\nstudent_id" not in html and "student_id,name" in html
    assert 'class="highlight"' in html  # bash is still highlighted


def test_formulas_become_mathml_without_mathjax():
    html = S.markdown_to_html(r"均值 $$\frac{a}{b}$$ 与 $x_i$，价格 $5 和 $6。")
    assert '<div class="math-display"><math' in html and "<mfrac>" in html
    assert "<msub>" in html  # the inline formula
    assert "$5 和 $6" in html  # dollar amounts are left alone


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]'); browser tests skipped")
    executable = (
        CHROMIUM
        if CHROMIUM.exists()
        else (Path(found) if (found := shutil.which("chromium")) else None)
    )
    if executable is None:
        pytest.skip(
            "Chromium not found at /usr/bin/chromium (Debian: apt-get install chromium; "
            ".ci/run installs it); browser tests skipped"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


_PAGE_STATE = """() => {
  const charts = Array.from(document.querySelectorAll('.casekit-chart')).map(box => ({
    id: box.id,
    rendered: box.getAttribute('data-rendered'),
    marks: box.querySelectorAll('svg g.role-mark > *').length,
    canvas: box.querySelectorAll('canvas').length,
  }));
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  const nav = Array.from(document.querySelectorAll('header a[href], nav a[href]')).length;
  return {charts, links, nav, text: document.body.innerText, lang: document.documentElement.lang};
}"""


def _offline_context(browser, site_dir: Path, height: int):
    """A zh-CN browser context that aborts, and records, every request outside the site."""
    site_uri = site_dir.resolve().as_uri() + "/"
    context = browser.new_context(viewport={"width": 1280, "height": height}, locale="zh-CN")
    left_site: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(site_uri):
            request_route.continue_()
        else:
            left_site.append(url)
            request_route.abort()

    context.route("**/*", route)
    return context, left_site


def test_every_page_in_chromium(browser, site_dir: Path):
    site_uri = site_dir.resolve().as_uri() + "/"
    context, left_site = _offline_context(browser, site_dir, 900)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"{page.url}: uncaught {e}"))
    page.on("request", lambda r: requests.append(r.url))

    problems: list[str] = []
    n_charts = 0
    for path in _pages(site_dir):
        name = str(path.relative_to(site_dir))
        if name.startswith("present/"):  # the projector views: their own test below
            continue
        page.goto(path.resolve().as_uri(), wait_until="load")
        if page.locator(".casekit-chart").count():
            page.wait_for_selector("html[data-charts='done']", timeout=30_000)
        state = page.evaluate(_PAGE_STATE)
        if state["lang"] != "zh-CN" or not CJK.search(state["text"]):
            problems.append(f"{name}: no Chinese text or lang != zh-CN")
        if state["nav"] < 5:
            problems.append(f"{name}: navigation missing")
        for chart in state["charts"]:
            n_charts += 1
            if chart["rendered"] != "true" or not (chart["marks"] or chart["canvas"]):
                problems.append(f"{name}: chart {chart['id']} not drawn ({chart})")
        for link in state["links"]:
            parsed = urlparse(link)
            if parsed.scheme != "file":
                problems.append(f"{name}: link leaves the site: {link}")
                continue
            target = Path(unquote(parsed.path))
            if not link.startswith(site_uri) or not target.is_file():
                problems.append(f"{name}: broken link {link}")
        if name == "index.html":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "site-home.png"))
        if name == "notebooks/03_promotion_funnel.html":
            ARTIFACTS.mkdir(exist_ok=True)
            page.evaluate("document.getElementById('chart-1').scrollIntoView({block: 'center'})")
            page.screenshot(path=str(ARTIFACTS / "site-chart.png"))
    context.close()

    expected = sum(_outputs(nb, S.VEGALITE_MIMETYPE) for nb in discover([ROOT / "notebooks"]))
    assert n_charts == expected
    assert not errors, "console errors:\n" + "\n".join(errors)
    assert not left_site, f"requests left the site: {left_site}"
    outside = [u for u in requests if not u.startswith(site_uri) and not u.startswith("data:")]
    assert not outside, f"requests outside the site folder: {outside}"
    assert not problems, "\n".join(problems)
    assert (ARTIFACTS / "site-home.png").stat().st_size > 10_000


def test_chart_tooltips_and_export_menu_work_offline(browser, site_dir: Path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto((site_dir / "notebooks" / "04_paid_traffic.html").resolve().as_uri())
    page.wait_for_selector("html[data-charts='done']")
    mark = page.locator("#chart-1 svg g.role-mark > *").first
    mark.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    assert page.locator("#vg-tooltip-element").inner_text().strip()
    # the actions menu offers exports only (no "Open in Vega Editor", which would go online)
    menu = page.locator("#chart-1 .vega-actions a")
    labels = [menu.nth(i).inner_text() for i in range(menu.count())]
    assert labels and all("Editor" not in label for label in labels)
    page.close()
    assert not errors


_SLIDES = """() => {
  const slides = Array.from(document.querySelectorAll('.deck > .slide'));
  const shown = slides.filter(s => getComputedStyle(s).display !== 'none');
  const cur = shown[0];
  return {n: slides.length, shown: shown.length, at: document.body.dataset.slide,
          count: document.querySelector('.present-count').textContent,
          font: cur ? parseFloat(getComputedStyle(cur).fontSize) : 0,
          text: cur ? cur.innerText : '', h2: cur ? cur.querySelectorAll('h2').length : 0,
          header: getComputedStyle(document.querySelector('.site-header')).display};
}"""


def test_projector_view_shows_one_section_per_screen_offline(browser, site_dir: Path):
    """Each notebook's projector view: large type, one ## section per screen, arrow keys."""
    context, left_site = _offline_context(browser, site_dir, 800)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"{page.url}: uncaught {e}"))
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    views = sorted((site_dir / "present").glob("*.html"))
    assert [p.stem for p in views] == [p.stem for p in discover([ROOT / "notebooks"])]
    for path in views:
        page.goto(path.resolve().as_uri(), wait_until="load")
        state = page.evaluate(_SLIDES)
        assert state["n"] >= 3 and state["shown"] == 1, (path.name, state)
        assert state["font"] >= 24 and state["header"] == "none", (path.name, state)
        assert CJK.search(state["text"]), path.name
    page.goto((site_dir / "present" / "03_promotion_funnel.html").resolve().as_uri())
    first = page.evaluate(_SLIDES)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    third = page.evaluate(_SLIDES)
    assert third["at"] == "3" and third["count"] == f"3 / {first['n']}" and third["h2"] >= 1
    assert third["text"] != first["text"]
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(_SLIDES)["at"] == "2"
    page.keyboard.press("End")
    assert page.evaluate(_SLIDES)["at"] == str(first["n"])
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-projector.png"))
    context.close()
    assert not errors, "\n".join(errors)
    assert not left_site, f"requests left the site: {left_site}"
    assert (ARTIFACTS / "site-projector.png").stat().st_size > 10_000
