"""One frozen configuration object, built once from flags, then environment, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .engine import engine_identity
from .errors import ConfigError, register_secret, register_url_secrets

Backend = Literal["openai", "compatible", "local", "replay"]
# How an article's meetings are found (see extract.py): "rules" proposes meetings from the meeting words
# rules find and fills every field from the text, asking no model; "labels" has the model label those
# proposals (a type, or none); "records" has it write whole records. "auto" is rules with the embedded
# 1.5B, whose labels measured no better than the rules' own on the development corpus, and labels with
# any other model (docs/BENCHMARKS.md).
Extraction = Literal["auto", "rules", "labels", "records"]
EXTRACTIONS: tuple[Extraction, ...] = ("auto", "rules", "labels", "records")
DEFAULT_EXTRACTION: Extraction = "auto"

DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"
OPENAI_URL = "https://api.openai.com/v1"

# Who answers, by backend: part of every cache key, since the same request to another engine (or another
# version of it) may get another answer. One string per backend; put a version in it where it matters.
ENGINES: dict[str, str] = {
    "local": "xllamacpp",  # with its version and server-side sampling: engine.engine_identity()
    "replay": "replay",
    "openai": "openai",
    "compatible": "openai-compatible",
}


def _engine_identity(backend: Backend) -> str:
    """ENGINES[backend]; for the embedded model the engine's version and sampling too (no engine import)."""
    if backend == "local":
        return engine_identity()
    return ENGINES[backend]


def default_store_path() -> Path:
    """The per-user cache location of the SQLite store."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("summarizer")) / "store.sqlite3"


def default_cache_dir() -> Path:
    """The per-user cache directory (assembled model files live here)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("summarizer"))


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know; never mutated after it is built."""

    backend: Backend = "local"
    model: str = DEFAULT_LOCAL_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    store_path: Path = field(default_factory=default_store_path)
    cache_dir: Path = field(default_factory=default_cache_dir)
    local_model: str = DEFAULT_LOCAL_MODEL
    cassettes_dir: Path = Path("cassettes")
    concurrency: int = 4
    request_timeout: float = 300.0
    max_retries: int = 4
    max_reasks: int = 2
    max_response_tokens: int = 1024
    max_tokens_per_article: int | None = None
    temperature: float = 0.0
    seed: int = 1234
    judge: bool = False
    narrative: bool = False
    use_cache: bool = True
    # The answering engine's identity (ENGINES[backend] unless given): hashed into every cache key.
    engine: str = ""

    def __post_init__(self) -> None:
        # Whatever a Config carries that is secret is redacted, exactly, from every output and log.
        register_secret(self.api_key)
        register_url_secrets(self.base_url)

    extraction: Extraction = "auto"

    @property
    def is_local(self) -> bool:
        return self.backend == "local"

    @property
    def design(self) -> Literal["rules", "labels", "records"]:
        """The extraction design in force: "auto" resolved for this backend."""
        if self.extraction != "auto":
            return self.extraction
        return "rules" if self.backend == "local" else "labels"

    def with_(self, **changes: object) -> Config:
        """A copy with some fields changed (for derived settings such as the local server's URL)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def build(
        cls,
        *,
        model: str | None = None,
        base_url: str | None = None,
        store: str | Path | None = None,
        local_model: str | None = None,
        replay: bool = False,
        cassettes: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        **options: object,
    ) -> Config:
        """Flags win over environment, environment over defaults."""
        env = os.environ if env is None else env
        api_key = env.get("OPENAI_API_KEY") or None
        # The openai client sends these as headers; an error body may echo them.
        register_secret(
            *(env.get(name) for name in ("OPENAI_ORG_ID", "OPENAI_ORGANIZATION", "OPENAI_PROJECT_ID"))
        )
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
        model = model or env.get("SUMMARIZER_MODEL") or None
        local = local_model or env.get("SUMMARIZER_LOCAL_MODEL") or DEFAULT_LOCAL_MODEL
        store_path = Path(store or env.get("SUMMARIZER_STORE") or default_store_path()).expanduser()
        backend, base_url, model = _backend(replay, base_url, api_key, model, local)
        config = cls(
            backend=backend,
            model=model,
            base_url=base_url,
            api_key=api_key,
            store_path=store_path,
            local_model=local,
            cassettes_dir=Path(cassettes) if cassettes else Path("cassettes"),
            engine=_engine_identity(backend),
        )
        if options.get("extraction") is None:
            options["extraction"] = env.get("SUMMARIZER_EXTRACTION") or DEFAULT_EXTRACTION
        return _with_options(config, options)


def _backend(
    replay: bool, base_url: str | None, api_key: str | None, model: str | None, local: str
) -> tuple[Backend, str | None, str]:
    """Who answers (replay, api.openai.com, another endpoint or the embedded model), its URL and model."""
    backend: Backend
    if replay:
        backend = "replay"
    elif base_url:
        backend = "openai" if base_url.rstrip("/") == OPENAI_URL else "compatible"
    elif api_key:
        backend, base_url = "openai", OPENAI_URL
    else:
        backend = "local"
    if backend == "openai" and not api_key:
        raise ConfigError("OPENAI_API_KEY is not set, and api.openai.com needs a key")
    if backend == "openai" and not model:
        model = "gpt-4o-mini"
    if backend in ("local", "replay") and not model:
        model = Path(local).stem if local.endswith(".gguf") else local
    if not model:
        raise ConfigError("--model (or SUMMARIZER_MODEL) is required with --base-url")
    return backend, base_url, model


def _with_options(config: Config, options: dict[str, object]) -> Config:
    """The config with the options given (None means not given), each checked."""
    extra = {k: v for k, v in options.items() if v is not None}
    unknown = set(extra) - set(Config.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join(sorted(unknown))}")
    config = replace(config, **extra)  # type: ignore[arg-type]
    if config.extraction not in EXTRACTIONS:
        raise ConfigError(f"--extraction must be one of {', '.join(EXTRACTIONS)}, not {config.extraction!r}")
    if config.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if config.request_timeout <= 0:
        raise ConfigError("--request-timeout must be positive")
    return config
