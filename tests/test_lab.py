"""The course as students meet it: JupyterLab (and Notebook 7) live in headless Chromium.

The server is started with the very command ``make lab`` / ``make notebook`` runs (read from
the Makefile with ``make -n``), from this environment, on a free port with a random token,
with isolated ``JUPYTER_*`` folders in a temp dir (the course kernel comes from the
environment's own ``share/jupyter/kernels``). Instead of opening a browser window the server
"opens" the course map through a recorder script, and Playwright drives Debian's Chromium
from there. Notebooks run on copies in the temp dir, so the repository is never modified.

How Chinese text is checked to be drawn with a CJK font: Chromium's DevTools protocol
``CSS.getPlatformFontsForNode`` reports which installed font drew the glyphs of an element's
text; the number of glyphs drawn by a CJK family (Noto Sans CJK, …) must cover every Han
character of that element (a markdown heading, a chart title in SVG and a widget label).

Screenshots (a chart, each widget before and after it is moved, a ✓ self-check) go to
``test-artifacts/lab/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

from casekit.course.cli import main as casekit_cli

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "lab"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COURSE_KERNEL = "Python (casekit 课程)"
COURSE_MAP = "notebooks/00_course_map.ipynb"
NOTEBOOKS = ("03_promotion_funnel", "04_paid_traffic", "07_campaign_618")
# The widget moved in each notebook: text that identifies its view and the slider to drag.
WIDGETS = {
    "03_promotion_funnel": "漏斗 what-if",
    "04_paid_traffic": "我的出价",
    "07_campaign_618": "到手价",
}
EXERCISE = "03_promotion_funnel"
STUDENT = "s001"
HAN = re.compile(r"[\u4e00-\u9fff]")
CJK_FAMILIES = re.compile(r"CJK|Source Han|WenQuanYi|Droid Sans Fallback|AR PL|Noto Sans SC")
VEGA_MIME = re.compile(r"application/vnd\.vega(lite)?\.v\d+\+json")
RUN_TIMEOUT_MS = 150_000
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]


# --- pins ------------------------------------------------------------------------------------


def _pins() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower().replace("_", "-"): r for r in reqs}


@pytest.mark.parametrize("name", ["jupyterlab", "notebook", "ipywidgets", "altair"])
def test_rendering_stack_is_the_pinned_one(name):
    """What this browser test runs against is what pyproject pins, and the pins are closed.

    An upgrade past the tested range must be a deliberate edit of the pin (and so rerun this
    file), not something a fresh install picks up silently.
    """
    pin = _pins().get(name)
    assert pin is not None, f"{name} is not a dependency in pyproject.toml"
    installed = version(name)
    assert pin.specifier.contains(installed, prereleases=True), (
        f"{name} {installed} is installed but pyproject.toml pins {pin}; "
        f"reinstall (pip install -e '.[test]') or retest and move the pin"
    )
    assert any(s.operator in ("<", "<=", "~=", "==") for s in pin.specifier), (
        f"{name} has no upper bound in pyproject.toml ({pin}): pin it to the range this "
        "browser test has run against"
    )


# --- the server, started as `make lab` / `make notebook` start it ----------------------------


def _make_recipe(target: str) -> tuple[dict[str, str], list[str]]:
    """The environment assignments and argv of ``make <target>`` (read with ``make -n``)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed; the test reads `make lab`'s command from the Makefile")
    stamp = ".venv/.casekit-installed"  # do not (pretend to) reinstall the environment
    out = subprocess.run(
        [make, "-s", "-n", "-o", stamp, target],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert len(out.splitlines()) == 1, f"`make {target}` should be one command, got:\n{out}"
    words = shlex.split(out)
    env = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    return env, words


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@dataclass
class Server:
    app: str
    base: str
    token: str
    process: subprocess.Popen
    log: Path
    opened: Path
    workdir: Path

    def url(self, path: str, **query: str) -> str:
        params = "&".join([*(f"{k}={v}" if v else k for k, v in query.items()),
                           f"token={self.token}"])
        return f"{self.base}{path}?{params}"

    def api(self, path: str):
        return json.loads(_get(self.url(path)))

    def page_config(self, path: str) -> dict:
        html = _get(self.url(path)).decode("utf-8")
        found = re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
        )
        assert found, f"no page config in {path}"
        return json.loads(found.group(1))

    def landing(self) -> str:
        """The URL the server asked its browser to open (``make lab``'s first page)."""
        deadline = time.monotonic() + 30
        while not self.opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.opened.exists(), f"the server opened no browser page; log:\n{self._tail()}"
        target = self.opened.read_text(encoding="utf-8").strip()
        if target.startswith("file://"):  # jupyter_server's redirect page: follow it here
            html = Path(target.removeprefix("file://")).read_text(encoding="utf-8")
            target = re.search(r'url=([^"]+)"', html).group(1)
        return target

    def _tail(self) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _start(target: str, tmp: Path, workdir: Path) -> Server:
    env_assignments, argv = _make_recipe(target)
    assert Path(argv[0]).name == "jupyter", f"`make {target}` runs {argv[0]}, not jupyter"
    # the recipe's .venv/bin/jupyter, or this environment's one when the tests run elsewhere
    # (e.g. the conda route of environment.yml): the versions under test are this env's
    jupyter = Path(sys.executable).parent / "jupyter"
    assert jupyter.exists(), f"no jupyter beside {sys.executable}"
    env = {**os.environ, **env_assignments}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                 "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        env[name] = str(tmp / name.lower())
    opened = tmp / "opened.txt"
    recorder = tmp / "browser.py"
    recorder.write_text(
        f"import pathlib, sys\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n",
        encoding="utf-8",
    )
    port, token = _free_port(), secrets.token_hex(16)
    extra = [
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        # the server "opens a browser" by recording the URL: that is make lab's first page
        f"--ServerApp.browser={sys.executable} {recorder} %s",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        extra.append("--ServerApp.allow_root=True")
    log = tmp / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(jupyter), *argv[1:], *extra], cwd=workdir, env=env,
            stdout=sink, stderr=subprocess.STDOUT,
        )
    server = Server(target, f"http://127.0.0.1:{port}", token, process, log, opened, workdir)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"`make {target}` exited with {process.returncode}:\n{server._tail()}")
        try:
            server.api("/api/status")
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"`make {target}` did not answer in 90 s:\n{server._tail()}")
            time.sleep(0.3)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Copies of the course map, 03, 04, 07 and one student's personal exercise copy."""
    work = tmp_path_factory.mktemp("lab-work")
    (work / "notebooks").mkdir()
    for stem in ("00_course_map", *NOTEBOOKS):
        shutil.copy2(ROOT / "notebooks" / f"{stem}.ipynb", work / "notebooks" / f"{stem}.ipynb")
    solutions = work / "solutions"
    solutions.mkdir()
    shutil.copy2(ROOT / "solutions" / f"{EXERCISE}.ipynb", solutions / f"{EXERCISE}.ipynb")
    roster = work / "roster.csv"
    roster.write_text(f"student_id,name\n{STUDENT},张三\n", encoding="utf-8")
    result = CliRunner().invoke(casekit_cli, [
        "assign", "--solutions", str(solutions), "--exercises", str(work / "exercises"),
        "--roster", str(roster), "--out", str(work / "handout"),
    ])
    assert result.exit_code == 0, result.output
    assert (work / "handout" / STUDENT / f"{EXERCISE}.ipynb").exists(), result.output
    return work


