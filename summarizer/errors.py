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


_SECRET = re.compile(
    r"(?i)(sk-[A-Za-z0-9_\-*]{6,}|Bearer\s+[A-Za-z0-9._\-]{6,}|(?<=api[_-]key[=:\s])\s*[A-Za-z0-9._\-]{8,})"
)


def redact(text: str) -> str:
    """Replace anything shaped like an API key or bearer token."""
    return _SECRET.sub("[redacted]", text)
