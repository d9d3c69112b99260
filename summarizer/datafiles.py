"""The package's data files (summarizer/data/): where they are, and its small tab-separated tables read."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA", "table"]

DATA = Path(__file__).resolve().parent / "data"


def table(name: str) -> list[list[str]]:
    """The rows of data/NAME, a tab-separated table: '#' lines are comments, the first other line names the
    columns and is left out."""
    lines = (DATA / name).read_text("utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return rows[1:]