@pytest.fixture(scope="module")
def lab(workdir, tmp_path_factory) -> Iterator[Server]:
    server = _start("lab", tmp_path_factory.mktemp("lab-home"), workdir)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notebook7(workdir, tmp_path_factory) -> Iterator[Server]:
    server = _start("notebook", tmp_path_factory.mktemp("nb7-home"), workdir)
    yield server
    server.stop()


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]'); browser tests skipped")
    executable = CHROMIUM if CHROMIUM.exists() else (
        Path(found) if (found := shutil.which("chromium")) else None
    )
    if executable is None:
        pytest.skip(
            "Chromium not found at /usr/bin/chromium (Debian: apt-get install chromium "
            "fonts-noto-cjk; .ci/run installs it); JupyterLab browser tests skipped"
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """A page plus every request it made that did not go to the Jupyter server."""

    page: object
    server: Server
    outside: list[str] = field(default_factory=list)

    def assert_stayed_local(self) -> None:
        assert not self.outside, f"requests left the local server: {self.outside[:10]}"


def _tab(browser, server: Server) -> Tab:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = Tab(context.new_page(), server)
    local = (server.base + "/", "data:", "blob:")

    def watch(route):
        url = route.request.url
        if url.startswith(local):
            route.continue_()
        else:
            tab.outside.append(url)
            route.abort()

    context.route("**/*", watch)
    return tab


@pytest.fixture(scope="module")
def lab_tab(browser, lab) -> Iterator[Tab]:
    """One JupyterLab page for the module, as a student keeps one open: notebooks are opened
    in it one after another (File → Open from Path…), so the app boots once."""
    tab = _tab(browser, lab)
    yield tab
    tab.page.context.close()


@pytest.fixture
def nb7_tab(browser, notebook7) -> Iterator[Tab]:
    tab = _tab(browser, notebook7)
    yield tab
    tab.page.context.close()


_CURRENT = "#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)"
_NB7 = ".jp-NotebookPanel"


def _wait_kernel_ready(page, panel: str) -> None:
    page.wait_for_function(
        """([panel, name]) => {
             const k = document.querySelector(panel + ' .jp-Toolbar-kernelName');
             return k !== null && k.textContent.includes(name);
           }""",
        arg=[panel, COURSE_KERNEL], timeout=90_000,
    )
    page.wait_for_selector(f"{panel} .jp-Notebook-ExecutionIndicator[data-status=idle]",
                           timeout=90_000)


def _open_in_lab(tab: Tab, relpath: str) -> str:
    """Open ``relpath`` in the running JupyterLab (File → Open from Path…) and wait for its
    kernel; starts from ``make lab``'s landing page when the tab has not loaded Lab yet."""
    page = tab.page
    if "/lab" not in page.url:
        page.goto(tab.server.landing())
        _wait_kernel_ready(page, _CURRENT)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^File$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^Open from Path")).first.click()
    field_ = page.locator(".jp-Dialog input")
    field_.fill(relpath)
    field_.press("Enter")
    page.wait_for_function(
        """(path) => {
             const tab = document.querySelector(
               '#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current');
             return tab !== null && (tab.title || '').includes(path);
           }""",
        arg=relpath, timeout=60_000,
    )
    _wait_kernel_ready(page, _CURRENT)
    return _CURRENT


def _run_all(page, panel: str) -> None:
    """Run → Run All Cells from the menu bar, then wait until no cell is queued or running."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^Run All Cells")).first.click()
    page.wait_for_function(
        """(panel) => {
             const prompts = Array.from(document.querySelectorAll(
               panel + ' .jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim());
             const status = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
             const busy = prompts.some(p => p.includes('*'));
             const errored = document.querySelector(
               panel + ' [data-mime-type="application/vnd.jupyter.error"], '
               + panel + ' [data-mime-type="application/vnd.jupyter.stderr"]') !== null;
             const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p));
             return !busy && (done || errored) && status && status.dataset.status === 'idle';
           }""",
        arg=panel, timeout=RUN_TIMEOUT_MS,
    )


_ERRORS = """(panel) => Array.from(document.querySelectorAll(
    panel + ' [data-mime-type="application/vnd.jupyter.error"], '
    + panel + ' [data-mime-type="application/vnd.jupyter.stderr"]'))
  .map(o => o.textContent).filter(t => /Traceback|Error\\b|Exception/.test(t))"""


def _assert_no_errors(page, panel: str, name: str) -> None:
    errors = page.evaluate(_ERRORS, panel)
    assert not errors, f"{name}: cells show errors in JupyterLab:\n" + "\n---\n".join(
        e[-1500:] for e in errors
    )
    prompts = page.evaluate(
        "(panel) => Array.from(document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt'))"
        ".map(p => p.textContent.trim())", panel,
    )
    not_run = [i for i, p in enumerate(prompts) if not re.search(r"\[\d+\]", p)]
    assert not not_run, f"{name}: code cells {not_run} did not run (prompts {prompts})"


def _vega_outputs(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return sum(1 for o in outputs if any(VEGA_MIME.fullmatch(m) for m in o.get("data", {})))


def _first_vega_spec(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            for mime, spec in out.get("data", {}).items():
                if VEGA_MIME.fullmatch(mime):
                    return spec
    raise AssertionError(f"{path.name} has no altair chart")


def _assert_charts_drawn(page, panel: str, expected: int, name: str) -> None:
    """Every altair output is drawn: an SVG or canvas with marks, no "no renderer" text."""
    assert expected > 0, f"{name} has no altair chart in its committed outputs"
    page.wait_for_function(
        """([panel, n]) => {
             const charts = document.querySelectorAll(panel + ' .jp-RenderedVegaLite, '
                                                      + panel + ' .jp-RenderedVega');
             return charts.length >= n && Array.from(charts).every(
               c => c.querySelector('svg .role-mark, canvas') !== null);
           }""",
        arg=[panel, expected], timeout=60_000,
    )
    state = page.evaluate(
        """(panel) => ({
             charts: Array.from(document.querySelectorAll(
               panel + ' .jp-RenderedVegaLite, ' + panel + ' .jp-RenderedVega')).map(c => ({
               svg: c.querySelectorAll('svg').length, canvas: c.querySelectorAll('canvas').length,
               marks: c.querySelectorAll('svg .role-mark > *').length})),
             text: document.querySelector(panel).textContent,
           })""",
        panel,
    )
    assert len(state["charts"]) == expected, (
        f"{name}: {expected} altair outputs in the notebook, {len(state['charts'])} drawn as charts"
    )
    assert all(c["marks"] > 0 or c["canvas"] > 0 for c in state["charts"]), state["charts"]
    assert "No renderer could be found" not in state["text"], f"{name}: an output has no renderer"
    assert "Javascript Error" not in state["text"], f"{name}: vega-embed failed"


_PROBE = """([panel, selector]) => {
  document.querySelectorAll('[data-cjk-probe]').forEach(e => e.removeAttribute('data-cjk-probe'));
  const han = /[\\u4e00-\\u9fff]/;
  const own = e => Array.from(e.childNodes).filter(n => n.nodeType === 3)
                         .map(n => n.textContent).join('');
  const scoped = selector.split(',').map(part => panel + ' ' + part.trim()).join(', ');
  const hit = Array.from(document.querySelectorAll(scoped))
                   .find(e => han.test(own(e)));
  if (!hit) return null;
  hit.setAttribute('data-cjk-probe', '1');
  return own(hit);
}"""


def _platform_fonts(page, selector: str) -> list[dict]:
    """The platform fonts Chromium used for the text of ``selector`` (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        assert node["nodeId"], f"nothing matches {selector}"
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    finally:
        cdp.detach()


def _assert_han_drawn_by_cjk_font(page, text: str, what: str) -> None:
    fonts = _platform_fonts(page, "[data-cjk-probe]")
    han = len(HAN.findall(text))
    cjk_glyphs = sum(f["glyphCount"] for f in fonts if CJK_FAMILIES.search(f["familyName"]))
    assert han and cjk_glyphs >= han, (
        f"{what} {text[:40]!r}: {han} Han characters but only {cjk_glyphs} glyphs from a CJK "
        f"font; fonts used: {fonts}"
    )


def _assert_cjk_font(page, panel: str, selector: str, what: str) -> None:
    """The Han characters of the first ``selector`` element with Chinese text are drawn by a
    CJK font, per Chromium's own account of the platform fonts it used."""
    text = page.evaluate(_PROBE, [panel, selector])
    assert text, f"no {what} with Chinese text ({selector})"
    page.locator("[data-cjk-probe]").scroll_into_view_if_needed()
    _assert_han_drawn_by_cjk_font(page, text, what)


_FONT_PROBE = """([panel, font, text]) => {
  document.querySelectorAll('[data-cjk-probe]').forEach(e => e.remove());
  const chart = document.querySelector(panel + ' .jp-RenderedVegaLite');
  const probe = document.createElement('span');
  probe.setAttribute('data-cjk-probe', '1');
  probe.style.fontFamily = font;
  probe.textContent = text;
  chart.appendChild(probe);
}"""


def _assert_chart_cjk_font(page, panel: str, spec: dict, what: str) -> None:
    """Chart text is drawn by a CJK font.

    vega-embed in JupyterLab draws on a canvas, whose text has no DOM node to ask about; the
    canvas resolves the chart's font stack (the theme's ``config.font``) exactly as CSS does,
    so a probe span with that font stack and the chart's title, placed in the chart's output,
    shows which platform font draws it. An SVG chart's own text nodes are asked directly.
    """
    svg_text = page.evaluate(_PROBE, [panel, ".jp-RenderedVegaLite svg text"])
    if svg_text:
        _assert_han_drawn_by_cjk_font(page, svg_text, what)
        return
    font = spec.get("config", {}).get("font")
    assert font, f"{what}: the chart spec sets no font (casekit's theme sets a CJK stack)"
    title = spec.get("title")
    text = title if isinstance(title, str) else (title or {}).get("text", "")
    text = text if HAN.search(str(text)) else "漏斗转化率"
    page.evaluate(_FONT_PROBE, [panel, font, str(text)])
    _assert_han_drawn_by_cjk_font(page, str(text), f"{what} (font stack {font!r})")


def _widget_view(page, panel: str, marker: str):
    view = page.locator(f"{panel} .jp-OutputArea-output").filter(
        has=page.locator(".widget-slider")
    ).filter(has_text=marker).first
    view.wait_for(timeout=30_000)
    return view


def _widget_output_text(view) -> str:
    # The explorer's result is its last HTML child (controls come first).
    return view.locator(".widget-html").last.inner_text()


def _move_widget(page, panel: str, stem: str) -> None:
    """Drag the first slider of the notebook's explorer and see its output change."""
    view = _widget_view(page, panel, WIDGETS[stem])
    view.scroll_into_view_if_needed()
    before = _widget_output_text(view)
    view.screenshot(path=str(ARTIFACTS / f"{stem}-widget-before.png"))
    handle = view.locator(".widget-slider .noUi-handle").first
    box = handle.bounding_box()
    assert box, f"{stem}: the slider handle is not drawn"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y, steps=6)
    page.mouse.up()
    try:
        page.wait_for_function(
            "([el, before]) => el.querySelectorAll('.widget-html').length && "
            "Array.from(el.querySelectorAll('.widget-html')).pop().innerText !== before",
            arg=[view.element_handle(), before], timeout=30_000,
        )
    except Exception as exc:  # the message below says more than a timeout
        raise AssertionError(
            f"{stem}: moving the slider did not change the widget's output:\n{before[:300]}"
        ) from exc
    after = _widget_output_text(view)
    assert after != before
    view.screenshot(path=str(ARTIFACTS / f"{stem}-widget-after.png"))


# --- make lab: landing page and configuration ------------------------------------------------


def test_make_lab_config_turns_off_news_update_checks_and_pypi(lab: Server):
    assert lab.api("/api/kernelspecs")["default"] == "casekit"
    config = lab.page_config("/lab")
    assert config["news"] == {"disabled": True}
    assert config["extensionManager"]["name"] == "read-only"
    assert config["extensionManager"]["can_install"] is False
    assert lab.api("/lab/api/news") == {"news": []}
    assert lab.api("/lab/api/update") in ({"notification": None}, {})
    notification = lab.api("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {k: v.get("default") for k, v in notification["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false"  # never fetch, and never ask (no pop-up)
    assert defaults["checkForUpdates"] is False
    manager = lab.api("/lab/api/settings/@jupyterlab/extensionmanager-extension:plugin")
    assert manager["schema"]["properties"]["enabled"]["default"] is False
    # the read-only manager lists what is installed, never a PyPI search
    listed = lab.api("/lab/api/extensions")
    assert {e["name"] for e in listed} >= {"@jupyter-widgets/jupyterlab-manager"}
    assert all(e["installed"] for e in listed)


def test_make_lab_opens_the_course_map_with_the_course_kernel(lab: Server, lab_tab: Tab):
    page = lab_tab.page
    landing = lab.landing()
    assert f"/lab/tree/{COURSE_MAP}" in landing, landing
    page.goto(landing)
    _wait_kernel_ready(page, _CURRENT)
    tab_title = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").inner_text()
    assert "00_course_map.ipynb" in tab_title
    _assert_cjk_font(page, _CURRENT, ".jp-MarkdownCell h1", "the course map's title")
    page.wait_for_timeout(1500)  # announcements would show as a toast by now
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    assert not toasts, f"notifications popped up: {toasts}"
    lab_tab.assert_stayed_local()


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_runs_draws_charts_and_widgets_in_lab(lab_tab: Tab, workdir: Path, stem: str):
    page = lab_tab.page
    path = f"notebooks/{stem}.ipynb"
    panel = _open_in_lab(lab_tab, path)
    _run_all(page, panel)
    _assert_no_errors(page, panel, stem)
    _assert_charts_drawn(page, panel, _vega_outputs(workdir / path), stem)
    if stem == NOTEBOOKS[0]:
        chart = page.locator(f"{panel} .jp-RenderedVegaLite").first
        chart.scroll_into_view_if_needed()
        chart.screenshot(path=str(ARTIFACTS / f"{stem}-chart.png"))
        _assert_chart_cjk_font(page, panel, _first_vega_spec(workdir / path), "a chart's text")
        _assert_cjk_font(page, panel, ".jp-MarkdownCell h2", "a section heading")
    _move_widget(page, panel, stem)
    _assert_cjk_font(page, panel, ".widget-label, .widget-html-content *", "a widget's text")
    lab_tab.assert_stayed_local()


def _cell(page, panel: str, index: int):
    return page.locator(f"{panel} .jp-Cell").nth(index)


def _type_into(page, panel: str, index: int, code: str) -> None:
    """Replace the source of cell ``index`` with ``code`` and run it (Shift+Enter)."""
    editor = _cell(page, panel, index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")  # runs it and selects the cell below


def _answer_and_check(page, panel: str, answer_cell: int, code: str, mark: str):
    """Type ``code`` into the answer cell, run it and the self-check below it, and wait for
    ``mark`` in the self-check's output; return the self-check cell."""
    _type_into(page, panel, answer_cell, code)
    page.keyboard.press("Shift+Enter")  # runs the self-check
    check = _cell(page, panel, answer_cell + 1)
    page.wait_for_function(
        "([el, mark]) => { const out = el.querySelector('.jp-OutputArea-output');"
        "  return out !== null && out.textContent.trim().startsWith(mark); }",
        arg=[check.element_handle(), mark], timeout=60_000,
    )
    return check


def test_student_exercise_copy_runs_and_self_checks_in_lab(lab_tab: Tab, workdir: Path):
    page = lab_tab.page
    relpath = f"handout/{STUDENT}/{EXERCISE}.ipynb"
    nb = nbformat.read(workdir / relpath, as_version=4)
    assert nb.metadata["kernelspec"]["display_name"] == COURSE_KERNEL
    first_check = next(i for i, c in enumerate(nb.cells)
                       if "public-check" in c.get("metadata", {}).get("tags", []))
    answer = nb.cells[first_check - 1]
    variable = re.match(r"(\w+)\s*=\s*None", answer.source).group(1)
    panel = _open_in_lab(lab_tab, relpath)
    _run_all(page, panel)
    _assert_no_errors(page, panel, relpath)
    check_cell = _cell(page, panel, first_check)
    page.wait_for_function(  # Run All returns before the last outputs are drawn
        "(el) => { const out = el.querySelector('.jp-OutputArea-output');"
        "  return out !== null && out.textContent.trim().length > 0; }",
        arg=check_cell.element_handle(), timeout=60_000,
    )
    check_cell.scroll_into_view_if_needed()  # cells outside the viewport are not drawn
    unanswered = (check_cell.locator(".jp-OutputArea-output").first.text_content() or "").strip()
    assert unanswered.startswith("…") and "尚未作答" in unanswered, unanswered
    # a broken answer shows as an error (so the error check of this file can fail) ...
    _type_into(page, panel, first_check - 1, f"{variable} = no_such_name")
    page.wait_for_function(f"(panel) => ({_ERRORS})(panel).some(t => t.includes('NameError'))",
                           arg=panel, timeout=30_000)
    # ... out of range (a share above 1) -> ✗ with the hint; a plausible share -> ✓
    _answer_and_check(page, panel, first_check - 1, f"{variable} = 1.5", "✗")
    check = _answer_and_check(page, panel, first_check - 1, f"{variable} = 0.5", "✓")
    output = check.locator(".jp-OutputArea-output").inner_text()
    assert output.startswith("✓"), output
    check.screenshot(path=str(ARTIFACTS / f"{EXERCISE}-self-check-ok.png"))
    lab_tab.assert_stayed_local()


# --- make notebook: the same in Notebook 7 ---------------------------------------------------


def test_make_notebook_opens_the_course_map_and_runs_widgets(notebook7: Server, nb7_tab: Tab):
    page = nb7_tab.page
    assert notebook7.api("/api/kernelspecs")["default"] == "casekit"
    landing = notebook7.landing()
    assert f"/tree/{COURSE_MAP}" in landing, landing
    page.goto(landing)
    page.wait_for_url(re.compile(rf"/notebooks/{re.escape(COURSE_MAP)}"), timeout=60_000)
    page.goto(notebook7.url(f"/notebooks/notebooks/{NOTEBOOKS[2]}.ipynb"))
    _wait_kernel_ready(page, _NB7)
    _run_all(page, _NB7)
    _assert_no_errors(page, _NB7, f"{NOTEBOOKS[2]} (Notebook 7)")
    _assert_charts_drawn(page, _NB7, _vega_outputs(notebook7.workdir / "notebooks"
                                                   / f"{NOTEBOOKS[2]}.ipynb"), NOTEBOOKS[2])
    view = _widget_view(page, _NB7, WIDGETS[NOTEBOOKS[2]])
    view.scroll_into_view_if_needed()
    before = _widget_output_text(view)
    handle = view.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "([el, before]) => Array.from(el.querySelectorAll('.widget-html')).pop().innerText "
        "!== before", arg=[view.element_handle(), before], timeout=30_000,
    )
    assert not page.locator(".Toastify__toast").all_inner_texts()
    nb7_tab.assert_stayed_local()


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_saved_notebook_reopens_its_widgets_without_running(
    lab_tab: Tab, workdir: Path, stem: str
):
    """Opened and not run, the explorer shows its static snapshot while the notebook is not
    trusted, and once trusted (as after a student saved it) is drawn from the widget state the
    build saved in the notebook's metadata: never "Error displaying widget: model not found"."""
    page = lab_tab.page
    # a copy never opened before in this Lab: no live kernel-side models can stand in
    path = f"notebooks/reopened_{stem}.ipynb"
    shutil.copy2(workdir / "notebooks" / f"{stem}.ipynb", workdir / path)
    panel = _open_in_lab(lab_tab, path)
    # Lab renders only the cells near the viewport: step the active cell down to the
    # explorer's cell (command mode, "j"), which scrolls it into view
    cells = nbformat.read(workdir / path, as_version=4).cells
    target = next(
        i for i, c in enumerate(cells)
        for o in c.get("outputs", []) if WIDGET_VIEW_MIME in o.get("data", {})
    )
    page.locator(f"{panel} .jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    for _ in range(target):
        page.keyboard.press("j")
    page.keyboard.press("j")  # one more, so the cell's outputs are fully in view
    view = page.locator(f"{panel} .jp-OutputArea-output").filter(
        has=page.locator(".widget-slider")
    ).filter(has_text=WIDGETS[stem]).first
    lost = page.locator(f"{panel} .jp-OutputArea-output", has_text="model not found")
    # untrusted (as a fresh copy is), Lab shows the static snapshot, never an error
    snapshot = page.locator(f"{panel} .jp-OutputArea-output", has_text="静态快照").first
    snapshot.wait_for(timeout=30_000)
    assert not lost.count(), f"{stem}: {lost.first.inner_text()[:200]}"
    # trusted, as after a student saved it, Lab draws the widget from the saved state
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(".lm-CommandPalette input")
    palette.fill("Trust Notebook")
    palette.press("Enter")
    page.locator(".jp-Dialog button", has_text="Trust").last.click()
    assert not lost.count(), f"{stem}: {lost.first.inner_text()[:200]}"
    view.wait_for(timeout=30_000)
    page.wait_for_function(
        """(panel) => !Array.from(document.querySelectorAll(panel + ' .jp-OutputArea-output'))
             .some(o => o.textContent.includes('Loading widget'))""",
        arg=panel, timeout=30_000,
    )
    shown = page.locator(f"{panel} .jp-OutputArea-output").all_inner_texts()
    assert not [t for t in shown if "model not found" in t], f"{stem}: a widget lost its model"
    prompts = page.evaluate(
        "(panel) => Array.from(document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt'))"
        ".map(p => p.textContent.trim())", panel,
    )
    assert not any("*" in p for p in prompts), f"{stem}: cells ran on opening: {prompts}"
    assert _widget_output_text(view).strip(), f"{stem}: the restored explorer shows no result"
    view.scroll_into_view_if_needed()
    view.screenshot(path=str(ARTIFACTS / f"{stem}-widget-reopened.png"))
    lab_tab.assert_stayed_local()
