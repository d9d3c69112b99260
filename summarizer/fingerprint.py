"""A hash of the code and libraries that compute what the store caches, so any change to them misses."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_fingerprint() -> str:
    """sha256 of every file of the package (code, prompts, templates, data), Python's version and the
    versions of the libraries the package requires: a memo keyed by it never outlives a code change."""
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        digest.update(b"\0" + path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    for name in sorted(_requirements()):
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"\0{name}={version}".encode())
    return digest.hexdigest()


def _requirements() -> set[str]:
    try:
        requires = importlib.metadata.requires("summarizer") or []
    except importlib.metadata.PackageNotFoundError:
        requires = []
    names = {"pydantic", "pydantic-core", "jinja2", "markupsafe"}
    for line in requires:
        match = re.match(r"[A-Za-z0-9._-]+", line)
        if match and "extra ==" not in line:
            names.add(match.group(0).lower())
    return names
