"""``casekit build``: execute the course notebooks with papermill, in parallel, with a cache.

- **Cached.** Each executed notebook records a build key in ``metadata.casekit.build_key``:
  a hash of its input cells, the library code, the datasets and the versions of the packages
  that shape outputs. A notebook whose key is unchanged is not re-run, so a no-change rebuild
  only reads files. The key travels with the committed notebook, so this holds on a fresh clone.
- **Deterministic.** papermill's timestamps, durations and paths and nbclient's timings are
  removed, widget model ids are renumbered, and kernels run with ``PYTHONHASHSEED=0``: two
  builds of the same tree give byte-identical files.
- **Widgets reopen.** The widget state nbclient records is kept in ``metadata.widgets``
  (the ``application/vnd.jupyter.widget-state+json`` format JupyterLab's widget manager
  restores), trimmed to the models the outputs display and the models those refer to, with
  the same renumbered ids as the outputs: a notebook opened without running shows its widgets.
- **Atomic.** A notebook is executed into a temporary file and replaces the original only
  after its run succeeded. A failure names the notebook, the cell and the error; the other
  notebooks still build; the exit status is non-zero.
- ``--check`` executes everything afresh into a temporary folder and fails if any committed
  notebook differs from what the build produces now (the drift check CI runs).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path

from casekit.course import interrupt
from casekit.course.notebooks import notebook_bytes, read_notebook
from casekit.errors import Interrupted, NotebookError

KERNEL_NAME = "casekit"
CELL_TIMEOUT_S = 600
BUILD_KEY_VERSION = 1
# Packages whose version can change a notebook's outputs.
_OUTPUT_SHAPING = ("pandas", "numpy", "altair", "scipy", "ipywidgets", "pyarrow", "duckdb")
_VOLATILE_CELL_METADATA = ("papermill", "execution", "ExecuteTime", "collapsed", "scrolled")
_VOLATILE_NB_METADATA = ("papermill", "widgets")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_MODEL_REF = "IPY_MODEL_"  # how one widget model's state refers to another (ipywidgets)
# Workers start from a fresh interpreter: a forked copy of a process that already ran
# threads (DuckDB's pool, jupyter_core's event-loop thread) can hang starting a kernel.
_SPAWN = multiprocessing.get_context("spawn")


@dataclass
class NotebookResult:
    path: Path
    status: str  # "built", "cached", "failed", "same", "differs"
    message: str = ""


@dataclass
class BuildReport:
    results: list[NotebookResult] = field(default_factory=list)

    @property
    def failed(self) -> list[NotebookResult]:
        return [r for r in self.results if r.status in ("failed", "differs")]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to build"


# --- the build key ----------------------------------------------------------------------------


def _input_digest(nb) -> str:
    cells = [
        {
            "cell_type": c["cell_type"],
            "source": c["source"],
            "tags": sorted(c.get("metadata", {}).get("tags", [])),
        }
        for c in nb["cells"]
    ]
    meta = {
        k: v
        for k, v in nb.get("metadata", {}).items()
        if k not in (*_VOLATILE_NB_METADATA, "casekit", "language_info")
    }
    blob = json.dumps({"cells": cells, "metadata": meta}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def environment_digest() -> str:
    """Hash of the library code, the datasets and output-shaping package versions."""
    import casekit
    from casekit.data import datasets_dir

    h = hashlib.sha256(f"build-key-v{BUILD_KEY_VERSION}".encode())
    pkg = Path(casekit.__file__).resolve().parent
    code = [p for p in sorted(pkg.rglob("*.py")) if "course" not in p.relative_to(pkg).parts]
    code += [pkg / "course" / "build.py", pkg / "course" / "notebooks.py"]
    data_root = datasets_dir()
    data_files = sorted(p for p in data_root.rglob("*") if p.is_file())
    for root, files in ((pkg, code), (data_root, data_files)):
        for path in files:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    for dist in _OUTPUT_SHAPING:
        try:
            h.update(f"{dist}=={importlib_metadata.version(dist)}".encode())
        except importlib_metadata.PackageNotFoundError:
            h.update(f"{dist} missing".encode())
    return h.hexdigest()


def _data_inputs_digest(nb, folder: Path | None) -> str:
    """Hash of the files a notebook lists in ``metadata.casekit.inputs`` (paths relative to it).

    For inputs outside the library and datasets, e.g. the measured benchmark table the
    full-scale appendix shows: a new measurement must rebuild the notebook.
    """
    inputs = nb.get("metadata", {}).get("casekit", {}).get("inputs", [])
    if not inputs:
        return ""
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise NotebookError("metadata.casekit.inputs must be a list of relative file paths")
    digest = hashlib.sha256()
    for name in sorted(inputs):
        path = (folder or Path.cwd()) / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def build_key(nb, env_digest: str, folder: Path | None = None) -> str:
    blob = f"{_input_digest(nb)}:{env_digest}:{_data_inputs_digest(nb, folder)}"
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def stored_key(nb) -> str | None:
    return nb.get("metadata", {}).get("casekit", {}).get("build_key")


# --- normalisation ----------------------------------------------------------------------------


def normalize(nb, key: str | None):
    """Strip volatile metadata and renumber widget ids so outputs are byte-stable."""
    widget_state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    for name in _VOLATILE_NB_METADATA:
        nb.metadata.pop(name, None)
    if key is not None:
        nb.metadata.setdefault("casekit", {})["build_key"] = key
    widget_ids: dict[str, str] = {}

    def new_id(old: str) -> str:
        if old not in widget_ids:
            seed = f"{key}/{len(widget_ids)}"
            widget_ids[old] = str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
        return widget_ids[old]

    for index, cell in enumerate(nb.cells):
        if cell.get("outputs"):
            cell["outputs"] = _coalesce_streams(cell["outputs"])
        for name in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(name, None)
        cell.pop("id", None)
        cell["id"] = f"cell-{index:03d}"
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(_WIDGET_VIEW)
            if view and "model_id" in view:
                view["model_id"] = new_id(view["model_id"])
    state = _saved_widget_state(widget_state, list(widget_ids), new_id)
    if state:
        nb.metadata["widgets"] = {
            _WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}
        }
    return nb


def _saved_widget_state(state: dict, roots: list[str], new_id) -> dict:
    """The models reachable from ``roots`` (displayed model ids), renamed by ``new_id``.

    Reached depth-first in a fixed order (outputs first, then each model's references in
    state order), so the renumbering and the key order do not depend on the run.
    """
    reached: list[str] = []
    todo = [r for r in reversed(roots) if r in state]
    while todo:
        model = todo.pop()
        if model in reached:
            continue
        reached.append(model)
        refs = [r for r in _model_refs(state[model]) if r in state and r not in reached]
        todo.extend(reversed(refs))
    for model in reached:  # ids in reaching order; the output ids were numbered first
        new_id(model)

    def rename(value):
        if isinstance(value, str) and value.startswith(_MODEL_REF):
            old = value.removeprefix(_MODEL_REF)
            return _MODEL_REF + new_id(old) if old in state else value
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, dict):
            out = {k: rename(v) for k, v in value.items()}
            if isinstance(out.get(_WIDGET_VIEW), dict) and out[_WIDGET_VIEW].get("model_id"):
                view = dict(out[_WIDGET_VIEW])
                view["model_id"] = new_id(view["model_id"])
                out[_WIDGET_VIEW] = view
            return out
        return value

    return {new_id(model): rename(state[model]) for model in reached}


def _model_refs(value) -> list[str]:
    """Model ids a widget state refers to: ``IPY_MODEL_<id>`` values and displayed views."""
    refs: list[str] = []
    if isinstance(value, str) and value.startswith(_MODEL_REF):
        refs.append(value.removeprefix(_MODEL_REF))
    elif isinstance(value, list):
        for v in value:
            refs.extend(_model_refs(v))
    elif isinstance(value, dict):
        view = value.get(_WIDGET_VIEW)
        if isinstance(view, dict) and isinstance(view.get("model_id"), str):
            refs.append(view["model_id"])
        for v in value.values():
            refs.extend(_model_refs(v))
    return refs


def _coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) outputs: how a print is split depends on timing."""
    merged: list = []
    for output in outputs:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and output.get("output_type") == "stream"
            and prev.get("output_type") == "stream"
            and prev.get("name") == output.get("name")
        ):
            prev["text"] = "".join(prev["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


# --- execution --------------------------------------------------------------------------------


def _kernel_available(name: str) -> bool:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return False
    return True


def describe_failure(path: Path, exc: BaseException) -> str:
    """One line naming the notebook, the failing cell and the error (for CLI and logs)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        first_line = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        return (
            f"{path}: cell {exc.cell_index + 1} (In [{exc.exec_count}]) raised "
            f"{exc.ename}: {first_line}"
        )
    return f"{path}: {type(exc).__name__}: {exc}"


def execute_to(
    source: Path,
    target: Path,
    *,
    key: str | None,
    parameters: dict | None = None,
    timeout_s: int = CELL_TIMEOUT_S,
) -> None:
    """Execute ``source`` with papermill; write the normalised result atomically to ``target``."""
    import nbformat
    import papermill as pm

    import casekit  # noqa: F401  (skips jsonschema's slow optional import, see casekit/__init__)
    from casekit.course import params as P
    from casekit.fileio import atomic_write_bytes

    os.environ["PYTHONHASHSEED"] = "0"
    nb = read_notebook(source)
    if "parameters" in nb.metadata.get("casekit", {}):
        # Exercises and solutions: unknown names, wrong types and out-of-range values fail
        # here, before any cell runs (papermill alone only warns on unknown names).
        schema = P.check_notebook(nb, str(source))
        checked = P.validate(schema, parameters or {}, where=str(source))
        parameters = {k: checked[k] for k in parameters} if parameters else None
        P.use_readable_strings()
    elif parameters:
        raise NotebookError(f"{source}: has no parameter schema; it takes no parameters")
    kernel = nb.metadata.get("kernelspec", {}).get("name", KERNEL_NAME)
    if not _kernel_available(kernel):
        raise NotebookError(
            f"{source}: kernel {kernel!r} is not installed; run `casekit kernel` (or `make course`)"
        )
    from jupyter_client.manager import KernelManager

    with interrupt.temp_dir("casekit-build-") as tmp:
        out = Path(tmp) / source.name
        # IPC sockets in a private temp folder: nothing listens on the network, and
        # ipykernel does not warn about unencrypted TCP on every run.
        km = KernelManager(kernel_name=kernel, transport="ipc", ip=str(Path(tmp) / "kernel"))
        try:
            pm.execute_notebook(
                str(source),
                str(out),
                parameters=parameters,
                kernel_name=kernel,
                cwd=str(source.parent),
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout_s,
                store_widget_state=True,
                record_timing=False,
                km=km,
            )
        finally:
            # nbclient leaves a kernel it did not create running; stop it here rather than
            # let it notice its parent exited (and print a warning about it)
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        result = nbformat.read(str(out), as_version=4)
    atomic_write_bytes(target, notebook_bytes(normalize(result, key)))


def _build_one(path: str, key: str, out: str | None) -> tuple[str, str]:
    """Worker: execute one notebook; return (status, message). Never raises."""
    source = Path(path)
    target = Path(out) if out else source
    try:
        execute_to(source, target, key=key)
    except BaseException as exc:  # report every failure; the batch goes on
        return "failed", describe_failure(source, exc)
    return "built", ""


def build(
    paths: Sequence[Path],
    *,
    jobs: int | None = None,
    force: bool = False,
    check: bool = False,
    progress: bool = True,
) -> BuildReport:
    """Build (or, with ``check``, verify) the given notebooks; see the module docstring."""
    from tqdm import tqdm

    report = BuildReport()
    env = environment_digest()
    todo: list[tuple[Path, str]] = []
    for path in paths:
        try:
            nb = read_notebook(path)
        except NotebookError as exc:
            report.results.append(NotebookResult(path, "failed", str(exc)))
            continue
        try:
            key = build_key(nb, env, path.parent)
        except NotebookError as exc:
            report.results.append(NotebookResult(path, "failed", str(exc)))
            continue
        if not check and not force and stored_key(nb) == key:
            report.results.append(NotebookResult(path, "cached"))
            continue
        todo.append((path, key))
    if not todo:
        return report

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    before = len(report.results)  # cached or unreadable, not run
    with interrupt.temp_dir("casekit-check-") as check_dir:
        outs = {
            path: (str(Path(check_dir) / f"{i:03d}_{path.name}") if check else None)
            for i, (path, _key) in enumerate(todo)
        }
        bar = tqdm(total=len(todo), desc="casekit build", unit="nb", disable=not progress)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_SPAWN,
                                   initializer=interrupt.quiet_worker)
        try:
            futures = {
                pool.submit(_build_one, str(path), key, outs[path]): path for path, key in todo
            }
            for future in as_completed(futures):
                path = futures[future]
                status, message = future.result()
                if check and status == "built":
                    same = Path(outs[path]).read_bytes() == path.read_bytes()
                    status = "same" if same else "differs"
                    if not same:
                        message = (
                            f"{path}: committed notebook differs from a fresh build; "
                            "run `casekit build`"
                        )
                report.results.append(NotebookResult(path, status, message))
                bar.set_postfix_str(f"{path.name}: {status}")
                bar.update()
        except KeyboardInterrupt:
            interrupt.stop_children()  # workers and their kernels, before the pool notices
            pool.shutdown(wait=False, cancel_futures=True)
            bar.close()
            done = len(report.results) - before
            verb = "checked" if check else "built"
            raise Interrupted(
                f"interrupted: {done} of {len(todo)} notebooks {verb}, {len(todo) - done} not; "
                f"run `casekit build{' --check' if check else ''}` again to "
                f"{'finish' if check else 'resume (finished notebooks are cached)'}"
            ) from None
        pool.shutdown(wait=True)
        bar.close()
    report.results.sort(key=lambda r: str(r.path))
    return report
