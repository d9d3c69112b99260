"""Canonical forms of the people, countries, places and meeting series that articles name differently."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from ..datafiles import table
from ..models import Location
from ..text import straight_typography, table_key
from .places import world_places

__all__ = [
    "TITLE_WORDS",
    "PersonResolver",
    "canonical_country",
    "canonical_person",
    "canonical_place",
    "canonical_series",
    "dateline_place",
    "place_in_text",
    "place_parts",
    "places_in_text",
    "series_in_text",
    "series_match",
]


def _capitalise(word: str) -> str:
    """Upper-case the first letter unless that would change the length ("ß" -> "SS")."""
    first = word[:1].upper()
    return first + word[1:] if len(first) == len(word[:1]) else word


def _title_case(text: str) -> str:
    """Capitalise lower-case words but keep acronyms and small joining words as they are."""
    small = {"of", "the", "and", "for", "on", "in", "at", "to", "a", "de", "du", "la", "von", "der", "van"}
    words = text.split()
    out = []
    for i, word in enumerate(words):
        if any(ch.isupper() for ch in word) or (i > 0 and word in small):
            out.append(word)
        else:
            out.append(_capitalise(word))
    return " ".join(out)


# --- countries --------------------------------------------------------------------------------------

# Demonyms and everyday forms that pycountry does not know; values must be names this module returns.
_COUNTRY_ALIASES: dict[str, str] = {
    "uk": "United Kingdom",
    "u.k.": "United Kingdom",
    "gb": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "british": "United Kingdom",
    "england": "United Kingdom",
    "english": "United Kingdom",
    "scotland": "United Kingdom",
    "wales": "United Kingdom",
    "northern ireland": "United Kingdom",
    "us": "United States",
    "u.s.": "United States",
    "u.s": "United States",
    "usa": "United States",
    "u.s.a.": "United States",
    "america": "United States",
    "american": "United States",
    "united states of america": "United States",
    "french": "France",
    "ukrainian": "Ukraine",
    "russian": "Russia",
    "german": "Germany",
    "italian": "Italy",
    "polish": "Poland",
    "dutch": "Netherlands",
    "holland": "Netherlands",
    "belgian": "Belgium",
    "hungarian": "Hungary",
    "czech": "Czechia",
    "slovak": "Slovakia",
    "slovenian": "Slovenia",
    "slovene": "Slovenia",
    "croatian": "Croatia",
    "spanish": "Spain",
    "portuguese": "Portugal",
    "greek": "Greece",
    "turkish": "Türkiye",
    "turkey": "Türkiye",
    "canadian": "Canada",
    "japanese": "Japan",
    "chinese": "China",
    "indian": "India",
    "australian": "Australia",
    "danish": "Denmark",
    "swedish": "Sweden",
    "finnish": "Finland",
    "norwegian": "Norway",
    "estonian": "Estonia",
    "latvian": "Latvia",
    "lithuanian": "Lithuania",
    "romanian": "Romania",
    "moldovan": "Moldova",
    "bulgarian": "Bulgaria",
    "austrian": "Austria",
    "swiss": "Switzerland",
    "irish": "Ireland",
    "israeli": "Israel",
    "iranian": "Iran",
    "saudi": "Saudi Arabia",
    "qatari": "Qatar",
    "emirati": "United Arab Emirates",
    "uae": "United Arab Emirates",
    "belarusian": "Belarus",
    "south korean": "South Korea",
    "north korean": "North Korea",
    "luxembourgish": "Luxembourg",
}

# pycountry names that read badly in a briefing; everything else uses pycountry's common or short name.
_PREFERRED: dict[str, str] = {
    "Russian Federation": "Russia",
    "Korea, Democratic People's Republic of": "North Korea",
    "Palestine, State of": "Palestine",
    "Holy See (Vatican City State)": "Vatican City",
    "Congo, The Democratic Republic of the": "DR Congo",
    "Micronesia, Federated States of": "Micronesia",
    "Brunei Darussalam": "Brunei",
}

_COUNTRY_NOISE = re.compile(r"^(?:the\s+)|\s+(?:side|government|delegation|authorities|leadership)$")


@lru_cache(maxsize=1)
def _country_index() -> tuple[dict[str, str], dict[str, str]]:
    """Folded names and ISO codes to preferred country names, built from pycountry on first use."""
    import pycountry

    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        preferred = _PREFERRED.get(country.name) or getattr(country, "common_name", None) or country.name
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(table_key(value), preferred)
        names.setdefault(table_key(preferred), preferred)
        codes[country.alpha_2] = preferred
        codes[country.alpha_3] = preferred
    for alias, target in _COUNTRY_ALIASES.items():
        names[alias] = target
    return names, codes


@lru_cache(maxsize=8192)
def canonical_country(name: str) -> str | None:
    """The preferred English name of the country a name, demonym or code denotes, or None."""
    names, codes = _country_index()
    raw = name.strip().strip("'\"")
    if not raw:
        return None
    key = table_key(raw)
    if key in names:
        return names[key]
    if "." in key and key.replace(".", "") in names:  # "U.K" and "U.K." as well as "UK"
        return names[key.replace(".", "")]
    # Codes only in capitals: "IT" or "IN" is a country, "it" or "in" is an English word.
    if raw.isupper() and raw.replace(".", "") in codes:
        return codes[raw.replace(".", "")]
    cleaned = key
    while True:
        shorter = _COUNTRY_NOISE.sub("", cleaned).strip()
        if shorter == cleaned:
            break
        cleaned = shorter
    return names.get(cleaned)


# --- people -----------------------------------------------------------------------------------------

# The titles and office words that precede a name ("Chancellor", "PM", "Sir"), shared with ground.py,
# which adds nationalities ("the Ukrainian president") to tell a bare title from a named speaker.
_TITLE_WORDS_TEXT = """
    president vice prime minister pm chancellor foreign defence defense secretary general state head
    leader premier king queen prince princess pope mr mrs ms dr sir dame lord deputy chief commissioner
    ambassador spokesperson spokesman spokeswoman senator governor mayor former acting eu
