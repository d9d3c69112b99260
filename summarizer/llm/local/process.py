"""The engine's process seen from its parent: started in a session of its own, logged, stopped as a group."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from ...errors import LocalModelError
from .host import cpus_idle

log = logging.getLogger("summarizer")

LOG_ROTATE_BYTES = 10 << 20


class ServerProcess:
    """`python -m summarizer.llm.local` with a lifeline pipe, its output appended to `log_path`.

    The child kills its process group when the lifeline closes, so it ends with its parent even after a
    SIGKILL; `stop` (also run at exit) ends it and everything it started.
    """

    def __init__(self, log_path: Path, *, stop_grace: float) -> None:
        self.log_path = log_path
        self.stop_grace = stop_grace
        self._proc: subprocess.Popen[bytes] | None = None
        self._lifeline: int | None = None
        self._log: IO[bytes] | None = None
        self._log_start = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, command: Sequence[str], *, banner: str) -> int:
        """Start the child that runs `command`, after writing `banner` to the log; its pid."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if self.log_path.stat().st_size > LOG_ROTATE_BYTES:
                os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
        self._log = self.log_path.open("ab")
        self._log.write(banner.encode())
        self._log.flush()
        self._log_start = self._log.tell()
        read_end, self._lifeline = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "summarizer.llm.local", str(read_end), *command],
                stdin=subprocess.DEVNULL,
                env=_child_env(),
                stdout=self._log,
                stderr=subprocess.STDOUT,
                pass_fds=(read_end,),
                # Its own session: terminal Ctrl-C reaches only us, and we stop the whole group in order.
                start_new_session=True,
            )
        except BaseException:
            os.close(self._lifeline)
            self._lifeline = None
            raise
        finally:
            os.close(read_end)
        atexit.register(self.stop)
        return self._proc.pid

    def poll(self) -> int | None:
        """The child's exit code, or None while it runs."""
        return self._running().poll()

    def wait(self, timeout: float | None = None) -> int:
        """Block until the child exits (subprocess.TimeoutExpired after `timeout` s); its exit code."""
        return self._running().wait(timeout)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            raise LocalModelError(f"the local model server is not running (log {self.log_path})")
        return self._proc

    def log_tail(self, lines: int = 8) -> str:
        """The last lines this child wrote to its log."""
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(self._log_start)
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_line(self, lines: int) -> str:
        """The last `lines` non-blank lines of the log as one line."""
        return " | ".join(line for line in self.log_tail(lines).splitlines() if line.strip())

    def stop(self) -> None:
        """SIGTERM the child's process group, SIGKILL what is left after a grace period; idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            atexit.unregister(self.stop)
            code = proc.poll()
            if code is not None:
                # Requests then failed with "cannot reach the model server"; this says why.
                log.error(
                    "the local model server had stopped by itself (%s); log %s: %s",
                    describe_exit(code),
                    self.log_path,
                    self.log_line(4),
                )
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_grace)
            except subprocess.TimeoutExpired:
                log.warning("local model server did not stop within %.0fs; killing it", self.stop_grace)
            finally:
                # Also reaps anything the server started itself; the group id cannot be reused while
                # any member lives, so this never hits a stranger.
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        if self._log is not None:
            self._log.close()
            self._log = None


def describe_exit(code: int) -> str:
    """An exit code as people say it: "exit code 3", "killed by SIGSEGV"."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _child_env() -> dict[str, str]:
    """The parent's environment, with this package importable for the child's `-m summarizer.llm.local`."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    # llama.cpp's OpenMP workers spin between steps by default: about a fifth faster on an idle machine,
    # but with any other load on a 2-core machine a spinning worker starves its peer and generation slows
    # several-fold (see docs/BENCHMARKS.md). So they spin only when the CPUs are idle as the server starts.
    if "OMP_WAIT_POLICY" not in env:
        idle = cpus_idle()
        if not idle:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        log.info("local server: OpenMP workers %s", "spin (CPUs idle)" if idle else "passive (CPUs busy)")
    return env
