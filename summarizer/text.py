"""Shared text helpers, one name per behaviour: table keys, match folds, accent stripping, shortening.

This module imports nothing of the package (the import-linter layers contract keeps it at the bottom).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "alnum_words",
    "match_fold",
    "match_fold_with_map",
    "shorten",
    "straight_typography",
    "strip_accents",
    "table_key",
]

# --- table keys: lower case, accents removed, typography and spaces folded ----------------------------

_TYPOGRAPHY: dict[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
}
_TYPOGRAPHY_RE = re.compile("[" + "".join(_TYPOGRAPHY) + "]")


def straight_typography(text: str) -> str:
    """Straight quotes and hyphens for their typographic forms (a regex: str.translate is slow here)."""
    return _TYPOGRAPHY_RE.sub(lambda m: _TYPOGRAPHY[m.group()], text)


@lru_cache(maxsize=1)
def _combining() -> re.Pattern[str]:
    """Every combining mark in the Basic Multilingual Plane, to delete after NFKD decomposition."""
    marks = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c)))
    return re.compile(f"[{re.escape(marks)}]+")


@lru_cache(maxsize=65536)
def table_key(text: str) -> str:
    """Lower-case, accent-free, typography-normalised text with single spaces: the key every table uses."""
    if text.isascii():
        return " ".join(text.replace("`", "'").lower().split())
    decomposed = unicodedata.normalize("NFKD", straight_typography(text))
    return " ".join(_combining().sub("", decomposed).casefold().split())


# --- match folds: case, typography, invisible characters and whitespace runs folded, accents kept -----

_TYPO = str.maketrans(
    {
        **dict.fromkeys("“”„‟«»″〝〞＂", '"'),
        **dict.fromkeys("‘’‚‛‹›′`´", "'"),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        "\u00a0": " ",
    }
)


# Capital sigma is mapped before lower-casing: str.lower() would give a word-final one its final form (ς),
# which a character-by-character fold cannot, and both folds below must agree.
_FOLD_TABLE = str.maketrans({**{chr(k): v for k, v in _TYPO.items()}, "…": "...", "Σ": "σ"})
_SPACE_RUN = re.compile(r"\s+")


# Invisible format characters (Unicode category Cf: soft hyphen, zero-width space and joiners, LRM/RLM,
# bidi controls, BOM, ...) are dropped before anything else: a model quoting "co-operation" must match the
# article's "co\u00adoperation". Every Cf character lies in planes 0-1 or 14 (checked over all of Unicode).
# Built on first use, not on import: the paths that never match a quote (brief, consolidate, eval) skip it.
@lru_cache(maxsize=1)
def _invisible() -> tuple[frozenset[str], dict[int, None]]:
    """The invisible characters, and a str.translate table that deletes them."""
    chars = frozenset(
        chr(c)
        for plane in (range(0x20000), range(0xE0000, 0xE1000))
        for c in plane
        if unicodedata.category(chr(c)) == "Cf"
    )
    return chars, str.maketrans(dict.fromkeys(chars))


def match_fold(text: str) -> str:
    """Text with typography, whitespace runs, invisible format characters and case folded away, as used
    for 'normalized' matches."""
    text = unicodedata.normalize("NFC", text.translate(_invisible()[1]))
    # The same result as match_fold_with_map without the per-character loop (once a tenth of the client CPU).
    return _SPACE_RUN.sub(" ", text).translate(_FOLD_TABLE).lower()


@lru_cache(maxsize=4)  # once per article, not once per quote; callers only read the result
def match_fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of the original character it came from."""
    invisible = _invisible()[0]
    out: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch in invisible:
            continue  # maps to nothing, and does not end a run of whitespace
        if ch.isspace():
            if not in_space:
                out.append(" ")
                index.append(i)
            in_space = True
            continue
        in_space = False
        for piece in ch.translate(_FOLD_TABLE).lower():
            out.append(piece)
            index.append(i)
    return "".join(out), index


# --- accents, words, length --------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """NFKD-decomposed, combining marks removed, casefolded; typography and spacing left as they are."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def alnum_words(text: str) -> str:
    """The accent-free, casefolded alphanumeric words of `text`, joined by single spaces."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in strip_accents(text)).split())


def shorten(text: str, n: int = 60) -> str:
    """`text` cut to at most `n` characters, ending in "…" when cut."""
    return text if len(text) <= n else text[: n - 1] + "…"