"""
TITLE_WORDS = frozenset(_TITLE_WORDS_TEXT.split())
# Every word canonical_person strips before a name: the titles and more office words ("German
# Chancellor", "President of the European Commission").
_MORE_ROLE_WORDS_TEXT = """
    presidents ministers interior finance secretary-general crown emir sheikh mr. mrs. ms. dr. his her
    excellency majesty first chair chairman chairwoman envoy special official officials adviser advisor
    national security high representative commander-in-chief commander admiral gen gen. lt. col. then
    incoming outgoing president-elect elect of the european commission council parliament nato un office
"""
_ROLE_WORDS = TITLE_WORDS | frozenset(_MORE_ROLE_WORDS_TEXT.split())

_PARTICLES = frozenset({"von", "van", "der", "den", "de", "da", "di", "du", "la", "le", "al", "bin", "ter"})

# Transliteration variants only: (canonical full name, surname variants, given-name variants).
_PEOPLE: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = (
    (
        "Volodymyr Zelenskyy",
        frozenset({"zelenskyy", "zelensky", "zelenskiy", "zelenskii", "zelenskyi", "zelenskij", "selenskyj"}),
        frozenset({"volodymyr", "volodimir", "vladimir", "wolodymyr", "volodymir"}),
    ),
    (
        "Andrii Yermak",
        frozenset({"yermak", "ermak", "jermak"}),
        frozenset({"andrii", "andriy", "andrij", "andrei", "andrey"}),
    ),
    (
        "Andrii Sybiha",
        frozenset({"sybiha", "sybiga", "sibiga"}),
        frozenset({"andrii", "andriy", "andrij", "andrei", "andrey"}),
    ),
    (
        "Denys Shmyhal",
        frozenset({"shmyhal", "shmygal"}),
        frozenset({"denys", "denis"}),
    ),
    (
        "Yuliia Svyrydenko",
        frozenset({"svyrydenko", "sviridenko"}),
        frozenset({"yuliia", "yulia", "yuliya", "iuliia"}),
    ),
    (
        "Vladimir Putin",
        frozenset({"putin"}),
        frozenset({"vladimir", "wladimir"}),
    ),
    (
        "Recep Tayyip Erdoğan",
        frozenset({"erdogan"}),
        frozenset({"recep", "tayyip", "recep tayyip"}),
    ),
)
_SURNAME_VARIANTS: dict[str, tuple[str, frozenset[str]]] = {
    variant: (full, given) for full, surnames, given in _PEOPLE for variant in surnames
}

_PARENS = re.compile(r"\([^)]*\)")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_POSSESSIVE = re.compile(r"'s$|'+$", re.IGNORECASE)


def _strip_roles(tokens: list[str]) -> list[str]:
    """Drop leading office words and the nationality that qualifies them, keeping at least one token."""
    after_of = False
    while len(tokens) > 1:
        key = table_key(tokens[0]).rstrip(",")
        if key in _ROLE_WORDS or key.rstrip(".") in _ROLE_WORDS:
            after_of = key == "of" or (after_of and key == "the")
            tokens = tokens[1:]
            continue
        # A nationality is dropped only where it qualifies an office ("French President") or follows
        # "of" ("President of France"), so names such as "Israel Katz" survive.
        taken = 0
        for width in (3, 2, 1):
            if len(tokens) > width and canonical_country(" ".join(tokens[:width])):
                nxt = table_key(tokens[width]).rstrip(".,")
                if after_of or nxt in _ROLE_WORDS:
                    taken = width
                break
        if not taken:
            break
        tokens = tokens[taken:]
        after_of = False
    return tokens


@lru_cache(maxsize=65536)
def canonical_person(name: str) -> str:
    """The bare name of a person without titles, roles or nationality, with known spellings unified."""
    text = _PARENS.sub(" ", straight_typography(name)).split(",")[0]
    tokens = [_POSSESSIVE.sub("", t) for t in text.replace("\u00a0", " ").split()]
    tokens = [t for t in tokens if t.strip(".-")]
    if not tokens:
        return " ".join(name.split())
    stripped = _strip_roles(tokens)
    if len(stripped) < len(tokens) and canonical_country(" ".join(stripped)):
        # Only an office was named ("Prime Minister of Great Britain"): there is no bare name to return.
        return " ".join(tokens)
    tokens = stripped
    folded = [table_key(t).strip(".") for t in tokens]
    known = _SURNAME_VARIANTS.get(folded[-1])
    if known is not None:
        full, given = known
        given_part = " ".join(folded[:-1])
        if not given_part or given_part in given or all(g in given for g in folded[:-1]):
            return full
        if all(len(g) == 1 for g in folded[:-1]) and any(v.startswith(folded[0]) for v in given):
            return full
    bare = " ".join(tokens)
    if bare.islower() or bare.isupper():
        bare = " ".join(t if table_key(t) in _PARTICLES else _capitalise(t.lower()) for t in tokens)
    return bare


def role_only(text: str) -> bool:
    """Whether a "name" is only an office ("the Ukrainian president", "the official"): nobody to resolve."""
    words = [table_key(w).strip(".,") for w in canonical_person(text).split()]
    return bool(words) and all(w in _ROLE_WORDS for w in words)


def _surname_key(canonical: str) -> str:
    return table_key(canonical).split()[-1].strip(".")


def _is_surname_only(canonical: str) -> bool:
    words = table_key(canonical).split()
    return all(w in _PARTICLES for w in words[:-1])


def _initials(canonical: str) -> tuple[str, ...] | None:
    """The given-name initials of a form such as "E. Macron", or None when it is not one."""
    words = table_key(canonical).split()
    given = [w for w in words[:-1] if w not in _PARTICLES]
    if given and all(len(w.rstrip(".")) == 1 for w in given):
        return tuple(w[0] for w in given)
    return None


class PersonResolver:
    """Maps every mention of a person in one corpus to one name, using the full names seen in it."""

    def __init__(self, names: Iterable[str]) -> None:
        counts: Counter[str] = Counter(canonical_person(n) for n in names if n and n.strip())
        # Spellings that differ only in accents or case share one representative: the most frequent.
        by_fold: dict[str, list[tuple[int, str]]] = {}
        for canonical, count in counts.items():
            by_fold.setdefault(table_key(canonical), []).append((-count, canonical))
        self._representative = {key: sorted(forms)[0][1] for key, forms in by_fold.items()}
        surnames: dict[str, set[str]] = {}
        for representative in self._representative.values():
            if not _is_surname_only(representative) and _initials(representative) is None:
                surnames.setdefault(_surname_key(representative), set()).add(representative)
        self._by_surname = {key: sorted(full) for key, full in surnames.items()}
        self._cache: dict[str, str] = {}
        self._named: dict[str, frozenset[str]] = {}

    def resolve(self, name: str) -> str:
        """One name per person: the corpus's unique full name for a bare surname, else the canonical form."""
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        canonical = canonical_person(name)
        result = self._representative.get(table_key(canonical), canonical)
        candidates = self._by_surname.get(_surname_key(canonical), [])
        if _is_surname_only(canonical) and len(candidates) == 1:
            result = candidates[0]
        elif (initials := _initials(canonical)) is not None:
            matching = [c for c in candidates if table_key(c)[0] == initials[0]]
            if len(matching) == 1:
                result = matching[0]
        self._cache[name] = result
        return result

    __call__ = resolve

    def named_in(self, text: str) -> frozenset[str]:
        """The people a free text (a title) names by a capitalised surname the corpus knows one person by."""
        hit = self._named.get(text)
        if hit is not None:
            return hit
        found: set[str] = set()
        for word in _WORDS.findall(straight_typography(text)):
            if not word[0].isupper():
                continue
            key = _POSSESSIVE.sub("", table_key(word))
            if key in _SURNAME_VARIANTS:
                found.add(_SURNAME_VARIANTS[key][0])
            elif len(candidates := self._by_surname.get(key, [])) == 1:
                found.add(candidates[0])
        result = frozenset(found)
        self._named[text] = result
        return result


