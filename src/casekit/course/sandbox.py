"""The kernel that runs a student's submission during grading.

``python -m casekit.course.sandbox --scratch DIR --memory-mb N -f CONNECTION_FILE`` starts an
IPython kernel that

- works in ``DIR`` (the scratch folder, which holds only the submission), with Jupyter,
  IPython and temporary files pointed into it;
- is limited to ``N`` MiB of data memory (``RLIMIT_DATA``): a memory bomb fails with
  ``MemoryError`` in its cell instead of taking the machine down;
- caps what a cell may print (a runaway loop cannot fill the grader's memory);
- installs a Python audit hook (PEP 578, it cannot be removed once installed) that refuses
  to write, rename or delete anything outside the scratch folder, to read files outside the
  Python installation, the casekit package and its datasets, the scratch folder and system
  folders (so solutions, other students' work and the gradebook are out of reach), to start
  processes, or to open network connections other than loopback.

This is defence in depth for a classroom, not a security boundary: native code (for example
through ``ctypes``) can get around an audit hook. Where students are untrusted adversaries,
run ``casekit grade`` inside a container or VM as well.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path

MAX_STREAM_BYTES = 2 * 2**20  # per stream, per kernel

_DENIED_EVENTS = {
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
    "subprocess.Popen",
    "os.startfile",
}
_WRITE_EVENTS = {
    "os.remove": 0,
    "os.rmdir": 0,
    "os.rename": (0, 1),
    "os.replace": None,
    "os.chmod": 0,
    "os.chown": 0,
    "os.truncate": 0,
    "os.mkdir": 0,
    "os.link": (0, 1),
    "os.symlink": (0, 1),
    "os.utime": 0,
    "shutil.rmtree": 0,
    "shutil.move": (0, 1),
    "shutil.copyfile": (1,),
}


def _resolve(path) -> str | None:
    if isinstance(path, int):
        return None  # an already-open file descriptor
    try:
        return os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return None


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r + os.sep) for r in roots)


def install_guard(scratch: str, read_roots: list[str]) -> None:
    """Install the audit hook described in the module docstring."""
    scratch = os.path.realpath(scratch)
    write_roots = [scratch, "/dev/null"]
    reads = [os.path.realpath(r) for r in read_roots] + write_roots

    def deny(what: str):
        raise PermissionError(f"casekit grading sandbox: {what} is not allowed")

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path = _resolve(args[0])
            if path is None:
                return
            mode = args[1] or "r"
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = any(c in str(mode) for c in "wax+") or flags & (
                os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
            )
            if writing and not _under(path, write_roots):
                deny(f"writing {path}")
            if not writing and not _under(path, reads):
                deny(f"reading {path}")
        elif event in _DENIED_EVENTS or event.startswith("os.exec"):
            deny(f"starting a process ({event})")
        elif event in _WRITE_EVENTS:
            positions = _WRITE_EVENTS[event]
            if positions is None:
                positions = (0, 1)
            elif isinstance(positions, int):
                positions = (positions,)
            for pos in positions:
                if pos < len(args):
                    path = _resolve(args[pos])
                    if path is not None and not _under(path, write_roots):
                        deny(f"{event} on {path}")
        elif event == "sqlite3.connect":
            path = _resolve(args[0]) if args and args[0] not in (":memory:", b":memory:") else None
            if path is not None and not _under(path, write_roots):
                deny(f"opening the database {path}")
        elif event == "socket.connect":
            address = args[1] if len(args) > 1 else None
            host = address[0] if isinstance(address, tuple) and address else None
            if host is not None and host not in ("127.0.0.1", "::1", "localhost"):
                deny(f"connecting to {host}")
        elif event == "os.kill":
            if args and args[0] not in (os.getpid(), 0):
                deny("signalling another process")
        elif event == "ctypes.dlopen":
            if args and args[0] is not None:
                deny("loading a native library")

    sys.addaudithook(hook)


class _CappedStream:
    """Wraps a kernel output stream; drops output beyond MAX_STREAM_BYTES."""

    def __init__(self, stream):
        self._stream = stream
        self._written = 0
        self._noted = False

    def write(self, text):
        size = len(text.encode("utf-8", "replace")) if isinstance(text, str) else len(text)
        if self._written + size > MAX_STREAM_BYTES:
            if not self._noted:
                self._noted = True
                self._stream.write("\n[output truncated by the grader: too much output]\n")
            return len(text)
        self._written += size
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _read_roots(scratch: str) -> list[str]:
    import sysconfig

    import casekit
    from casekit.data import datasets_dir

    roots = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(casekit.__file__).resolve().parent),
        str(datasets_dir().resolve()),
        *sysconfig.get_paths().values(),
        "/usr",
        "/lib",
        "/lib64",
        "/etc",
        "/proc",
        "/sys",
        "/dev",
        "/opt/conda",
    }
    roots.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    roots.update(os.path.realpath(r) for r in list(roots) if r)
    return sorted(r for r in roots if r)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--cell-timeout", type=int, default=60)
    args, kernel_args = parser.parse_known_args(argv)
    scratch = os.path.realpath(args.scratch)
    for var, sub in {
        "HOME": "home",
        "IPYTHONDIR": "ipython",
        "JUPYTER_CONFIG_DIR": "jupyter",
        "JUPYTER_DATA_DIR": "jupyter",
        "MPLCONFIGDIR": "mpl",
        "TMPDIR": "tmp",
        "XDG_CACHE_HOME": "cache",
    }.items():
        os.makedirs(os.path.join(scratch, sub), exist_ok=True)
        os.environ[var] = os.path.join(scratch, sub)
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["PYTHONHASHSEED"] = "0"
    os.chdir(scratch)
    limit = args.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    # Load what kernels and the course need before the guard, so imports work as usual.
    from ipykernel.kernelapp import IPKernelApp

    import casekit
    import casekit.data
    import casekit.exercise  # noqa: F401

    read_roots = _read_roots(scratch)
    app = IPKernelApp.instance()
    app.initialize(kernel_args)
    sys.stdout = _CappedStream(sys.stdout)
    sys.stderr = _CappedStream(sys.stderr)
    _cell_watchdog(app.shell, args.cell_timeout)
    install_guard(scratch, read_roots)
    app.start()


class CellTimeout(Exception):
    """Raised inside a cell that ran longer than the grader allows."""


def _cell_watchdog(shell, seconds: int) -> None:
    """Interrupt any cell after ``seconds`` with CellTimeout (SIGALRM between bytecodes).

    Long native calls are not interrupted; the grader's per-notebook timeout covers those.
    """
    import signal

    def on_alarm(signum, frame):
        raise CellTimeout(f"cell ran longer than {seconds} s and was stopped by the grader")

    signal.signal(signal.SIGALRM, on_alarm)
    shell.events.register("pre_run_cell", lambda info: signal.alarm(seconds))
    shell.events.register("post_run_cell", lambda result: signal.alarm(0))


if __name__ == "__main__":
    main()
