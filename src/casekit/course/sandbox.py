"""The Python-level guard of the grading sandbox (an audit hook), used by the fork server.

``casekit.course.forkserver`` installs ``install_guard`` in every child that runs a student's
submission, after moving it into its scratch folder. The hook (PEP 578, it cannot be removed
once installed) refuses to write, rename or delete anything outside the scratch folder, to
read files outside the Python installation, the casekit package and its datasets, the
scratch folder and system folders (so solutions, other students' work and the gradebook are
out of reach), to start processes, or to open network connections other than loopback.

On its own this is defence in depth, not a security boundary: native code (for example
``ctypes.CDLL(None)``) gets around an audit hook. ``casekit grade --sandbox bwrap`` (the
default wherever user namespaces work) adds the OS boundary: bubblewrap mounts only the
environment, read-only, gives a private writable scratch folder, no network and a private
``/proc``, and a pids control group stops fork bombs (see ``casekit.course.forkserver``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def read_roots() -> list[str]:
    """Folders a submission may read: the Python installation, casekit, datasets, system."""
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
