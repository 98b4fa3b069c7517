"""A fork server for grading: import the course stack once, fork one fresh child per notebook.

Starting a Jupyter kernel and importing pandas, altair and casekit costs about two seconds,
which used to be most of the time spent grading one submission. A *zygote* process
(``python -m casekit.course.forkserver``) imports all of that once, builds an IPython shell
that has never run any code, and then waits for requests on its standard input. For each
request it forks a child that

- moves into the request's scratch folder (``HOME``, ``TMPDIR``, IPython and Jupyter folders
  all point into it) and its own process group;
- for a student's submission: sets the memory and file-size limits, installs the audit hook
  of ``casekit.course.sandbox`` and a per-cell timeout;
- runs the notebook's code cells in the inherited shell with errors allowed (one broken cell
  costs only its own questions), writes ``.casekit-run.json`` (the error of each cell) and
  exits.

Every child is a copy of the untouched zygote, so nothing a submission does (monkeypatching
pandas, setting globals, filling caches) reaches the next one; the child and everything it
started are killed when it ends.

With ``sandbox="bwrap"`` the zygote itself runs under bubblewrap: a read-only view of the
Python installation, the casekit package and its datasets and the system folders; a private
``/tmp``; the scratch root as the only writable folder; no network; its own PID namespace
with a private ``/proc`` (no view of the grader, solutions, other submissions or the
gradebook). Where the machine allows it, the zygote and its children are also put in their
own ``pids`` control group (at most ``PIDS_MAX`` processes and threads), so a fork bomb
stops there; otherwise ``RLIMIT_NPROC`` is the fallback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN_FILE = ".casekit-run.json"
PIDS_MAX = 96
MAX_FILE_BYTES = 256 * 2**20
_ENV_DIRS = {
    "HOME": "home",
    "IPYTHONDIR": "ipython",
    "JUPYTER_CONFIG_DIR": "jupyter",
    "JUPYTER_DATA_DIR": "jupyter",
    "MPLCONFIGDIR": "mpl",
    "TMPDIR": "tmp",
    "XDG_CACHE_HOME": "cache",
}
# imported by the zygote once, so that children start warm: the course stack and every
# casekit module an exercise imports (duckdb alone costs a child about 80 ms)
_PRELOAD = (
    "numpy", "pandas", "pyarrow", "scipy.stats", "altair", "IPython.display", "duckdb",
    "casekit", "casekit.data", "casekit.data.engine", "casekit.data.generators",
    "casekit.exercise", "casekit.funnel", "casekit.ads", "casekit.audience",
    "casekit.campaign", "casekit.compliance", "casekit.diagnose", "casekit.experiment",
    "casekit.nb", "casekit.plan", "casekit.widgets",
)


# --- availability --------------------------------------------------------------------------


def bwrap_available() -> tuple[bool, str]:
    """(True, "") when bubblewrap can create user, PID and network namespaces here."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed"
    try:
        proc = subprocess.run(
            [exe, "--unshare-user", "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/",
             "--proc", "/proc", "--dev", "/dev", "true"],
            capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap failed to start: {exc}"
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return False, "user namespaces are not available: " + (reason[-1] if reason else "?")
    return True, ""


def _ro_roots() -> list[str]:
    import sysconfig

    import casekit
    from casekit.data import datasets_dir

    roots = {
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc",
        sys.prefix, sys.base_prefix, sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(casekit.__file__).resolve().parent),
        str(datasets_dir().resolve()),
        *sysconfig.get_paths().values(),
    }
    roots.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    return sorted(r for r in roots if r and os.path.lexists(r))


