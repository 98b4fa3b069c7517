"""Small file helpers shared by the library and the course tooling.

Every file casekit writes (datasets, notebooks, exercises, the site's manifest, the
gradebook's CSV and feedback) goes through :func:`atomic_write_bytes`: readers see the old
file or the new one, never half of it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "output_error", "sha256_file"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half.

    Parameters
    ----------
    path : Path
        Target file; missing parent folders are created.
    data : bytes
        The complete new content.

    Returns
    -------
    None
        The file at ``path`` holds ``data`` once this returns.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates the file 0600; give it the mode a normal write would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_error(path: Path, exc: OSError):
    """A clear error for a write that failed: which file, why, and that the old one is intact.

    Parameters
    ----------
    path : Path
        The file (or folder) that could not be written.
    exc : OSError
        The error the write raised (its errno picks the explanation).

    Returns
    -------
    OutputError
        The error to raise, naming ``path``, the cause and the fix.
    """
    import errno

    from casekit.errors import OutputError

    why = {
        errno.ENOSPC: "the disk is full; free some space",
        errno.EDQUOT: "the disk quota is exceeded; free some space",
        errno.EROFS: "the folder is on a read-only file system; choose a writable output folder",
        errno.EACCES: "permission denied; make the folder writable or choose another one",
        errno.EPERM: "permission denied; make the folder writable or choose another one",
    }.get(exc.errno, exc.strerror or str(exc))
    kept = "the previous file is unchanged" if path.exists() else "nothing was written"
    return OutputError(f"cannot write {path}: {why} ({kept}), then run the command again")


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` atomically (see :func:`atomic_write_bytes`), UTF-8 by default.

    Parameters
    ----------
    path : Path
        Target file; missing parent folders are created.
    text : str
        The complete new content.
    encoding : str
        Text encoding of the written bytes (default ``"utf-8"``).

    Returns
    -------
    None
        The file at ``path`` holds the encoded ``text`` once this returns.
    """
    atomic_write_bytes(path, text.encode(encoding))


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks.

    Parameters
    ----------
    path : Path
        File to hash.

    Returns
    -------
    str
        The 64-character lowercase hex digest.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            digest.update(chunk)
    return digest.hexdigest()
