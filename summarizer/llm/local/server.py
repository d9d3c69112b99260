"""The embedded model server for the length of a `with` block: started on loopback, checked, then stopped."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from ... import engine
from ...config import Config
from ...engine import DEFAULT_REPEAT_PENALTY, ENGINE
from ...errors import LocalModelError
from .assembly import INSTALL_HINT
from .child import DEFAULT_CACHE_RAM_MIB, EngineSettings
from .host import missing_cpu_feature
from .model import model_alias, resolve_local_model
from .probe import SELF_CHECK_SCHEMA, UNANSWERED, obeys_self_check, self_check_answer, served_models
from .process import ServerProcess, describe_exit

log = logging.getLogger("summarizer")

# Room for the longest article as numbered sentences plus candidate quotes, the ~400-token system
# prompt and a 1024-token answer; the KV cache for 8192 tokens costs ~230 MB on the 1.5B model.
DEFAULT_N_CTX = 8192
DEFAULT_STARTUP_TIMEOUT = 180.0
_STOP_GRACE = 10.0

ServerArgv = Callable[[int], Sequence[str]]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """Runs the embedded model server for the duration of a `with` block and never leaves it running."""

    def __init__(
        self,
        config: Config,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        repeat_penalty: float = DEFAULT_REPEAT_PENALTY,
        cache_ram_mib: int = DEFAULT_CACHE_RAM_MIB,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        stop_grace: float = _STOP_GRACE,
        argv: ServerArgv | None = None,
        warm_up: bool | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.config = config
        self.model = model_alias(config.local_model)
        self.n_ctx = n_ctx
        self.repeat_penalty = repeat_penalty
        self.cache_ram_mib = cache_ram_mib
        self.startup_timeout = startup_timeout
        self._argv = argv
        # A stand-in server (tests, other engines) may not do inference; the real engine is always checked.
        self.warm_up = argv is None if warm_up is None else warm_up
        self.process = ServerProcess(
            log_path or config.cache_dir / "logs" / "local-server.log", stop_grace=stop_grace
        )
        self.port = 0
        self._previous_sigterm: Any = None
        self._handler_installed = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.process.log_path

    def __enter__(self) -> LocalServer:
        self._install_sigterm()
        try:
            self.start()
        except BaseException:
            self.stop()
            self._restore_sigterm()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.stop()
        finally:
            self._restore_sigterm()

    @property
    def identity(self) -> str:
        """What its answers depend on besides the request: engine, version, server-side sampling."""
        return engine.engine_identity(self.repeat_penalty)

    def _server_argv(self) -> ServerArgv:
        if self._argv is not None:
            return self._argv
        if engine.engine_version() is None:
            raise LocalModelError(
                f"the embedded model needs the llama.cpp engine ({ENGINE}); install it with {INSTALL_HINT}"
            )
        if missing_cpu_feature() is not None:
            raise LocalModelError(
                f"this CPU lacks AVX2, which the embedded engine's prebuilt build ({ENGINE}) needs; run "
                "against another OpenAI-compatible server instead: --base-url URL --model NAME (for example "
                "llama.cpp's llama-server built on this machine), or set OPENAI_API_KEY"
            )
        model = resolve_local_model(self.config.local_model, self.config.cache_dir)
        threads = os.cpu_count() or 1

        def argv(port: int) -> list[str]:
            return EngineSettings(
                model=str(model),
                alias=self.model,
                port=port,
                n_ctx=self.n_ctx,
                threads=threads,
                seed=self.config.seed,
                repeat_penalty=self.repeat_penalty,
                cache_ram_mib=self.cache_ram_mib,
            ).argv()

        return argv

    def start(self) -> None:
        """Start the server and wait until it answers; a port lost to a race is retried."""
        argv = self._server_argv()
        started = time.monotonic()
        for attempt in range(3):
            self._spawn(argv)
            try:
                self._wait_ready(started)
                break
            except LocalModelError:
                tail = self.log_tail().lower()
                lost_port = "address already in use" in tail or "couldn't bind" in tail
                self.stop()
                if not lost_port or attempt == 2:
                    raise
        if self.warm_up:
            try:
                self._check_constrained_output()
            except BaseException:
                self.stop()
                raise
        log.info(
            "local model server %s ready at %s in %.1fs",
            self.model,
            self.base_url,
            time.monotonic() - started,
        )

    def _spawn(self, argv: ServerArgv) -> None:
        self.port = free_port()
        banner = f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {self.model} port {self.port}\n"
        pid = self.process.start(argv(self.port), banner=banner)
        log.debug("local model server pid %d on port %d, log %s", pid, self.port, self.log_path)

    def _wait_ready(self, started: float) -> None:
        while True:
            code = self.process.poll()
            if code is not None:
                raise self._startup_error(f"stopped while starting ({describe_exit(code)})")
            served = served_models(self.base_url)
            if served is not None:
                if self.model in served:
                    return
                raise self._startup_error(f"port {self.port} answers for {served}, not {self.model}")
            if time.monotonic() - started > self.startup_timeout:
                raise self._startup_error(f"did not answer within {self.startup_timeout:.0f}s")
            time.sleep(0.25)

    def _check_constrained_output(self) -> None:
        """Ask for a tiny schema the prompt contradicts; an engine that ignores schemas fails here, clearly.

        llama.cpp servers have failed open on grammar errors (answering unconstrained text); and an engine
        that crashes on this CPU's instructions fails here too, rather than in the middle of a run.
        """
        try:
            content = self_check_answer(
                self.base_url, self.model, seed=self.config.seed, timeout=self.startup_timeout
            )
        except (*UNANSWERED, ValueError) as exc:
            failure: BaseException = exc
        else:
            if obeys_self_check(content):
                return
            raise self._startup_error(
                "does not enforce JSON-schema constrained output: asked for "
                f"{SELF_CHECK_SCHEMA['properties']['answer']} it answered {content!r:.80}"
            )
        raise self._first_request_error(failure)

    def _first_request_error(self, failure: BaseException) -> LocalModelError:
        """Why the first request failed: a server still running, or one that crashed (and on what)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2.0)
        code = self.process.poll()
        if code is None:
            return self._startup_error(f"failed its first request ({failure})")
        hint = ""
        if code in (-signal.SIGSEGV, -signal.SIGILL):
            hint = (
                f"; the prebuilt engine ({ENGINE}) uses instructions this CPU cannot run: use another "
                "OpenAI-compatible server with --base-url URL --model NAME"
            )
        return self._startup_error(f"crashed on its first request ({describe_exit(code)}){hint}")

    def _startup_error(self, what: str) -> LocalModelError:
        tail = self.process.log_line(8)
        return LocalModelError(
            f"the local model server ({self.model}) {what}; log {self.log_path}: {tail or '(empty)'}"
        )

    def log_tail(self, lines: int = 8) -> str:
        """The last lines this server wrote to its log."""
        return self.process.log_tail(lines)

    def wait(self) -> int:
        """Block until the server exits on its own; its exit code."""
        return self.process.wait()

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL what is left after a grace period; idempotent."""
        self.process.stop()

    def _install_sigterm(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread; atexit and the watchdog remain
        self._previous_sigterm = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _raise_on_sigterm)
        self._handler_installed = True

    def _restore_sigterm(self) -> None:
        if self._handler_installed:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._handler_installed = False


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Unwinds the stack like Ctrl-C does, so every `with LocalServer` on the way stops its server.
    raise SystemExit(128 + signum)


def serve_foreground(
    config: Config, *, announce: Callable[[str], None] | None = None, argv: ServerArgv | None = None
) -> None:
    """Run the embedded model server until Ctrl-C or SIGTERM; `announce` gets the base URL when ready."""
    with LocalServer(config, argv=argv) as server:
        message = f"{server.model} is served at {server.base_url} (127.0.0.1 only); Ctrl-C stops it"
        (announce or log.info)(message)
        code = server.wait()
        raise LocalModelError(
            f"the local model server stopped by itself ({describe_exit(code)}); log {server.log_path}: "
            + server.process.log_line(4)
        )