def bwrap_argv(work: Path) -> list[str]:
    """bubblewrap arguments: read-only environment, ``work`` writable, no network, own /proc."""
    argv = [
        shutil.which("bwrap") or "bwrap", "--unshare-user", "--unshare-pid", "--unshare-net",
        "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
        "--new-session", "--cap-drop", "ALL",
        # the fresh /tmp first: the environment may live under /tmp (a CI checkout) and its
        # read-only binds below must land on top of it, not be hidden by it
        "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
    ]
    bound: list[str] = []
    for root in _ro_roots():
        if any(root == b or root.startswith(b.rstrip("/") + "/") for b in bound):
            continue
        if os.path.islink(root) and os.path.dirname(root) == "/":
            argv += ["--symlink", os.readlink(root), root]  # merged /usr: /lib -> usr/lib
            continue
        real = os.path.realpath(root)
        argv += ["--ro-bind", real, root]
        bound.append(root)
    argv += ["--bind", str(work), str(work), "--chdir", str(work)]
    return argv


# --- a pids control group (fork bombs) ----------------------------------------------------


def _make_pids_cgroup(limit: int) -> Path | None:
    """A fresh pids cgroup limited to ``limit`` tasks, or None where we may not create one."""
    candidates = [Path("/sys/fs/cgroup/pids")]
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                candidates.append(Path("/sys/fs/cgroup") / line[3:].lstrip("/"))
    for base in candidates:
        if not (base / "cgroup.procs").exists():
            continue
        group = base / f"casekit-grade-{os.getpid()}-{time.monotonic_ns()}"
        try:
            group.mkdir()
            (group / "pids.max").write_text(str(limit))
            return group
        except OSError:
            with contextlib.suppress(OSError):
                group.rmdir()
    return None


def _user_processes() -> int:
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


# --- the grader's side --------------------------------------------------------------------


class ZygoteError(RuntimeError):
    pass


