"""The error hierarchy; the CLI turns each into one line and an exit code.

SummarizerError
├── ConfigError          bad flags, environment or configuration      (exit 2)
├── InputError           an input file that cannot be read or parsed  (article fails, or exit 2)
├── LLMError             the model call failed after retries           (article fails)
│   ├── TruncatedOutput  finish_reason == "length"
│   └── ReplayMiss       a request not found in the recorded cassettes
├── StoreError           the SQLite store cannot be opened or written  (exit 2)
└── LocalModelError      the embedded model or its server cannot be used (exit 2)
"""

from __future__ import annotations

import base64
import re


class SummarizerError(Exception):
    """Root of every error the tool raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, article_id: str | None = None, prompt_id: str | None = None) -> None:
        super().__init__(message)
        self.article_id = article_id
        self.prompt_id = prompt_id

    def one_line(self) -> str:
        """The message as a single line, prefixed with the article id when there is one."""
        text = redact(" ".join(str(self).split()))
        return f"{self.article_id}: {text}" if self.article_id else text


class ConfigError(SummarizerError):
    """Invalid configuration, flags or environment."""


class InputError(SummarizerError):
    """An input that cannot be read or parsed."""


class LLMError(SummarizerError):
    """A model request that failed for good."""

    exit_code = 1


class TruncatedOutput(LLMError):
    """The model stopped at max_tokens; its answer is not trusted."""


class ReplayMiss(LLMError):
    """A request that is not in the recorded cassettes."""


class StoreError(SummarizerError):
    """The store cannot be opened or written."""


class LocalModelError(SummarizerError):
    """The embedded local model or its server is unusable."""


# Secrets this process uses (API key, URL credentials, organisation and project ids): redacted exactly,
# whatever their shape. Config registers them as it is built.
_SECRETS: set[str] = set()
# Shorter values could be ordinary words; no real key, password or id is this short.
MIN_SECRET_CHARS = 6

# Shapes of secrets nobody registered. Each needs a boundary and a long run of key characters, so place
# names ("Minsk-agreements", Gdansk, Donetsk, Kursk) and words ("the flag bearer Jonathan") never match.
_KEY = r"[A-Za-z0-9_\-]{20,}"
_PATTERNS = re.compile(
    "|".join(
        (
            rf"(?<![\w-])sk-{_KEY}",  # OpenAI-style keys: sk-..., sk-proj-...
            rf"(?<![\w-])(?:org|proj)[-_]{_KEY}",  # organisation and project ids
            r"(?<![\w-])[Bb]earer\s+(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{16,}=*",
            r"(?<![\w-])[Bb]asic\s+(?=[A-Za-z0-9+/]*[\d+/=])[A-Za-z0-9+/]{12,}={0,2}",  # HTTP basic auth
            r"(?<=[Aa][Pp][Ii][_-][Kk][Ee][Yy])[\"']?\s*[=:]\s*[\"']?[^\s\"',;&]{8,}",
            r"(?<=[Cc]ookie)[\"']?\s*[:=]\s*[\"']?[^\s;,\"']{6,}",
            r"(?<=://)[^\s/@]+@",  # credentials in a URL: scheme://user:password@host
        )
    )
)


def register_secret(*values: str | None) -> None:
    """Redact these exact strings from now on, wherever `redact` or `scrub` is applied."""
    for value in values:
        if value and len(value) >= MIN_SECRET_CHARS:
            _SECRETS.add(value)


def register_url_secrets(url: str | None) -> None:
    """Register the user name and password of `url` (scheme://user:password@host), if it has any."""
    if not url:
        return
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return
    for value in (user, password):
        if value:
            register_secret(value, unquote(value))
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        register_secret(userinfo)
        # The HTTP client sends the credentials as basic auth; a server may echo that header back.
        plain = f"{unquote(user or '')}:{unquote(password or '')}"
        register_secret(base64.b64encode(plain.encode()).decode())


def scrub(text: str) -> str:
    """Replace the exact secrets in use (safe on article text: nothing else is touched)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return text


_SEPARATOR = re.compile(r"[\"']?\s*[=:]\s*[\"']?")


def _replacement(match: re.Match[str]) -> str:
    found = match.group(0)
    if found.endswith("@"):
        return "[redacted]@"
    separator = _SEPARATOR.match(found)  # "api_key=..." keeps "api_key=": the reader sees what was hidden
    return (separator.group(0) if separator else "") + "[redacted]"


def redact(text: str) -> str:
    """Replace the exact secrets in use and anything shaped like a key, token, cookie or URL password."""
    return _PATTERNS.sub(_replacement, scrub(text))


def public_url(url: str | None) -> str | None:
    """`url` without the credentials it may carry (scheme://user:password@host -> scheme://host)."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