# --- places -----------------------------------------------------------------------------------------


# Hand rows: folded alias -> (kind, canonical name, city, country). They win over the world table
# (places.py: GeoNames cities of 15,000 people or more, ISO 3166-2 regions). Only two kinds belong here:
# venues, which no maintained gazetteer of cities lists, and places the world table lacks or gets wrong
# for this project: towns under 15,000 people where meetings are held (Northwood, Kananaskis, Ramstein,
# Bürgenstock, Davos, Portorož, Palm Beach; GeoNames' Northwood and Palm Beach of that size are in the
# US and Australia), and names whose spelling the briefings already use ("New York", not GeoNames'
# "New York City"; "Chișinău", not "Chisinau"; "Washington" the city, not the state; "the Vatican").
def _gazetteer_rows() -> list[tuple[str, str, str | None, str, tuple[str, ...]]]:
    """The hand rows: (kind, canonical name, city, country, extra aliases), from data/gazetteer.tsv."""
    return [
        (kind, name, city or None, country, tuple(a for a in aliases.split("|") if a))
        for kind, name, city, country, aliases in table("gazetteer.tsv")
    ]


_NON_WORD = re.compile(r"[^0-9a-z]+")


def _place_key(text: str) -> str:
    """Folded words only, so "Washington, D.C." and "washington dc" meet."""
    return _NON_WORD.sub(" ", table_key(text)).strip()


