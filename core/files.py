"""Files that hold people's data or secrets (the SQLite database, the outbox, backups, the secret key) are
created readable by Relais's own user only: 0600 for files, 0700 for the folders Relais creates.

Modes are set explicitly (``fchmod``/``chmod`` after creation), whatever the process's umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``mkdir -p`` where every folder created is 0700; folders that already exist keep their mode."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
        folder.chmod(DIR_MODE)
    return path


def open_private(path: Path, *, exclusive: bool = False) -> IO[bytes]:
    """Open ``path`` for writing (truncated), as a 0600 file even if it already existed with a wider mode.
    ``exclusive``: fail with FileExistsError if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes) -> None:
    with open_private(path) as fh:
        fh.write(data)


def touch_private(path: Path) -> None:
    """Create ``path`` empty and 0600 if it does not exist yet (an existing file is left as it is)."""
    with contextlib.suppress(FileExistsError):
        open_private(path, exclusive=True).close()


def create_private_once(path: Path, data: bytes) -> None:
    """Create ``path`` (0600) holding ``data``, atomically: a reader never sees it empty or half-written, and if
    another process created it first, theirs is kept."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_private(tmp, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
