"""Versioned prompt templates: load them from the package and fill them in."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from .errors import ConfigError

_FRONT = re.compile(r"\A---\n(?P<head>.*?)\n---\n(?P<body>.*)\Z", re.S)
_SECTION = re.compile(r"^## (system|user)\n", re.M)


@dataclass(frozen=True)
class Prompt:
    """A prompt template with an id and a version; `key` changes whenever the wording does."""

    id: str
    version: str
    system: str
    user: str

    @property
    def key(self) -> str:
        digest = hashlib.sha256((self.system + "\0" + self.user).encode()).hexdigest()[:8]
        return f"{self.id}@{self.version}+{digest}"

    def messages(self, **fields: str) -> list[dict[str, str]]:
        """The chat messages: the fixed system text first (so its prefix is reused), then the user part."""
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user.format(**fields)},
        ]


def parse_prompt(text: str, *, name: str) -> Prompt:
    """Parse a prompt file: front matter (`id`, `version`), then `## system` and `## user` sections."""
    match = _FRONT.match(text)
    if not match:
        raise ConfigError(f"prompt {name}: missing front matter (--- id/version ---)")
    head = dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition(":") for line in match["head"].splitlines())
        if k
    )
    parts = _SECTION.split(match["body"])
    sections = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
    if "id" not in head or "version" not in head or set(sections) != {"system", "user"}:
        raise ConfigError(f"prompt {name}: needs id, version, a '## system' and a '## user' section")
    return Prompt(id=head["id"], version=head["version"], system=sections["system"], user=sections["user"])


@functools.cache
def load_prompt(name: str) -> Prompt:
    """Load a prompt shipped in the package (`summarizer/prompts/<name>.md`)."""
    try:
        text = resources.files("summarizer").joinpath("prompts", f"{name}.md").read_text("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"prompt {name!r} is not shipped with this installation") from exc
    return parse_prompt(text, name=name)
