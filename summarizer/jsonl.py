"""Read JSON and JSON Lines the way the formats define them: lines end at "\n" only, a UTF-8 BOM is allowed.

str.splitlines() is not a JSON Lines reader: it also breaks at U+2028, U+2029, U+0085, U+000B, U+000C and
U+001C-U+001E, which JSON allows unescaped inside strings, so one record would become several broken ones.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

__all__ = ["jsonl_lines", "without_bom"]


def jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for every line of `text` that is not blank; "\r\n" endings are accepted."""
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield number, line


def without_bom(data: bytes) -> bytes:
    """JSON bytes without a leading UTF-8 byte order mark (editors on Windows add one; parsers refuse it)."""
    return data.removeprefix(codecs.BOM_UTF8)