class Zygote:
    """One warm zygote process; ``run`` executes one notebook in a fresh forked child.

    Not thread-safe: use one per thread. ``work`` is the only folder a child may write; each
    run's scratch folder must be inside it.
    """

    def __init__(self, sandbox: str = "python", *, memory_mb: int = 1024):
        if sandbox not in ("python", "bwrap"):
            raise ValueError(f"unknown sandbox {sandbox!r}")
        self.sandbox = sandbox
        self.memory_mb = memory_mb
        self._base = Path(tempfile.mkdtemp(prefix="casekit-zygote-"))
        os.chmod(self._base, 0o700)
        self.work = self._base / "work"
        self.work.mkdir()
        self._proc: subprocess.Popen | None = None
        self._cgroup: Path | None = None
        self._runs = 0

    # lifecycle
    def start(self) -> None:
        self._cgroup = _make_pids_cgroup(PIDS_MAX)
        nproc = 0 if self._cgroup else _user_processes() + PIDS_MAX
        cmd = [sys.executable, "-m", "casekit.course.forkserver",
               "--memory-mb", str(self.memory_mb), "--nproc", str(nproc)]
        if self.sandbox == "bwrap":
            cmd = [*bwrap_argv(self.work), *cmd, "--reap-namespace"]
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
        env.update(PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
                   HOME="/tmp", TMPDIR="/tmp")
        if self.sandbox == "python":
            env.update(HOME=str(self._base), TMPDIR=str(self._base))
        cgroup = self._cgroup

        def enter_cgroup():  # runs in the new process before exec
            if cgroup is not None:
                (cgroup / "cgroup.procs").write_text(str(os.getpid()))

        log = open(self._base / "zygote.log", "wb")
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                cwd=self.work, preexec_fn=enter_cgroup, start_new_session=True,
            )
        finally:
            log.close()
        line = self._readline(180)
        if line is None or json.loads(line).get("ready") is not True:
            detail = (self._base / "zygote.log").read_text("utf-8", "replace")[-2000:]
            self.close()
            raise ZygoteError(f"the grading fork server did not start:\n{detail}")

    def close(self) -> None:
        self.close_process_only()
        if self._cgroup is not None:
            for _ in range(100):
                try:
                    self._cgroup.rmdir()
                    break
                except OSError:
                    time.sleep(0.02)
            self._cgroup = None
        shutil.rmtree(self._base, ignore_errors=True)

    def __enter__(self) -> Zygote:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def cgroup_limited(self) -> bool:
        return self._cgroup is not None

    def new_scratch(self) -> Path:
        """An empty scratch folder inside ``work`` (the previous ones are removed)."""
        for old in self.work.glob("run*"):
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
        self._runs += 1
        scratch = self.work / f"run{self._runs}"
        scratch.mkdir()
        return scratch

    def run(self, scratch: Path, cells: list[str], *, cell_timeout: int, notebook_timeout: int,
            guard: bool = True, memory_mb: int | None = None) -> tuple[str, list]:
        """Run ``cells`` in a fresh child; (status, per-cell errors).

        status is 'ok', 'timeout' (the notebook deadline passed) or 'kernel_died' (the child
        ended early: os._exit, a crash, a kill). Each error is None or [name, message].
        """
        if self._proc is None or self._proc.poll() is not None:
            self.close_process_only()
            self.start()
        request = {"scratch": str(scratch), "cells": cells, "cell_timeout": cell_timeout,
                   "notebook_timeout": notebook_timeout, "guard": guard,
                   "memory_mb": memory_mb or self.memory_mb}
        try:
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close_process_only()
            return "kernel_died", []
        line = self._readline(notebook_timeout + 60)
        if line is None:  # the zygote itself is gone or stuck: start a new one next time
            self.close_process_only()
            status = "timeout"
        else:
            status = json.loads(line)["status"]
        errors: list = []
        if status == "ok":
            info = read_untrusted_json(scratch / RUN_FILE)
            if isinstance(info, dict) and info.get("done") is True:
                errors = info.get("errors")
            else:
                status = "kernel_died"
        return status, errors if isinstance(errors, list) else []

    def close_process_only(self) -> None:
        """Kill the zygote (and everything in its namespace) but keep the folders."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.wait(10)
            for stream in (proc.stdin, proc.stdout):
                with contextlib.suppress(Exception):
                    stream.close()
        if self._cgroup is not None:
            for pid in _cgroup_pids(self._cgroup):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

    def _readline(self, timeout: float) -> bytes | None:
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self._proc.stdout.readline()
        return line or None


def read_untrusted_json(path: Path, max_bytes: int = 5 * 2**20):
    """JSON written by a submission's process, or None (missing, too big, invalid, or a
    symbolic link anywhere in ``path``'s last two parts: a student may plant one in scratch)."""
    if path.parent.is_symlink() or path.is_symlink():
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _cgroup_pids(group: Path) -> list[int]:
    try:
        return [int(x) for x in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


# --- the zygote's side --------------------------------------------------------------------


class CellTimeout(Exception):
    """Raised inside a cell that ran longer than the grader allows."""


def _preload() -> None:
    import importlib

    for name in _PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    _warm_up()


def _warm_up() -> None:
    """Run the library's common paths once on a tiny simulated log, so that the lazy imports
    and first-call set-up inside pandas happen here and not in every child.

    Nothing of a solution or a submission is involved, and no DuckDB connection is opened
    (its threads must not exist when the zygote forks), so every child starts from the same
    state as before.
    """
    with contextlib.suppress(Exception):
        from casekit import _checks
        from casekit.data import generators

        log = generators.event_log(n_users=20, start="2026-06-10", end="2026-06-12", seed=1)
        _checks.event_log(log, what="the warm-up log")
        log.groupby(["user_id", "behavior_type"], observed=True).size().unstack(fill_value=0)
        repr(log.head())


def _make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history thread, no sqlite file
    config.InteractiveShell.colors = "NoColor"
    shell = InteractiveShell.instance(config=config)
    shell.display_formatter.active_types = ["text/plain"]
    return shell


def _kill_others_in_namespace(keep: set[int]) -> None:
    """Inside our own PID namespace: kill every process but ``keep`` (leftovers of a child)."""
    for _ in range(50):
        others = [int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) not in keep]
        if not others:
            return
        for pid in others:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        time.sleep(0.01)


