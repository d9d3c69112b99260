"""The world's cities and regions, read once from the package's GeoNames-derived data file."""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import NamedTuple

from ..datafiles import DATA

__all__ = ["PlaceRow", "world_places"]


class PlaceRow(NamedTuple):
    """One city or region: its English name and its country as `names.canonical_country` spells it."""

    kind: str  # "city" or "region"
    name: str
    country: str
    population: int
    capital: bool
    english_word: bool  # also a lower-case English word ("Nice", "Split"): trusted only after "in"/"at"


class WorldPlaces:
    """Folded name -> the cities and regions it names: cities first, by own name, then the most populous.

    `brief` and `consolidate` pay for this table on their first place name, so it is built with C-level
    splits and one dict(zip(...)) (about 40 ms here), and a row is parsed only when looked up.
    """

    def __init__(self, text: str) -> None:
        while text.startswith("#"):  # the header says where the data comes from
            text = text.split("\n", 1)[1]
        rows, keys, ids = text.split("\n%%\n")
        self._rows = rows.split("\n")
        self._ids = dict(zip(keys.split("\n"), ids.split("\n"), strict=True))

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def lookup(self, key: str) -> tuple[PlaceRow, ...]:
        """The rows a folded name names, best reading first; empty when it names none."""
        ids = self._ids.get(key)
        return tuple(self._row(int(i)) for i in ids.split(",")) if ids else ()

    def _row(self, i: int) -> PlaceRow:
        kind, name, country, population, flags = self._rows[i].split("\t")
        return PlaceRow(kind, name, country, int(population), "c" in flags, "w" in flags)


@lru_cache(maxsize=1)
def world_places() -> WorldPlaces:
    """The table of data/places.tsv.gz (made by scripts/build_places.py), built on first use."""
    # zlib rather than gzip and a path rather than importlib.resources: each import costs more than the read.
    raw = (DATA / "places.tsv.gz").read_bytes()
    return WorldPlaces(zlib.decompress(raw, wbits=31).decode())