def _padded(key: str) -> str:
    return f" {key} "


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, tuple[str, str, str | None, str]], tuple[tuple[str, str], ...]]:
    """Folded alias -> entry, plus (padded alias, alias) in the order used to find one inside a phrase."""
    table: dict[str, tuple[str, str, str | None, str]] = {}
    for kind, canonical, city, country, aliases in _gazetteer_rows():
        for alias in (canonical, *aliases):
            table.setdefault(_place_key(alias), (kind, canonical, city, country))
    # Venues before cities, longer aliases first, so "Northwood Headquarters" wins over "Northwood".
    ordered = sorted(table, key=lambda k: (table[k][0] != "venue", -len(k), k))
    return table, tuple((_padded(k), k) for k in ordered)


class _Place(NamedTuple):
    """One thing a place name can denote: a hand row, a country, or a row of the world table."""

    kind: str  # "venue", "city", "region" or "country"
    name: str
    city: str | None  # the city a venue or city is in; None for a region or a country
    country: str
    population: int = 0
    capital: bool = False
    english_word: bool = False
    hand: bool = False


# Aliases in _COUNTRY_ALIASES that name a country; the rest are adjectives ("French"), not places.
_COUNTRY_NAME_ALIASES = frozenset(
    {
        "uk",
        "u.k.",
        "britain",
        "great britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "us",
        "u.s.",
        "u.s",
        "usa",
        "u.s.a.",
        "america",
        "united states of america",
        "holland",
        "turkey",
        "uae",
    }
)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Place keys of country names (not demonyms, not ISO codes) -> the preferred country name."""
    names, _ = _country_index()
    demonyms = set(_COUNTRY_ALIASES) - _COUNTRY_NAME_ALIASES
    return {_place_key(name): country for name, country in names.items() if name not in demonyms}


@lru_cache(maxsize=65536)
def _places_named(key: str) -> tuple[_Place, ...]:
    """What a place key can denote, the reading to take without other evidence first.

    A hand row wins; then a country (a city-state is its city: "Singapore"); then the world table's
    cities, most populous first, and its regions.
    """
    table, _ = _gazetteer()
    if key in table:
        kind, canonical, city, country = table[key]
        return (_Place(kind, canonical, city if kind == "venue" else canonical, country, hand=True),)
    rows = world_places().lookup(key)
    places = tuple(
        _Place(r.kind, r.name, r.name if r.kind == "city" else None, r.country, *r[3:]) for r in rows
    )
    nation = _country_names().get(key)
    if nation is not None:
        same = [p for p in places if p.kind == "city" and p.country == nation and _place_key(p.name) == key]
        return tuple(same[:1]) or (_Place("country", nation, None, nation),)
    return places


def _find_place(text: str) -> tuple[str, str, str | None, str] | None:
    """The gazetteer entry a venue phrase is, or failing that the first one it mentions."""
    table, aliases = _gazetteer()
    key = _place_key(text)
    if key in table:
        return table[key]
    padded = _padded(key)
    for needle, alias in aliases:
        if needle in padded:
            return table[alias]
    # A venue phrase is itself a place context, as if it followed "at" ("the Hotel X in Gyeongju").
    for mention in _mentions("at " + text):
        place = mention.place
        return place.kind, place.name, place.city, place.country
    return None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(" ".join(straight_typography(text).split()).strip(" '\".,;").split())
    return cleaned or None


@lru_cache(maxsize=16384)
def place_parts(
    city: str | None, country: str | None, venue: str | None
) -> tuple[str | None, str | None, str | None]:
    """`canonical_place` as a (city, country, venue) tuple, cached for bulk use."""
    city, country, venue = _clean(city), _clean(country), _clean(venue)
    out_city: str | None = None
    out_country = canonical_country(country) if country else None
    several: list[str] = []
    if country and out_country is None:
        parts = [canonical_country(p) for p in re.split(r"\s*(?:,|/|&|\band\b)\s*", country) if p]
        if len(parts) > 1 and all(parts):
            # "France and UK": a meeting is in one country; the city decides which, else none is known.
            several = [p for p in parts if p]
        else:
            out_country = _title_case(country) if country.islower() else country
    out_venue = venue
    hint_city: str | None = None
    hint_country: str | None = None

    if venue:
        found = _find_place(venue)
        if found is not None:
            kind, canonical, v_city, v_country = found
            if kind == "venue":
                out_venue = canonical
            hint_city, hint_country = v_city, v_country

    if city:
        named = _places_named(_place_key(city))
        if named:
            # A name several places share is the one in the country given, else the most populous.
            entry = next((p for p in named if p.country == out_country), named[0])
            if entry.kind == "venue":
                out_venue = out_venue or entry.name
            # A region or country in the city slot ("Alaska", "UK") gives only the country.
            out_city = entry.city
            hint_country = entry.country
        elif (as_country := canonical_country(city)) is not None:
            # Models sometimes put the country in the city slot ("UK").
            hint_country = hint_country or as_country
        else:
            out_city = _title_case(city) if city.islower() else city

    out_city = out_city or hint_city
    if several:
        out_country = hint_country if hint_country in several else None
    out_country = out_country or hint_country
    return out_city, out_country, out_venue


def canonical_place(city: str | None, country: str | None, venue: str | None) -> Location:
    """A Location with the venue, city and country spelled one way and filled in from each other."""
    c, k, v = place_parts(city, country, venue)
    return Location(city=c, country=k, venue=v)


# --- series -----------------------------------------------------------------------------------------

_SERIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bcoalition of (?:the )?willing\b"), "Coalition of the Willing"),
    (
        re.compile(r"\bramstein\b|\bukraine defen[cs]e contact group\b|\budcg\b"),
        "Ukraine Defense Contact Group",
    ),
    (re.compile(r"\bukraine recovery conference\b|\burc ?20\d\d\b"), "Ukraine Recovery Conference"),
    (re.compile(r"\bg ?7\b|\bgroup of seven\b"), "G7"),
    (re.compile(r"\bg ?20\b|\bgroup of twenty\b"), "G20"),
    (re.compile(r"\bnato\b(?: leaders'?)?(?: summit)?$|\bnato summit\b"), "NATO summit"),
    (re.compile(r"\bmed[- ]?9\b|\beu[- ]?med\b|\bsouthern eu (?:countries|states)\b"), "MED9"),
    (re.compile(r"\bweimar triangle\b"), "Weimar Triangle"),
    (re.compile(r"\beuropean political community\b|\bepc\b"), "European Political Community"),
    (re.compile(r"\bmunich security conference\b"), "Munich Security Conference"),
    (re.compile(r"\beuropean council\b|\beu summit\b|\beuco\b|\beu leaders'? summit\b"), "European Council"),
)
_KNOWN_SERIES = frozenset(name for _, name in _SERIES)
_ANY_SERIES = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _SERIES))
_SMALL_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "at", "to", "a"})

_SERIES_NOISE = re.compile(
    r"^(?:the\s+)+|\s+(?:summit|meeting|format|talks|leaders|gathering)$", re.IGNORECASE
)


@lru_cache(maxsize=8192)
def canonical_series(text: str | None) -> str | None:
    """The one name of a recurring meeting format ("Coalition of the Willing"), or None for nothing."""
    if text is None:
        return None
    # Quotation marks go wherever they are; an apostrophe inside a word ("leaders'") stays.
    cleaned = _clean(re.sub(r"\"|(?<!\w)'|'(?!\w)", " ", straight_typography(text)))
    if not cleaned:
        return None
    key = table_key(cleaned)
    for pattern, name in _SERIES:
        if pattern.search(key):
            return name
    # Unknown formats: drop the article and the generic head noun so "the X summit" and "X" agree.
    stripped = cleaned
    while True:
        shorter = _SERIES_NOISE.sub("", stripped, count=1).strip()
        if shorter == stripped or not shorter:
            break
        stripped = shorter
    return _title_case(stripped) or None


@lru_cache(maxsize=16384)
def series_in_text(text: str) -> frozenset[str]:
    """The known series a free text (such as a title) names."""
    key = table_key(text)
    if not _ANY_SERIES.search(key):
        return frozenset()
    named = frozenset(name for pattern, name in _SERIES if pattern.search(key))
    partner = _PARTNER_EU.search(key)
    if "European Council" in named and partner is not None and canonical_country(partner.group(1)):
        # "the China-EU summit" is the EU's summit with a partner, not a meeting of the European Council.
        named -= {"European Council"}
    return named


_PARTNER_EU = re.compile(r"(\w+)[\s–-]+eu summit\b")


_BESIDE = re.compile(
    r"\b(?:on|at|in)\s+the\s+(?:sidelines|margins|fringes?)\s+of\s+(?:the\s+)?([^,.;:!?]+)", re.IGNORECASE
)


@lru_cache(maxsize=16384)
def hosting_events(text: str) -> frozenset[str]:
    """The known series a text names only as the event something is held beside ("on the sidelines of")."""
    return frozenset(name for match in _BESIDE.finditer(text) for name in series_in_text(match.group(1)))


@lru_cache(maxsize=16384)
def series_named_by(text: str) -> frozenset[str]:
    """The known series a text names as what a meeting is, not as the event it is held beside."""
    named = series_in_text(text)
    return series_in_text(_BESIDE.sub(" ", text)) if named and _BESIDE.search(text) else named


def _acronym(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[0-9a-z]+", table_key(name)) if w not in _SMALL_WORDS)


@lru_cache(maxsize=8192)
def series_match(a: str, b: str) -> bool:
    """Whether two canonical series names denote one format: equal, an acronym of the other
    ("JEF"), or all the words of a two-plus-word name within the other ("Three Seas")."""
    if a == b:
        return True
    if a in _KNOWN_SERIES and b in _KNOWN_SERIES:
        return False
    short, long = sorted((a, b), key=len)
    if " " not in short and short.isupper() and 3 <= len(short) <= 6:
        return table_key(short) == _acronym(long)
    words_short = set(re.findall(r"[0-9a-z]+", table_key(short))) - _SMALL_WORDS
    words_long = set(re.findall(r"[0-9a-z]+", table_key(long))) - _SMALL_WORDS
    return len(words_short) >= 2 and words_short <= words_long


# --- places named in a text -------------------------------------------------------------------------

# Words that may stand inside a place name between capitalised ones ("Rio de Janeiro", "Sharm el-Sheikh").
_CONNECTORS_TEXT = "de del da do dos das di du des la le el al am an of and"
_CONNECTORS = frozenset(_CONNECTORS_TEXT.split())
# Capitalised words that start a sentence or a clause without being part of a name ("In Beijing").
_STOP_TEXT = """
    a an the in at on of to for from by with and or but as after before when while since during near
    outside inside across then meanwhile earlier later this that these those there here both also last
    next speaking hosted host meeting talks summit during ahead following despite amid among between
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december
"""
_STOP = frozenset(_STOP_TEXT.split())
# Nouns after which a name is where the event is ("the Busan summit", "the Geneva talks").
_EVENT_NOUNS = frozenset(
    {"summit", "summits", "talks", "meeting", "meetings", "conference", "negotiations", "forum", "gathering"}
)
# After a name, words that make it a person or a government, not where something happens:
# "Montenegro said", "Beijing told", "at Rubio's invitation".
_SPEAKER_TEXT = """
    said says told tells added adds wrote writes stated announced insisted warned urged argued replied
    invitation request behest suggestion urging initiative
