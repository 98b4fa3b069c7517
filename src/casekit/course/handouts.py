"""``casekit handouts``: print-ready PDFs of the course, drawn by headless Chromium.

Every handout is one of the site's pages (the same nbconvert rendering, the same
``casekit.css``, the same offline Vega bundle for the charts) in a print layout with
``templates/handouts/print.css``, printed with Playwright's ``page.pdf``:

- ``notebooks/NN_slug.pdf``: one per course notebook; charts drawn (the script waits until
  every chart is rendered and fails if one is not), Chinese text in the embedded Noto CJK
  font, page numbers in the footer, wide tables shrunk to the page width; code cells are
  shown unless ``code=False``;
- ``answer-keys/NN_slug.pdf``: one per exercise: every question's answer for the default
  parameters (computed by the grader's own machinery,
  :func:`casekit.course.grade.expected_answers`), the command that makes one student's
  key, then the executed solution (code, outputs and the written 解答 reasoning);
- ``worksheets/NN_slug.pdf``: one per exercise: the student version with a blank answer box
  under each question and nothing of the solution;
- ``reading/<name>.pdf``: one per page of the reading pack ``docs/reading/*.md``.

File names are fixed by the slugs; each PDF is written atomically; ``.casekit-handouts.json``
in the output folder records a hash of each handout's inputs (its source files, the casekit
package, the rendering packages' versions and the options), and a handout whose hash is
unchanged is not printed again.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from markupsafe import Markup

from casekit.course import notebooks as N
from casekit.errors import CasekitError, HandoutError
from casekit.fileio import atomic_write_bytes

MANIFEST = ".casekit-handouts.json"
MANIFEST_VERSION = 1
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KINDS = ("notebook", "answer-key", "worksheet", "reading")
FOLDERS = {"notebook": "notebooks", "answer-key": "answer-keys", "worksheet": "worksheets",
           "reading": "reading"}
CONTENT_WIDTH_PX = 698
"""A4 (210 mm) minus the 13 mm side margins of print.css, in CSS pixels (96 per inch)."""
MIN_TABLE_ZOOM = 0.55
"""Below this zoom a wide table first wraps inside its cells, then shrinks to fit."""
CHART_TIMEOUT_MS = 60_000
_PACKAGES = ("nbconvert", "vl-convert-python", "playwright", "mistune", "pygments", "jinja2")
# Shrink every table wider than the text column to fit it, with CSS zoom so its text stays
# text (nothing is ever cut at the page edge); returns how many were shrunk.
_FIT_SCRIPT = """(args) => {
  const [width, minZoom] = args;
  let shrunk = 0;
  for (const el of document.querySelectorAll('main table')) {
    if (el.closest('table') !== el && el.parentElement.closest('table')) continue;
    const w = el.scrollWidth;
    if (w > width + 1) {
      let zoom = width / w;
      if (zoom < minZoom) {  // too small to read: wrap the cells first, then fit what remains
        el.classList.add('handout-wrap');
        zoom = Math.min(1, width / el.scrollWidth);
      }
      el.style.zoom = zoom.toFixed(3);
      shrunk += 1;
    }
  }
  return shrunk;
}"""


# --- what to print ------------------------------------------------------------------------------


@dataclass
class Handout:
    """One PDF: where it goes, what it shows and which files it is made from."""

    name: str  # "notebooks/03_promotion_funnel.pdf" (relative to the output folder)
    kind: str  # one of KINDS
    title: str
    sources: list[Path]
    render: Callable[[], tuple[str, int]]  # -> (HTML body, number of charts)
    subtitle: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    show_title: bool = True  # False: the page brings its own heading (a notebook's H1)


@dataclass
class HandoutReport:
    """What a run wrote: the folder, the PDFs printed and the PDFs left as they were."""

    path: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    charts: dict[str, int] = field(default_factory=dict)  # charts drawn per written PDF
    shrunk_tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.path}/: {len(self.written)} PDFs written, {len(self.unchanged)} "
                f"unchanged ({self.seconds:.1f} s)")


def _label(kind: str) -> str:
    return {"notebook": "课程笔记本 Notebook", "answer-key": "答案与解析 Answer key",
            "worksheet": "练习单 Worksheet", "reading": "阅读材料 Reading pack"}[kind]


def _exporter(code: bool):
    from casekit.course.site import pages

    exporter = pages.exporter()
    exporter.exclude_input = not code
    return exporter


def _render_nb(nb: Any, where: str, code: bool) -> tuple[Markup, int]:
    from casekit.course.site import pages

    return pages.render_notebook(_exporter(code), nb, where)


def _body(template: str, **context: Any) -> str:
    from casekit.course.templating import render

    return render(f"handouts/{template}", here="index.html", **context)


def notebook_handout(path: Path, *, code: bool = True) -> Handout:
    """The PDF of one executed course notebook."""
    nb = N.read_notebook(path)
    head = N.opening(nb, path)

    def render() -> tuple[str, int]:
        rendered, n_charts = _render_nb(nb, str(path), code)
        return _body("page.html.j2", rendered=rendered), n_charts

    subtitle = [f"笔记本 notebook: notebooks/{path.name}"
                + (f" · 预计用时 {head.minutes} 分钟" if head.minutes else "")
                + ("" if code else " · 不含代码 code cells hidden")]
    return Handout(f"notebooks/{path.stem}.pdf", "notebook", f"{head.number} {head.title}",
                   [path], render, subtitle, {"code": code}, show_title=False)


def _param_schema(nb: Any, where: str):
    from casekit.course import params as P

    return P.check_notebook(nb, where)


def _format_answer(question: Mapping[str, Any], value: Any) -> str:
    from casekit.course.answers import NONFINITE_KEY

    if value is None:
        return "（无 none）"
    if isinstance(value, dict) and NONFINITE_KEY in value:
        return str(value[NONFINITE_KEY])
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if question.get("decimals") is not None:
            return f"{value:.{int(question['decimals'])}f}（{value:.10g}）"
        return f"{value:.10g}"
    if isinstance(value, list):
        return ", ".join(_format_answer(question, v) for v in value)
    return str(value)


def _rule(question: Mapping[str, Any]) -> str:
    from casekit.course.answers import tolerance_zh

    kind = question.get("kind", "")
    if kind == "number":
        return tolerance_zh(dict(question)).replace("**", "")
    if kind == "text":
        return "开放题：按解答中的要点人工评分 (open answer, marked by hand)"
    if kind in ("sequence",):
        return "顺序与每一项都要对 (order and items must match)"
    if kind == "items":
        return "集合相同即可，不计顺序 (same set, any order)"
    return "完全一致 (exact match)"


def answer_key_handout(solution: Path, *, student: str | None = None,
                       cache_dir: Path | None = None) -> Handout:
    """The answer key of one exercise: answers for the default (or one student's) parameters.

    The answers come from running the solution with those parameters, as the grader does
    (cached in ``cache_dir``); the reasoning is the executed solution notebook.
    """
    from casekit.course import params as P

    nb = N.read_notebook(solution)
    spec = N.exercise_spec(nb, str(solution))
    schema = _param_schema(nb, str(solution))
    slug = solution.stem
    if student is None:
        values = {name: s.default for name, s in schema.items()}
        name = f"answer-keys/{slug}.pdf"
        who = "默认参数 default parameters"
    else:
        values = P.student_parameters(schema, student, spec["id"])
        name = f"answer-keys/{slug}.{_safe(student)}.pdf"
        who = f"学生 student {student}"
    cache = Path(cache_dir) if cache_dir is not None else Path(".casekit-cache/answer-keys")

    def render() -> tuple[str, int]:
        from casekit.course.grade import expected_answers

        try:
            answers = expected_answers(solution, values, cache)
        except CasekitError as exc:
            raise HandoutError(f"{solution}: cannot compute the answer key ({exc})") from None
        shown = nb
        if student is not None:
            shown = _run_with(solution, values)
        rows = [
            {"id": q["id"], "title": q.get("title_zh", ""), "kind": N.kind_label(q["kind"]),
             "points": q.get("points", 0), "answer": _format_answer(q, answers.get(q["id"])),
             "rule": _rule(q)}
            for q in spec["questions"]
        ]
        rendered, n_charts = _render_nb(shown, str(solution), True)
        body = _body(
            "answer_key.html.j2",
            parameters=[(k, repr(v)) for k, v in values.items()],
            rows=rows,
            student_command=f"casekit handouts --student <学号 student id> {slug}",
            student_file=f"handouts/answer-keys/{slug}.<学号>.pdf",
            rendered=rendered,
        )
        return body, n_charts

    title = f"答案与解析 · 练习 {slug[:2]} {spec.get('title_zh', '')}"
    note = f"仅供讲师 for trainers only · {who} · solutions/{solution.name}"
    return Handout(name, "answer-key", title, [solution], render, [note],
                   {"values": {k: repr(v) for k, v in values.items()}})


def _safe(student: str) -> str:
    import re

    cleaned = re.sub(r"[^0-9A-Za-z_-]+", "_", str(student)).strip("_")
    if not cleaned:
        raise HandoutError(f"student id {student!r} has no letters or digits to name a file with")
    return cleaned


def _run_with(solution: Path, values: Mapping[str, Any]) -> Any:
    """The solution executed with ``values`` (for one student's key)."""
    from casekit.course.build import describe_failure, execute_to

    with tempfile.TemporaryDirectory(prefix="casekit-key-") as tmp:
        target = Path(tmp) / solution.name
        try:
            execute_to(solution, target, key=None, parameters=dict(values))
        except CasekitError as exc:
            raise HandoutError(str(exc)) from None
        except Exception as exc:
            raise HandoutError(describe_failure(solution, exc)) from None
        return N.read_notebook(target)


def worksheet_handout(exercise: Path, *, code: bool = True) -> Handout:
    """A blank worksheet: the student version with an answer box under each question."""
    import copy

    import nbformat

    from casekit.course.assign import PLACEHOLDER

    nb = N.read_notebook(exercise)
    meta = nb.metadata.get("casekit", {}).get("exercise")
    if not isinstance(meta, Mapping):
        raise HandoutError(f"{exercise}: no metadata.casekit.exercise; run `casekit assign`")
    questions = [dict(q) for q in meta.get("questions", [])]
    by_answer = {q.get("answer"): q for q in questions}

    def render() -> tuple[str, int]:
        sheet = copy.deepcopy(nb)
        cells = []
        for cell in sheet.cells:
            cells.append(cell)
            if cell.cell_type == "code":
                cell.outputs = []
                source = N.cell_source(cell)
                if PLACEHOLDER in source:
                    name = source.split("=", 1)[0].strip()
                    q = by_answer.get(name)
                    label = f"{q['id']} 作答 answer" if q else "作答 answer"
                    box = nbformat.v4.new_raw_cell(
                        f'<div class="answer-box">{html.escape(label)}'
                        f'（{html.escape(name)}）：</div>'
                    )
                    box.metadata["format"] = "text/html"
                    cells.append(box)
        sheet.cells = cells
        rendered, n_charts = _render_nb(sheet, str(exercise), code)
        rows = [{"id": q.get("id", ""), "title": q.get("title_zh", ""),
                 "kind": N.kind_label(str(q.get("kind", ""))), "points": q.get("points", 0)}
                for q in questions]
        return _body("worksheet.html.j2", questions=rows, rendered=rendered), n_charts

    minutes = N.exercise_minutes(nb)
    return Handout(f"worksheets/{exercise.stem}.pdf", "worksheet",
                   f"练习 {exercise.stem[:2]} {meta.get('title_zh', exercise.stem)}",
                   [exercise], render,
                   [f"练习单 worksheet · exercises/{exercise.name}"
                    + (f" · 预计用时 {minutes} 分钟" if minutes else "")],
                   {"code": code})


def reading_handout(path: Path) -> Handout:
    """One page of the reading pack (``docs/reading/*.md``)."""
    import re

    from casekit.course.site.markup import markdown_to_html

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HandoutError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    heading = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.M)
    title = heading.group(1) if heading else path.stem
    body_md = text[heading.end():] if heading else text

    def render() -> tuple[str, int]:
        return _body("page.html.j2", rendered=Markup(markdown_to_html(body_md))), 0

    return Handout(f"reading/{path.stem}.pdf", "reading", title, [path], render,
                   [f"阅读材料 reading pack · docs/reading/{path.name}"])


def plan(
    *,
    notebooks_dir: Path = Path("notebooks"),
    exercises_dir: Path = Path("exercises"),
    solutions_dir: Path = Path("solutions"),
    reading_dir: Path = Path("docs/reading"),
    only: Sequence[str] = (),
    code: bool = True,
    student: str | None = None,
    cache_dir: Path | None = None,
) -> list[Handout]:
    """The handouts to print; ``only`` keeps those whose slug or page name is listed."""
    wanted = {Path(s).stem for s in only}

    def keep(path: Path) -> bool:
        return not wanted or path.stem in wanted

    solutions = ({p.stem: p for p in N.discover(solutions_dir)}
                 if Path(solutions_dir).is_dir() else {})
    exercises = N.discover(exercises_dir) if Path(exercises_dir).is_dir() else []
    if student is not None:
        picked = [p for p in solutions.values() if keep(p)]
        if not picked:
            raise HandoutError(f"--student {student}: no solution in {solutions_dir}/ matches "
                               f"{', '.join(sorted(wanted)) or 'any exercise'}")
        return [answer_key_handout(p, student=student, cache_dir=cache_dir) for p in picked]
    out: list[Handout] = []
    nb_paths = N.discover(notebooks_dir) if Path(notebooks_dir).is_dir() else []
    out += [notebook_handout(p, code=code) for p in nb_paths if keep(p)]
    for ex in exercises:
        if not keep(ex):
            continue
        out.append(worksheet_handout(ex, code=code))
        if ex.stem not in solutions:
            raise HandoutError(f"{ex}: no solution {solutions_dir}/{ex.name} for its answer key")
        out.append(answer_key_handout(solutions[ex.stem], cache_dir=cache_dir))
    reading = sorted(Path(reading_dir).glob("*.md")) if Path(reading_dir).is_dir() else []
    out += [reading_handout(p) for p in reading if keep(p)]
    if wanted:
        found = {Path(h.name).stem.split(".")[0] for h in out}
        missing = sorted(wanted - found)
        if missing:
            raise HandoutError(f"no notebook, exercise or reading page named {', '.join(missing)}"
                               f" (looked in {notebooks_dir}/, {exercises_dir}/, {reading_dir}/)")
    return out


# --- hashing ------------------------------------------------------------------------------------


@cache
def _code_digest() -> str:
    """Hash of the casekit package's code, templates and the rendering packages' versions."""
    import casekit

    h = hashlib.sha256(f"casekit-handouts-v{MANIFEST_VERSION}".encode())
    pkg = Path(casekit.__file__).resolve().parent
    for path in sorted(p for p in pkg.rglob("*") if p.is_file() and p.suffix in
                       {".py", ".j2", ".css", ".js", ".json"}):
        h.update(path.relative_to(pkg).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for dist in _PACKAGES:
        try:
            h.update(f"{dist}=={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} missing".encode())
    return h.hexdigest()


def handout_digest(handout: Handout) -> str:
    """Hash of everything one handout is made from."""
    from casekit.data import datasets_dir

    h = hashlib.sha256(_code_digest().encode())
    h.update(json.dumps([handout.name, handout.kind, handout.options], sort_keys=True,
                        ensure_ascii=False).encode())
    for path in handout.sources:
        h.update(hashlib.sha256(Path(path).read_bytes()).digest())
    if handout.kind == "answer-key":  # the answers are recomputed from the datasets
        root = datasets_dir()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _write_manifest(out: Path, files: Mapping[str, str]) -> None:
    doc = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    atomic_write_bytes(out / MANIFEST, (json.dumps(doc, indent=1, ensure_ascii=False)
                                        + "\n").encode("utf-8"))


# --- printing -----------------------------------------------------------------------------------


def chromium_path() -> Path:
    """The Chromium that prints the handouts (``/usr/bin/chromium`` or ``chromium`` on PATH)."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return Path(found)
    raise HandoutError("casekit handouts needs Chromium (Debian/Ubuntu: apt-get install "
                       "chromium); none at /usr/bin/chromium or on PATH")


def _assets(root: Path) -> None:
    from casekit.course.site import assets
    from casekit.course.templating import read_static

    js, versions = assets.vega_bundle()
    (root / "assets" / "vega").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "vega" / "vega-bundle.js").write_text(
        assets.bundle_header(versions) + js + "\n", encoding="utf-8")
    (root / "assets" / "casekit.js").write_text(assets.chart_js(), encoding="utf-8")
    (root / "assets" / "casekit.css").write_text(assets.css(), encoding="utf-8")
    (root / "assets" / "print.css").write_text(
        read_static("handouts/print.css").replace("__FONT_STACK__", assets.FONT_STACK),
        encoding="utf-8")


def page_html(handout: Handout, body: str, n_charts: int) -> str:
    """The full HTML document that is printed for ``handout``."""
    from casekit.course.templating import render

    return render("handouts/layout.html.j2", title=handout.title, subtitle=handout.subtitle,
                  show_title=handout.show_title,
                  body=Markup(body), charts=n_charts > 0)


def _footer(handout: Handout) -> str:
    from casekit.course.site.assets import FONT_STACK
    from casekit.course.templating import read_static

    label = f"{_label(handout.kind)} · {handout.title}"
    return read_static("handouts/footer.html.j2").replace("__FONT_STACK__", FONT_STACK).replace(
        "{{ label }}", html.escape(label))


def _print(browser: Any, root: Path, handout: Handout, index: int) -> tuple[bytes, int, int]:
    """Render one handout in Chromium; returns (PDF bytes, charts drawn, tables shrunk)."""
    from casekit.course.site import links

    body, n_charts = handout.render()
    text = page_html(handout, body, n_charts)
    bad = links.external_resources(text)
    if bad:
        raise HandoutError(f"{handout.sources[0]}: would load {bad[0]!r} from the network; "
                           "handouts are printed offline")
    page_file = root / f"page-{index:03d}.html"
    page_file.write_text(text, encoding="utf-8")
    page = browser.new_page(viewport={"width": CONTENT_WIDTH_PX, "height": 1000})
    try:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.emulate_media(media="print")
        page.goto(page_file.as_uri(), wait_until="load")
        drawn = 0
        if n_charts:
            try:
                page.wait_for_function(
                    "document.documentElement.getAttribute('data-charts') === 'done'",
                    timeout=CHART_TIMEOUT_MS)
            except Exception as exc:
                raise HandoutError(f"{handout.sources[0]}: charts not drawn within "
                                   f"{CHART_TIMEOUT_MS // 1000} s ({exc})") from None
            failed = page.eval_on_selector_all(".casekit-chart[data-rendered=failed]",
                                               "els => els.map(e => e.id)")
            drawn = page.eval_on_selector_all(
                ".casekit-chart[data-rendered=true]",
                "els => els.filter(e => e.querySelector('svg.marks')).length")
            if failed or drawn < n_charts:
                raise HandoutError(f"{handout.sources[0]}: {n_charts - drawn} of {n_charts} "
                                   f"charts could not be drawn ({', '.join(failed)})")
        page.evaluate("document.fonts.ready.then(() => true)")
        shrunk = page.evaluate(_FIT_SCRIPT, [CONTENT_WIDTH_PX, MIN_TABLE_ZOOM])
        outside = [u for u in requests if not u.startswith("file://")
                   and not u.startswith("data:")]
        if outside:
            raise HandoutError(f"{handout.sources[0]}: the page requested {outside[0]!r}; "
                               "handouts are printed offline")
        pdf = page.pdf(
            format="A4",
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=_footer(handout),
            margin={"top": "16mm", "bottom": "16mm", "left": "13mm", "right": "13mm"},
        )
    finally:
        page.close()
    return pdf, drawn, int(shrunk)


def build_handouts(
    out: Path = Path("handouts"),
    handouts: Iterable[Handout] | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    **plan_args: Any,
) -> HandoutReport:
    """Print the handouts into ``out`` (atomic writes; unchanged inputs are skipped).

    Parameters
    ----------
    out : Path
        Output folder (created; only the PDFs and the manifest are written there).
    handouts : iterable of Handout, optional
        What to print; default :func:`plan` with ``plan_args`` (folders, ``only``, ``code``,
        ``student``).
    force : bool
        Print again even when a handout's inputs hash the same as last time.
    progress : callable, optional
        Called with each PDF's name before it is printed.

    Returns
    -------
    HandoutReport
        PDFs written and unchanged, charts drawn and tables shrunk per PDF, seconds taken.
    """
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise HandoutError(f"{out}: exists and is not a folder; choose another --out")
    items = list(plan(**plan_args) if handouts is None else handouts)
    names = [h.name for h in items]
    if len(set(names)) != len(names):
        raise HandoutError(f"two handouts would be written to the same file: {names}")
    manifest = _read_manifest(out)
    report = HandoutReport(path=out)
    todo: list[tuple[Handout, str]] = []
    for h in items:
        digest = handout_digest(h)
        if not force and manifest.get(h.name) == digest and (out / h.name).is_file():
            report.unchanged.append(h.name)
        else:
            todo.append((h, digest))
    if todo:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise HandoutError(
                "casekit handouts needs the 'playwright' package (installed with the test "
                "extras by `make course`); run `pip install playwright`") from None

        executable = chromium_path()
        with tempfile.TemporaryDirectory(prefix="casekit-handouts-") as tmp:
            root = Path(tmp)
            _assets(root)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(executable), headless=True,
                                             args=CHROMIUM_ARGS)
                try:
                    for i, (h, digest) in enumerate(todo):
                        if progress:
                            progress(h.name)
                        pdf, drawn, shrunk = _print(browser, root, h, i)
                        atomic_write_bytes(out / h.name, pdf)
                        manifest[h.name] = digest
                        _write_manifest(out, manifest)
                        report.written.append(h.name)
                        report.charts[h.name] = drawn
                        report.shrunk_tables[h.name] = shrunk
                finally:
                    browser.close()
    report.seconds = time.perf_counter() - started
    return report
