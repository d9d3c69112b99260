"""The embedded model's engine as a cache key names it: its package, version and server-side sampling."""

from __future__ import annotations

import importlib.metadata
import importlib.util

ENGINE = "xllamacpp"
# llama.cpp's server defaults to 1.0; with 1.0 the seeds' answers grew from 1,253 to 2,090 completion
# tokens (repeated list items until max_tokens), 1.1 is what the cassettes were recorded with (BENCHMARKS).
DEFAULT_REPEAT_PENALTY = 1.1


def engine_version() -> str | None:
    """xllamacpp's version, or None when the engine is not installed (never imported here)."""
    if importlib.util.find_spec(ENGINE) is None:
        return None
    try:
        return importlib.metadata.version(ENGINE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def engine_identity(repeat_penalty: float = DEFAULT_REPEAT_PENALTY) -> str:
    """The engine and the sampling it applies server-side, e.g. "xllamacpp 2026.10.11549 repeat_penalty=1.1".

    Answers depend on both, so cached answers are keyed by it.
    """
    return f"{ENGINE} {engine_version() or 'not-installed'} repeat_penalty={repeat_penalty:g}"