"""
_SPEAKER = frozenset(_SPEAKER_TEXT.split())
_IN_WORDS = frozenset({"in", "at"})
_SETTLEMENTS_TEXT = "city capital town resort port village region province state"
_SETTLEMENTS = frozenset(_SETTLEMENTS_TEXT.split())
_TOWARDS = frozenset({"to", "from", "near", "outside", "visit", "visits", "visited", "visiting", "arrived"})

_TOKEN = re.compile(r"[^\W\d_](?:[\w'’.\-]*[\w.])?")
_POSSESSIVE_END = re.compile(r"['’]s?$")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[\"'“‘(]?[A-Z])|\n")
# A dateline opens a line (after the " date YYYY-MM-DD" header of a text file): a place in capitals
# before a comma, a dash or the line's end ("ROME, April 26. /TASS/.", "WASHINGTON"), or any place and its
# qualifier before a dash ("Washington, D.C. —", "BEIJING (Reuters) -").
_DATELINE = re.compile(
    r"^[ \t]*(?:date \d{4}-\d{2}-\d{2}[ \t]+)?"
    r"(?:([A-Z][A-Z.'’ -]{1,40}[A-Z.])(?=[ \t]*(?:[,(—–]|-[ \t]|$))"
    r"|([A-Z][^\n—–()]{0,60}?)[ \t]*(?:\([^)\n]{0,40}\)[ \t]*)?(?:—|–|--|-)[ \t])",
    re.M,
)
_PREFIXED = re.compile(r"[a-z]{1,3}-[^\W\d_]*[A-Z]")
_NEXT_WORD = re.compile(r"['’]?s?\s+([a-z]+)")
_QUALIFIER_GAP = re.compile(r"\s*(?:,|\(|,?\s+in)\s*")
_BIG_CITY = 1_000_000


class _Token(NamedTuple):
    start: int
    end: int  # without a possessive "'s" or a full stop that ends the sentence
    key: str
    capital: bool
    possessive: bool


class _Mention(NamedTuple):
    start: int
    end: int
    place: _Place
    context: str  # "in" (in/at, "city of", "the X summit", a dateline), "near" (to, from...) or "bare"


def _tokens(text: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(text):
        word, start = match.group(), match.start()
        possessive = bool(_POSSESSIVE_END.search(word)) and len(word) > 2
        if possessive:
            word = _POSSESSIVE_END.sub("", word)
        # "Paris." ends a sentence; "U.S." and "D.C." keep their dots.
        if word.endswith(".") and word.count(".") == 1 and len(word) > 2:
            word = word[:-1]
        # "el-Sheikh" in "Sharm el-Sheikh" counts as capitalised.
        capital = word[0].isupper() or bool(_PREFIXED.match(word))
        out.append(_Token(start, start + len(word), table_key(word), capital, possessive))
    return out


def _dateline_span(match: re.Match[str]) -> tuple[int, int]:
    group = 1 if match.group(1) is not None else 2
    return match.start(group), match.end(group)


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end : right.start]
    return gap.isspace() and "\n" not in gap and not left.possessive


def _candidate_ok(key: str, span: str, place: _Place) -> bool:
    # Two- and three-letter names ("US", "UK", "Aba") only as written in capitals.
    return len(key.replace(" ", "")) > 3 or span.replace(".", "").isupper() or place.hand


def _raw_mentions(text: str) -> list[tuple[int, int, tuple[_Place, ...], str, bool]]:
    """Every capitalised name of a known place, longest first: (token span, readings, context, accepted)."""
    tokens = _tokens(text)
    datelines = [_dateline_span(m) for m in _DATELINE.finditer(text[:400])]
    found = _place_spans(text, tokens)
    matched = {k for i, j, _ in found for k in range(i, j)}
    return [_read_mention(text, tokens, i, j, named, matched, datelines) for i, j, named in found]


def _place_spans(text: str, tokens: list[_Token]) -> list[tuple[int, int, tuple[_Place, ...]]]:
    """The token spans (up to six capitalised words, joined only by connectors) that name a known place,
    the longest at each position, left to right without overlap."""
    found: list[tuple[int, int, tuple[_Place, ...]]] = []
    i = 0
    while i < len(tokens):
        if not tokens[i].capital:
            i += 1
            continue
        hit = None
        for j in range(min(len(tokens), i + 6), i, -1):
            if not tokens[j - 1].capital or any(
                not _adjacent(text, tokens[k], tokens[k + 1]) for k in range(i, j - 1)
            ):
                continue
            if any(not t.capital and t.key not in _CONNECTORS for t in tokens[i:j]):
                continue
            span = text[tokens[i].start : tokens[j - 1].end]
            key = _place_key(span)
            named = _places_named(key)
            if named and _candidate_ok(key, span, named[0]):
                hit = (i, j, named)
                break
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i = hit[1]
    return found


def _read_mention(
    text: str,
    tokens: list[_Token],
    i: int,
    j: int,
    named: tuple[_Place, ...],
    matched: set[int],
    datelines: list[tuple[int, int]],
) -> tuple[int, int, tuple[_Place, ...], str, bool]:
    """One place span's context ("in", "near" or "bare") from the words around it, and whether it is
    taken as a place at all (not part of a person's name, not a common word used as one)."""
    first, last = tokens[i], tokens[j - 1]
    prev = [t.key for t in reversed(tokens[max(0, i - 2) : i])]
    prev_adjacent = i > 0 and _adjacent(text, tokens[i - 1], first)
    nxt = tokens[j] if j < len(tokens) and _adjacent(text, last, tokens[j]) else None
    after = _NEXT_WORD.match(text, last.end)
    nxt_word = after.group(1).lower() if after else ""
    context = "bare"
    in_dateline = any(a <= first.start < b for a, b in datelines)
    if in_dateline or (
        prev_adjacent
        and (
            prev[0] in _IN_WORDS
            or (prev[0] == "the" and len(prev) > 1 and prev[1] in _IN_WORDS)
            or (prev[0] == "of" and len(prev) > 1 and prev[1] in _SETTLEMENTS)
        )
    ):
        context = "in"
    elif (
        nxt is not None
        and nxt.key in _EVENT_NOUNS
        and ((prev_adjacent and prev[0] == "the") or not named[0].english_word)
    ):
        context = "in"  # "the Busan summit"; a word such as "Nice" only after "the"
    elif prev_adjacent and prev[0] in _TOWARDS:
        context = "near"
    place = named[0]
    # Part of a longer capitalised name: "Mark Carney", "Prime Minister Carney", "Israel Katz".
    person = prev_adjacent and tokens[i - 1].capital and (i - 1) not in matched and prev[0] not in _STOP
    followed = nxt is not None and nxt.capital and j not in matched and nxt.key not in _EVENT_NOUNS
    common = place.english_word and not place.hand
    if person or (nxt_word in _SPEAKER and not in_dateline):
        ok = False
    elif place.kind == "region" and common:
        ok = False  # "the Red Sea resort", "Central": a region in words is a description in a text
    elif context == "in":
        ok = not (common and last.possessive)
    elif common:
        ok = False
    elif context == "near":
        ok = True
    else:
        ok = not followed and (
            place.hand
            or place.kind in ("country", "region")
            or place.capital
            or place.population >= _BIG_CITY
        )
    return first.start, last.end, named, context, ok


def _choose(text: str, raw: list[tuple[int, int, tuple[_Place, ...], str, bool]]) -> list[_Mention]:
    """One reading per mention: the most populous, unless the text names another's country nearby."""
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text) + 1]
    sentence_of = [next(n for n in range(len(bounds) - 1) if bounds[n + 1] > start) for start, *_ in raw]
    countries: dict[int, set[str]] = {}
    for (_, _, named, _, _), n in zip(raw, sentence_of, strict=True):
        if named[0].kind in ("country", "region"):
            countries.setdefault(n, set()).add(named[0].country)
    out = []
    for index, (start, end, named, context, ok) in enumerate(raw):
        if not ok:
            continue
        place = named[0]
        if len(named) > 1:
            after = raw[index + 1] if index + 1 < len(raw) else None
            # "Paris, Texas", "Sydney, Nova Scotia", "Melbourne, Victoria" (the state, not the city).
            qualifiers: set[str] = set()
            if after is not None and _QUALIFIER_GAP.fullmatch(text[end : after[0]]):
                qualifiers = {p.country for p in after[2]}
            near = countries.get(sentence_of[index], set())
            for other in named[1:]:
                if place.country in qualifiers:
                    break
                if other.country in qualifiers or (
                    not qualifiers
                    and other.country in near
                    and place.country not in near
                    and place.population < 10 * other.population
                ):
                    place = other
                    break
        out.append(_Mention(start, end, place, context))
    return out


