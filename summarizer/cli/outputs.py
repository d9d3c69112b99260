"""Write one output file safely: atomically over regular files, straight through to pipes and devices.

A temp file renamed over the target means a reader never sees half a file, but a rename replaces whatever
the name pointed at: run as root, `--out /dev/null` once turned /dev/null into a regular file. So:

- ``-`` is standard output;
- a symlink is followed, and the rules below apply to what it points at (a dangling one creates its target);
- a FIFO or character device (``/dev/stdout``, ``/dev/null``, a terminal) is opened and written through;
- a regular file or a new name gets the temp file and the rename;
- anything else (a directory, a socket, a block device) is refused, naming the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from ..errors import scrub

__all__ = ["check_output", "check_output_dir", "write_output"]


def _is_stdout(path: Path) -> bool:
    return str(path) == "-"


def _target(path: Path) -> tuple[Path, os.stat_result | None]:
    """Where writing `path` lands (symlinks followed) and what is there now (None: nothing yet)."""
    real = Path(os.path.realpath(path))
    try:
        # stat() of the name itself: /dev/stdout's link names a pipe that realpath cannot spell.
        return real, os.stat(path)
    except FileNotFoundError:
        return real, None


def _refuse(path: Path, reason: int) -> OSError:
    return OSError(reason, os.strerror(reason), str(path))


def check_output(path: Path) -> None:
    """Raise (naming `path`) unless `path` can take an output file; run before any work is paid for."""
    if _is_stdout(path):
        return
    real, st = _target(path)
    if st is None:
        parent = real.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise _refuse(path, errno.ENOTDIR)
        return
    if stat.S_ISDIR(st.st_mode):
        raise _refuse(path, errno.EISDIR)
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        raise OSError(
            errno.EINVAL, "not a regular file, FIFO or character device; refusing to write", str(path)
        )


def check_output_dir(path: Path) -> None:
    """Raise (naming `path`) unless `path` is a directory or can become one."""
    real = Path(os.path.realpath(path))
    probe = real
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise _refuse(path, errno.ENOTDIR)


def write_output(path: Path, text: str, *, stdout: TextIO | None = None) -> None:
    """Write `text` to `path` by the rules in the module docstring, without the secrets in use."""
    text = scrub(text)
    if _is_stdout(path):
        out = stdout or sys.stdout
        out.write(text)
        out.flush()
        return
    check_output(path)
    real, st = _target(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        # A FIFO or a character device: renaming over it would replace it, so write through instead.
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    _write_atomic(real, text)


def _write_atomic(path: Path, text: str) -> None:
    """Write to a temp file beside `path`, then rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; outputs are ordinary files, so give them the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
