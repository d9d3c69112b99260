"""How the evaluation compares people and places: by their canonical names, else by casefolding."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

from ..models import Location
from ..text import alnum_words

log = logging.getLogger("summarizer")

PlaceFn = Callable[[str | None, str | None, str | None], tuple[str | None, str | None, str | None]]


@dataclass(frozen=True)
class Names:
    """How names are compared: `source` says whether through the package's canonical names
    (summarizer.resolve.names, which eval.json has always called "summarizer.names") or by casefolding."""

    source: Literal["summarizer.names", "casefold"]
    person: Callable[[str], str]
    country: Callable[[str], str | None]
    place: PlaceFn

    def person_key(self, name: str) -> str:
        return alnum_words(self.person(name))

    def same_person(self, a: str, b: str) -> bool:
        ka, kb = self.person_key(a), self.person_key(b)
        if not ka or not kb:
            return False
        if ka == kb:
            return True
        # "Macron" names the same person as "Emmanuel Macron": the shorter form's words are all in the longer.
        short, long = sorted((ka.split(), kb.split()), key=len)
        return short[-1] == long[-1] and set(short) <= set(long)

    def location(self, loc: Location) -> tuple[str | None, str | None]:
        city, country, _ = self.place(loc.city, loc.country, loc.venue)
        city_key = alnum_words(city) if city else None
        country_key = None
        if country:
            country_key = alnum_words(self.country(country) or country)
        return city_key or None, country_key or None


def load_names() -> Names:
    """Names compared by summarizer.resolve.names' canonical forms, or by casefolding if it won't import."""
    try:
        module = importlib.import_module("..resolve.names", __package__)
        person = module.canonical_person
        country = module.canonical_country
        place = module.place_parts
    except (ImportError, AttributeError):
        log.info("evaluate: summarizer.resolve.names unavailable; comparing names by casefolding")
        return Names(
            "casefold", lambda n: n, lambda c: c, lambda city, country, venue: (city, country, venue)
        )
    return Names(
        "summarizer.names",
        cast(Callable[[str], str], person),
        cast(Callable[[str], "str | None"], country),
        cast(PlaceFn, place),
    )
