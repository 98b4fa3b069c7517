"""Building the site: every file rendered in memory, written atomically, skipped if current.

- **Deterministic**: same inputs, same bytes (no clocks, sorted inputs).
- **Atomic**: everything is written into a temporary folder next to the target, which
  replaces the previous site only once the whole build succeeded.
- **Offline**: a page or stylesheet that would load anything from another host fails the
  build (:mod:`casekit.course.site.links`).
- **Skipped when current**: ``.casekit-manifest.json`` in the site folder records a hash of
  every input (notebooks, exercises, instructor notes, docs, datasets, the casekit package's
  code and templates, and the versions of the packages that render pages). A build whose
  inputs hash the same leaves the folder alone, so a no-change ``make course`` is fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from casekit.course import notebooks as N
from casekit.course.site import assets, links, pages
from casekit.course.templating import read_static
from casekit.errors import CasekitError, SiteError
from casekit.fileio import output_error

MARKER = ".casekit-site"
"""File at the site root; only a folder holding it is ever replaced by a build."""
MANIFEST = ".casekit-manifest.json"
"""File at the site root: the hash of the inputs the site was built from."""
MANIFEST_VERSION = 1
_RENDERING_PACKAGES = ("casekit", "nbconvert", "vl-convert-python", "latex2mathml", "pygments",
                       "jinja2", "markupsafe", "mistune", "pandas")


@dataclass
class SiteReport:
    """What a build wrote: the folder, its files (relative paths) and their total size."""

    path: Path
    files: list[str] = field(default_factory=list)
    size_bytes: int = 0
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    skipped: bool = False  # inputs unchanged: the existing site was kept

    def summary(self) -> str:
        if self.skipped:
            return (
                f"{self.path}/ is up to date ({len(self.files)} files, inputs unchanged; "
                f"checked in {self.seconds:.1f} s)"
            )
        return (
            f"{self.path}/ ({len(self.files)} files, {self.size_bytes / 1e6:.1f} MB, "
            f"built in {self.seconds:.1f} s)"
        )


# --- the inputs ---------------------------------------------------------------------------------


def inputs_digest(
    *, notebooks_dir: Path, exercises_dir: Path, instructor_dir: Path, docs_dir: Path
) -> str:
    """Hash of everything a site build reads (paths relative to their role, so portable)."""
    import casekit
    from casekit.data import datasets_dir

    h = hashlib.sha256(f"casekit-site-v{MANIFEST_VERSION}".encode())

    def add(role: str, root: Path, files: Iterable[Path]) -> None:
        for path in sorted(files):
            h.update(f"{role}/{path.relative_to(root).as_posix()}\0".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())

    add("notebooks", notebooks_dir, N.discover(notebooks_dir))
    add("exercises", exercises_dir, N.discover(exercises_dir))
    for role, folder in (("instructor", instructor_dir), ("docs", docs_dir),
                         ("docs-reading", docs_dir / "reading")):
        add(role, folder, folder.glob("*.md") if folder.is_dir() else [])
    add("instructor-files", instructor_dir, pages.instructor_files(instructor_dir))
    data_root = datasets_dir()
    add("datasets", data_root, (p for p in data_root.rglob("*") if p.is_file()))
    pkg = Path(casekit.__file__).resolve().parent
    add("casekit", pkg, (p for p in pkg.rglob("*") if p.is_file() and p.suffix in
                         {".py", ".j2", ".css", ".js", ".json"}))
    for dist in _RENDERING_PACKAGES:
        try:
            h.update(f"{dist}=={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} missing".encode())
    return h.hexdigest()


def _read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


# --- rendering ----------------------------------------------------------------------------------


def _read_notebook(path: Path) -> Any:
    try:
        return N.read_notebook(path)
    except CasekitError as exc:
        raise SiteError(str(exc)) from None


def render_site(
    *,
    notebooks_dir: Path,
    exercises_dir: Path,
    instructor_dir: Path,
    docs_dir: Path | None = None,
    catalog: Mapping[str, Mapping[str, Any]] | None = None,
    load: Callable[[str], Any] | None = None,
    api: bool = True,
) -> dict[str, bytes]:
    """Every file of the site, by relative path (the build writes these)."""
    from casekit import data as casekit_data
    from casekit.course.site import apiref

    catalog = dict(casekit_data.raw_catalog() if catalog is None else catalog)
    load = casekit_data.load if load is None else load

    nb_paths = N.discover(notebooks_dir)
    if not nb_paths:
        raise SiteError(f"{notebooks_dir}: no course notebooks (NN_slug.ipynb) to publish")
    cache_nb: dict[Path, Any] = {}

    def read(path: Path) -> Any:
        if path not in cache_nb:
            cache_nb[path] = _read_notebook(path)
        return cache_nb[path]

    notebooks = [pages.notebook_info(read(p), p) for p in nb_paths]
    exercises = [pages.exercise_info(read(p), p) for p in N.discover(exercises_dir)]

    js, versions = assets.vega_bundle()
    exporter = pages.exporter()

    site: list[pages.Page] = []
    site += pages.notebook_pages(notebooks, exercises, read, exporter)
    site += pages.exercise_pages(exercises, notebooks, read, exporter)
    data_pages, n_terms = pages.data_pages(catalog, load)
    site += data_pages
    site.append(pages.glossary_page(load("glossary") if "glossary" in catalog else None))
    instructor_dir = Path(instructor_dir)
    class_report = (f"instructor/{pages.CLASS_REPORT}"  # `casekit report … --out` put it there
                    if (instructor_dir / pages.CLASS_REPORT).is_file() else None)
    instructor_pages, instructor_entries = pages.instructor_pages(instructor_dir, class_report)
    extra = pages.instructor_files(instructor_dir)
    site += instructor_pages
    doc_entries: list[tuple[str, str]] = []
    if docs_dir is not None and Path(docs_dir).is_dir():
        doc_site, doc_entries = pages.doc_pages(Path(docs_dir))
        site += doc_site if doc_entries else []
    reading_entries: list[tuple[str, str]] = []
    if docs_dir is not None and (Path(docs_dir) / "reading").is_dir():
        reading_site, reading_entries = pages.reading_pages(Path(docs_dir) / "reading")
        site += reading_site if reading_entries else []
    if api:
        site.append(apiref.api_page())
    site.insert(
        0,
        pages.home_page(notebooks, exercises, len(catalog), n_terms, instructor_entries,
                        doc_entries + ([(pages.READING_INDEX, pages.READING_TITLE)]
                                       if reading_entries else [])),
    )

    files: dict[str, bytes] = {}
    for e in exercises:
        files[f"exercises/{e.slug}.ipynb"] = e.path.read_bytes()
    for path in extra:  # images of the notes, the class report and its CSVs
        files[f"instructor/{path.relative_to(instructor_dir).as_posix()}"] = path.read_bytes()
    files["assets/vega/vega-bundle.js"] = (assets.bundle_header(versions) + js + "\n").encode()
    files["assets/vega/NOTICE.txt"] = assets.notice(versions).encode("utf-8")
    files["assets/casekit.js"] = assets.chart_js().encode("utf-8")
    files["assets/casekit.css"] = assets.css().encode("utf-8")
    files["assets/present.css"] = read_static("site/present.css").encode("utf-8")
    files["assets/present.js"] = read_static("site/present.js").encode("utf-8")
    files[MARKER] = b"This folder is generated by `casekit site`; a new build replaces it whole.\n"

    existing = {p.path for p in site} | set(files)
    nb_slugs = {n.slug for n in notebooks}
    ex_slugs = {e.slug for e in exercises}
    markdown = {
        "instructor": {posixpath.basename(t)[: -len(".html")] for t, _ in instructor_entries},
        "docs": {posixpath.basename(t)[: -len(".html")] for t, _ in doc_entries},
        "docs/reading": {posixpath.basename(t)[: -len(".html")] for t, _ in reading_entries},
    }
    for page in site:
        target_for = links.resolver(page.path, existing, nb_slugs, ex_slugs, markdown)
        page.body = links.fix_links(page.path, page.body, target_for)
        text = pages.layout(page, versions)
        bad = links.external_resources(text)
        if bad:
            raise SiteError(
                f"{page.source or page.path}: would load {bad[0]!r} from the network; the site "
                "must work offline (remove it from the notebook or note)"
            )
        files[page.path] = text.encode("utf-8")
    bad_css = links.external_resources(files["assets/casekit.css"].decode("utf-8"), css=True)
    if bad_css:  # pragma: no cover - our own stylesheet
        raise SiteError(f"assets/casekit.css loads {bad_css[0]!r}")
    return dict(sorted(files.items()))


# --- writing ------------------------------------------------------------------------------------


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


def build_site(
    out: Path = Path("site"),
    *,
    notebooks_dir: Path = Path("notebooks"),
    exercises_dir: Path = Path("exercises"),
    instructor_dir: Path = Path("instructor"),
    docs_dir: Path = Path("docs"),
    force: bool = False,
    catalog: Mapping[str, Mapping[str, Any]] | None = None,
    load: Callable[[str], Any] | None = None,
) -> SiteReport:
    """Build the static site into ``out`` atomically; skip if its inputs are unchanged.

    Parameters
    ----------
    out : Path
        The site folder (replaced whole on success; must be a casekit site or absent).
    notebooks_dir, exercises_dir, instructor_dir, docs_dir : Path
        Where the executed notebooks, generated exercises, trainer notes and project
        documents are.
    force : bool
        Rebuild even when the manifest says the inputs are unchanged.
    catalog, load : optional
        The dataset catalogue and loader (default: ``casekit.data``); for tests.

    Returns
    -------
    SiteReport
        The folder, its files, their size in bytes, the seconds taken, and ``skipped``.
    """
    started = time.perf_counter()
    out = Path(out)
    _check_target(out)
    dirs = {
        "notebooks_dir": Path(notebooks_dir),
        "exercises_dir": Path(exercises_dir),
        "instructor_dir": Path(instructor_dir),
        "docs_dir": Path(docs_dir),
    }
    digest = inputs_digest(**dirs)
    manifest = _read_manifest(out) if (out / MARKER).is_file() else None
    if not force and manifest and manifest.get("inputs") == digest:
        files = [f for f in manifest.get("files", []) if (out / f).is_file()]
        if len(files) == len(manifest.get("files", [])):
            return SiteReport(
                path=out,
                files=files,
                size_bytes=sum((out / f).stat().st_size for f in files),
                seconds=time.perf_counter() - started,
                versions=dict(manifest.get("versions", {})),
                skipped=True,
            )
    files = render_site(**dirs, catalog=catalog, load=load)
    _js, versions = assets.vega_bundle()
    listed = sorted([*files, MANIFEST])
    files[MANIFEST] = (
        json.dumps({"inputs": digest, "files": listed, "versions": versions}, indent=1,
                   sort_keys=True) + "\n"
    ).encode("utf-8")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise output_error(out, exc) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        _write_tree(tmp, sorted(files.items()), umask)
        _check_target(out)
        _swap_in(tmp, out)
    except OSError as exc:  # full disk, read-only or forbidden folder: the old site stays
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_error(out, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SiteReport(
        path=out,
        files=listed,
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
