"""Article text made safe for a page: bidi controls shown, Markdown escaped, anchor ids cleaned."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~&])")
_MD_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the text that follows:
# "txt.exe" can be made to read "exe.txt". In a briefing they are shown as what they are instead.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutralise_bidi(text: str) -> str:
    """`text` with every bidi control replaced by a visible "[U+202E]" that reorders nothing."""
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", text)


def md_escape(value: object) -> str:
    """Article-derived text as one Markdown-safe line: whitespace collapsed, layout characters escaped."""
    if value is None:
        return ""
    text = " ".join(neutralise_bidi(str(value)).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: m.group(1) + "\\" if m.group(1).isdigit() else "\\" + m.group(1), text
    )


_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


def anchor(prefix: str, ident: str) -> str:
    """An HTML id "prefix-ident" with every run of other characters than [A-Za-z0-9_.:-] made one "-"."""
    return _ANCHOR_UNSAFE.sub("-", f"{prefix}-{ident}")
