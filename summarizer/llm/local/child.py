"""The engine's own process: the settings it is started with, a lifeline to its parent, llama.cpp's server."""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ...engine import DEFAULT_REPEAT_PENALTY, ENGINE

# The prompt-state cache in RAM: with one slot the next article reuses the previous KV prefix in place, so
# a few saved states are plenty (llama.cpp's default is 8 GiB).
DEFAULT_CACHE_RAM_MIB = 256


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