def _wait(pid: int, deadline: float) -> tuple[str, int]:
    """Wait for child ``pid`` until ``deadline``; ('ok'|'kernel_died'|'timeout', code)."""
    fd = os.pidfd_open(pid)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout", -9
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
                return ("ok" if code == 0 else "kernel_died"), code
    finally:
        os.close(fd)


def _data_bytes() -> int:
    """This process's data segment (VmData, what RLIMIT_DATA counts), in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _child(shell, request: dict, read_roots: list[str], memory_mb: int, nproc: int) -> None:
    """In the forked child: never returns."""
    import resource

    code = 1
    try:
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
        scratch = os.path.realpath(request["scratch"])
        for var, sub in _ENV_DIRS.items():
            os.makedirs(os.path.join(scratch, sub), exist_ok=True)
            os.environ[var] = os.path.join(scratch, sub)
        os.chdir(scratch)
        shell.user_ns["__file__"] = os.path.join(scratch, "submission.ipynb")
        guard = bool(request.get("guard", True))
        if guard:
            # on top of what the warm zygote already maps (its imports reserve about 1 GB
            # of address space), so the allowance is the submission's own
            limit = _data_bytes() + int(request.get("memory_mb") or memory_mb) * 2**20
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
            resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
            if nproc:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        seconds = int(request["cell_timeout"])

        def on_alarm(signum, frame):
            raise CellTimeout(f"cell ran longer than {seconds} s and was stopped by the grader")

        signal.signal(signal.SIGALRM, on_alarm)
        if guard:
            from casekit.course.sandbox import install_guard

            install_guard(scratch, read_roots)
        errors = []
        for source in request["cells"]:
            error = None
            try:
                signal.alarm(seconds)
                result = shell.run_cell(source, store_history=False, silent=True)
                signal.alarm(0)
                error = result.error_before_exec or result.error_in_exec
            except (CellTimeout, KeyboardInterrupt) as exc:
                error = exc
            finally:
                signal.alarm(0)
            errors.append(None if error is None else [type(error).__name__, str(error)[:300]])
        with open(os.path.join(scratch, RUN_FILE), "w", encoding="utf-8") as fh:
            json.dump({"done": True, "errors": errors}, fh)
        code = 0
    except BaseException:  # a child must never return into the zygote loop
        code = 1
    finally:
        os._exit(code)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="casekit grading fork server")
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--nproc", type=int, default=0)
    parser.add_argument("--reap-namespace", action="store_true",
                        help="we are in our own PID namespace: kill all leftovers after a child")
    args = parser.parse_args(argv)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the protocol
    # Not dumpable: a child may not ptrace the zygote or write its memory via /proc/PID/mem
    # (children inherit this).
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    own = Path(tempfile.mkdtemp(prefix="casekit-zygote-home-", dir=os.environ.get("TMPDIR")))
    for var, sub in _ENV_DIRS.items():
        (own / sub).mkdir(exist_ok=True)
        os.environ[var] = str(own / sub)
    _preload()
    from casekit.course.sandbox import read_roots as allowed_reads

    read_roots = allowed_reads()
    shell = _make_shell()
    keep = {os.getpid(), os.getppid(), 1}
    out.write(json.dumps({"ready": True}).encode() + b"\n")
    out.flush()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)
        deadline = time.monotonic() + int(request["notebook_timeout"])
        pid = os.fork()
        if pid == 0:
            _child(shell, request, read_roots, args.memory_mb, args.nproc)
        status, _ = _wait(pid, deadline)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # whatever the child left behind
        if args.reap_namespace:
            _kill_others_in_namespace(keep)
        out.write(json.dumps({"status": status}).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