@lru_cache(maxsize=4096)
def _mentions(text: str) -> tuple[_Mention, ...]:
    return tuple(_choose(text, _raw_mentions(text)))


def _city_country(place: _Place) -> tuple[str | None, str]:
    return place.city, place.country


def places_in_text(text: str) -> list[tuple[int, int, str | None, str]]:
    """Every place a text names, as (start, end, city or None, country); text[start:end] is the name."""
    return [(m.start, m.end, *_city_country(m.place)) for m in _mentions(text)]


def place_in_text(text: str, *, countries: bool = False) -> tuple[str | None, str] | None:
    """The first gazetteer place a text puts something "in" or "at": (city, country), or None.

    Only a city or a venue counts unless `countries` is set, so "the summit in the UK" or "the Alaska
    summit" (None, country) does not stand in for the city a second record of the meeting names.
    """
    return next(
        (
            _city_country(m.place)
            for m in _mentions(text)
            if m.context == "in" and (countries or m.place.city is not None or m.place.kind == "venue")
        ),
        None,
    )


def dateline_place(text: str) -> tuple[str | None, str] | None:
    """The place of a leading dateline ("KANANASKIS, Alberta —", "BEIJING (Reuters) -"), or None."""
    for match in _DATELINE.finditer(text[:400]):
        start, end = _dateline_span(match)
        head = text[start:end].split(",")[0].rstrip()
        # The place is the whole head, not a name inside a sentence ("US President Trump said - ...").
        mentions = [m for m in _mentions(text) if m.start == start and m.end == start + len(head)]
        if mentions:
            return _city_country(mentions[0].place)
    return None
