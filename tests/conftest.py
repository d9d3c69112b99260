"""Shared test set-up: an isolated store and environment, a network guard, and the cassette settings."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CASSETTES = ROOT / "cassettes"
RECORDING = os.environ.get("SUMMARIZER_RECORD") == "1"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "SUMMARIZER_MODEL",
        "SUMMARIZER_LOCAL_MODEL",
        "SUMMARIZER_EXTRACTION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUMMARIZER_STORE", str(tmp_path / "store.sqlite3"))
    if not RECORDING:  # recording reuses the assembled model in the real cache
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def records_design(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pins the design whose answers a test scripts by hand (whole records, `extract-records`): the fault,
    batch and hostile-input tests are about the machinery around the model, which every design shares."""
    monkeypatch.setenv("SUMMARIZER_EXTRACTION", "records")
    monkeypatch.setattr("summarizer.config.DEFAULT_EXTRACTION", "records")  # for Config.build(env={})


# --- network guard: the suite must pass with no network; only loopback is allowed --------------------


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host that is not on this machine."""


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    if RECORDING:
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkBlocked(
                f"network access blocked in tests: tried to connect to {address[0]}:{address[1]}"
            )

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback(name):
            raise NetworkBlocked(f"network access blocked in tests: tried to resolve {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# --- cassettes (pytest-recording): replay only unless `make record` --------------------------------------

SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"Bearer\s+[A-Za-z0-9._\-]{8,}", re.I),
    re.compile(
        r"^\s*(authorization|api-key|x-api-key|cookie|set-cookie|openai-organization|openai-project):",
        re.I | re.M,
    ),
]
_SCRUB_HEADERS = ["authorization", "api-key", "x-api-key", "cookie", "openai-organization", "openai-project"]
_SCRUB_RESPONSE_HEADERS = ("set-cookie", "openai-organization", "openai-project", "x-request-id", "date")


def _scrubbed(text: str) -> str:
    """The tool's own redaction (exact secrets in use, then key shapes), so cassettes hold no secret."""
    from summarizer.errors import redact

    return redact(text)


def _scrub_request(request: Any) -> Any:
    if isinstance(request.body, bytes | str):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        request.body = _scrubbed(body).encode()
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _SCRUB_RESPONSE_HEADERS:
            del headers[name]
    # vcrpy also runs this on playback, where httpx needs bytes back: keep the body's type.
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = _scrubbed(body.decode("utf-8", "replace")).encode()
    elif isinstance(body, str):
        response["body"]["string"] = _scrubbed(body)
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": _SCRUB_HEADERS,
        "decode_compressed_response": True,
        "match_on": ["method", "path", "body"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        # No record_mode here: pytest-recording's default is "none" (CI only replays), and `make record`
        # passes --record-mode on the command line, which a record_mode here would override.
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)
