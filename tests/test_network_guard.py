"""The suite's network guard: reaching beyond loopback fails loudly; loopback still works."""

from __future__ import annotations

import socket

import pytest

from .conftest import RECORDING, NetworkBlocked
from .fakeserver import FakeOpenAI

pytestmark = pytest.mark.skipif(RECORDING, reason="the guard is off while recording cassettes")


def test_outside_connection_is_blocked_with_a_clear_message() -> None:
    with socket.socket() as sock, pytest.raises(NetworkBlocked, match=r"203\.0\.113\.5:443"):
        sock.connect(("203.0.113.5", 443))


def test_outside_name_lookup_is_blocked() -> None:
    with pytest.raises(NetworkBlocked, match=r"api\.openai\.com"):
        socket.getaddrinfo("api.openai.com", 443)


def test_loopback_is_allowed() -> None:
    with FakeOpenAI() as srv, socket.create_connection(("127.0.0.1", srv.port), timeout=2):
        pass
