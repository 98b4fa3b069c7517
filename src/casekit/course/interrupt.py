"""Long commands stop cleanly: Ctrl-C and SIGTERM, child processes, per-run temp folders.

Every long ``casekit`` command runs inside :func:`run`:

- its temp folders live under one per-run parent, ``$TMPDIR/casekit-runs/<command>-<pid>``
  (``TMPDIR`` points there for the command and every process it starts), removed on exit;
  a parent left behind by a killed run (its pid is gone) is removed by the next run;
- SIGTERM is turned into the same stop as Ctrl-C (SIGINT), whether it reaches the whole
  process group or the parent alone;
- on a stop, every process the command started (worker processes, Jupyter kernels) is
  terminated, then killed if it is still there after a second, and the command raises
  :class:`casekit.errors.Interrupted`, which the CLI prints as one line and exit status 130.

Worker processes call :func:`quiet_worker` first, so a Ctrl-C in the terminal (which reaches
the whole process group) stops them through their parent, without a traceback of their own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

ENV = "CASEKIT_RUN_TMP"
RUNS = "casekit-runs"
GRACE_S = 1.0


def runs_root() -> Path:
    """The folder holding every run's temp parent."""
    return Path(tempfile.gettempdir()) / RUNS


def run_tmp() -> Path | None:
    """The current run's temp parent (set for worker processes too), or None outside a run."""
    value = os.environ.get(ENV)
    return Path(value) if value else None


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary directory under the run's temp parent (the system temp outside a run)."""
    parent = run_tmp()
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=parent)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale() -> list[Path]:
    """Remove the temp parents of runs whose process is gone (killed with SIGKILL)."""
    removed = []
    root = runs_root()
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def stop_children(grace_s: float = GRACE_S) -> int:
    """Stop every descendant of this process, deepest first (kernels before their workers).

    Grandchildren (Jupyter kernels) get SIGTERM and, after ``grace_s``, SIGKILL; the direct
    children (worker processes, which ignore Ctrl-C and SIGTERM) are then killed outright,
    so no kernel sees its parent vanish and prints about it.
    """
    import psutil

    try:
        me = psutil.Process()
        children = me.children(recursive=True)
    except psutil.Error:
        return 0
    # multiprocessing's resource tracker cleans up after the pool at exit; killing it makes
    # it relaunch and print tracebacks about resources it no longer knows
    from multiprocessing import resource_tracker

    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)
    children = [c for c in children if c.pid != tracker]
    direct = {c.pid for c in children if _ppid(c) == me.pid}
    deeper = [c for c in children if c.pid not in direct]
    for child in deeper:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(deeper, timeout=grace_s)
    tops = [c for c in children if c.pid in direct]
    for child in [*alive, *tops]:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs([*alive, *tops], timeout=grace_s)
    return len(children)


def _ppid(proc) -> int | None:
    import psutil

    try:
        return proc.ppid()
    except psutil.Error:
        return None


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def quiet_worker() -> None:
    """In a worker process: ignore Ctrl-C and SIGTERM; the parent stops its kernels, then it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextlib.contextmanager
def run(command: str) -> Iterator[Path]:
    """Run a long command: per-run temp parent, SIGTERM as Ctrl-C, children stopped on exit."""
    clean_stale()
    folder = runs_root() / f"{command}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    previous_env = {k: os.environ.get(k) for k in (ENV, "TMPDIR")}
    previous_tempdir = tempfile.tempdir
    # every temp file of the run, in this process and in the workers and kernels it starts
    os.environ[ENV] = os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    main = threading.current_thread() is threading.main_thread()  # signals: main thread only
    if main:
        previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        previous_int = signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield folder
    except KeyboardInterrupt:  # Interrupted is one too
        if main:  # a second Ctrl-C must not break the cleanup
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children()
        raise
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous_term)
            signal.signal(signal.SIGINT, previous_int)
        tempfile.tempdir = previous_tempdir
        for key, value in previous_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)
