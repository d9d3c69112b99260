"""Canonical forms of the people, countries, places and meeting series that articles name differently."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from .models import Location

__all__ = [
    "PersonResolver",
    "canonical_country",
    "canonical_person",
    "canonical_place",
    "canonical_series",
    "fold",
    "place_parts",
    "series_in_text",
    "series_match",
]

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


def _plain(text: str) -> str:
    """Straight quotes and hyphens for their typographic forms (a regex: str.translate is slow here)."""
    return _TYPOGRAPHY_RE.sub(lambda m: _TYPOGRAPHY[m.group()], text)


@lru_cache(maxsize=1)
def _combining() -> re.Pattern[str]:
    """Every combining mark in the Basic Multilingual Plane, to delete after NFKD decomposition."""
    marks = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c)))
    return re.compile(f"[{re.escape(marks)}]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, accent-free, typography-normalised text with single spaces: the key every table uses."""
    if text.isascii():
        return " ".join(text.replace("`", "'").lower().split())
    decomposed = unicodedata.normalize("NFKD", _plain(text))
    return " ".join(_combining().sub("", decomposed).casefold().split())


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
                names.setdefault(fold(value), preferred)
        names.setdefault(fold(preferred), preferred)
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
    key = fold(raw)
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

# Titles, roles and office words that precede a name ("German Chancellor", "PM", "Sir").
_ROLE_WORDS_TEXT = """
    president presidents vice prime minister ministers pm chancellor foreign defence defense interior
    finance secretary secretary-general general state head leader premier king queen prince princess
    crown emir sheikh pope mr mr. mrs mrs. ms ms. dr dr. sir dame lord his her excellency majesty deputy
    first chief chair chairman chairwoman commissioner ambassador envoy special spokesperson spokesman
    spokeswoman senator governor mayor official officials adviser advisor national security high
    representative commander-in-chief commander admiral gen gen. lt. col. former then incoming outgoing
    acting president-elect elect of the european commission council parliament nato un eu office
"""
_ROLE_WORDS = frozenset(_ROLE_WORDS_TEXT.split())

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
        key = fold(tokens[0]).rstrip(",")
        if key in _ROLE_WORDS or key.rstrip(".") in _ROLE_WORDS:
            after_of = key == "of" or (after_of and key == "the")
            tokens = tokens[1:]
            continue
        # A nationality is dropped only where it qualifies an office ("French President") or follows
        # "of" ("President of France"), so names such as "Israel Katz" survive.
        taken = 0
        for width in (3, 2, 1):
            if len(tokens) > width and canonical_country(" ".join(tokens[:width])):
                nxt = fold(tokens[width]).rstrip(".,")
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
    text = _PARENS.sub(" ", _plain(name)).split(",")[0]
    tokens = [_POSSESSIVE.sub("", t) for t in text.replace("\u00a0", " ").split()]
    tokens = [t for t in tokens if t.strip(".-")]
    if not tokens:
        return " ".join(name.split())
    stripped = _strip_roles(tokens)
    if len(stripped) < len(tokens) and canonical_country(" ".join(stripped)):
        # Only an office was named ("Prime Minister of Great Britain"): there is no bare name to return.
        return " ".join(tokens)
    tokens = stripped
    folded = [fold(t).strip(".") for t in tokens]
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
        bare = " ".join(t if fold(t) in _PARTICLES else _capitalise(t.lower()) for t in tokens)
    return bare


def role_only(text: str) -> bool:
    """Whether a "name" is only an office ("the Ukrainian president", "the official"): nobody to resolve."""
    words = [fold(w).strip(".,") for w in canonical_person(text).split()]
    return bool(words) and all(w in _ROLE_WORDS for w in words)


def _surname_key(canonical: str) -> str:
    return fold(canonical).split()[-1].strip(".")


def _is_surname_only(canonical: str) -> bool:
    words = fold(canonical).split()
    return all(w in _PARTICLES for w in words[:-1])


def _initials(canonical: str) -> tuple[str, ...] | None:
    """The given-name initials of a form such as "E. Macron", or None when it is not one."""
    words = fold(canonical).split()
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
            by_fold.setdefault(fold(canonical), []).append((-count, canonical))
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
        result = self._representative.get(fold(canonical), canonical)
        candidates = self._by_surname.get(_surname_key(canonical), [])
        if _is_surname_only(canonical) and len(candidates) == 1:
            result = candidates[0]
        elif (initials := _initials(canonical)) is not None:
            matching = [c for c in candidates if fold(c)[0] == initials[0]]
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
        for word in _WORDS.findall(_plain(text)):
            if not word[0].isupper():
                continue
            key = _POSSESSIVE.sub("", fold(word))
            if key in _SURNAME_VARIANTS:
                found.add(_SURNAME_VARIANTS[key][0])
            elif len(candidates := self._by_surname.get(key, [])) == 1:
                found.add(candidates[0])
        result = frozenset(found)
        self._named[text] = result
        return result


# --- places -----------------------------------------------------------------------------------------

# The gazetteer: folded alias -> (kind, canonical name, city, country). Venues carry their city.
_GAZETTEER_ROWS: tuple[tuple[str, str, str | None, str, tuple[str, ...]], ...] = (
    # kind, canonical name, city, country, extra aliases
    ("venue", "Élysée Palace", "Paris", "France", ("elysee", "palais de l'elysee", "elysee palace")),
    ("venue", "10 Downing Street", "London", "United Kingdom", ("downing street", "number 10", "no 10")),
    ("venue", "Lancaster House", "London", "United Kingdom", ()),
    ("venue", "Chequers", None, "United Kingdom", ()),
    (
        "venue",
        "Northwood Headquarters",
        "Northwood",
        "United Kingdom",
        ("nato maritime command", "permanent joint headquarters", "northwood hq"),
    ),
    ("venue", "White House", "Washington", "United States", ("the white house", "oval office")),
    ("venue", "Mar-a-Lago", "Palm Beach", "United States", ("mar a lago",)),
    ("venue", "Kremlin", "Moscow", "Russia", ("the kremlin",)),
    ("venue", "Mariinskyi Palace", "Kyiv", "Ukraine", ("mariinsky palace",)),
    ("venue", "Berlaymont", "Brussels", "Belgium", ("berlaymont building",)),
    ("venue", "Europa building", "Brussels", "Belgium", ()),
    ("venue", "NATO headquarters", "Brussels", "Belgium", ("nato hq",)),
    ("venue", "Palazzo Chigi", "Rome", "Italy", ("chigi palace",)),
    ("venue", "Quirinal Palace", "Rome", "Italy", ("palazzo del quirinale", "quirinale")),
    ("venue", "Federal Chancellery", "Berlin", "Germany", ("bundeskanzleramt",)),
    ("venue", "Ramstein Air Base", "Ramstein", "Germany", ("ramstein airbase",)),
    ("venue", "Bürgenstock Resort", "Bürgenstock", "Switzerland", ()),
    ("venue", "Dolmabahçe Palace", "Istanbul", "Türkiye", ()),
    ("city", "Paris", "Paris", "France", ()),
    ("city", "London", "London", "United Kingdom", ()),
    ("city", "Northwood", "Northwood", "United Kingdom", ()),
    ("city", "Rome", "Rome", "Italy", ("roma",)),
    ("city", "Kyiv", "Kyiv", "Ukraine", ("kiev", "kyiv city")),
    ("city", "Lviv", "Lviv", "Ukraine", ("lvov",)),
    ("city", "Odesa", "Odesa", "Ukraine", ("odessa",)),
    ("city", "Brussels", "Brussels", "Belgium", ("bruxelles",)),
    ("city", "Budapest", "Budapest", "Hungary", ()),
    (
        "city",
        "Washington",
        "Washington",
        "United States",
        ("washington dc", "washington d.c.", "washington, d.c."),
    ),
    ("city", "New York", "New York", "United States", ("new york city", "nyc")),
    ("city", "Anchorage", "Anchorage", "United States", ()),
    ("city", "Palm Beach", "Palm Beach", "United States", ()),
    ("city", "Berlin", "Berlin", "Germany", ()),
    ("city", "Munich", "Munich", "Germany", ("munchen",)),
    ("city", "Ramstein", "Ramstein", "Germany", ()),
    ("city", "Warsaw", "Warsaw", "Poland", ("warszawa",)),
    ("city", "Madrid", "Madrid", "Spain", ()),
    ("city", "Lisbon", "Lisbon", "Portugal", ("lisboa",)),
    ("city", "Vienna", "Vienna", "Austria", ("wien",)),
    ("city", "Prague", "Prague", "Czechia", ("praha",)),
    ("city", "Bratislava", "Bratislava", "Slovakia", ()),
    ("city", "Ljubljana", "Ljubljana", "Slovenia", ()),
    ("city", "Portorož", "Portorož", "Slovenia", ()),
    ("city", "Zagreb", "Zagreb", "Croatia", ()),
    ("city", "Bucharest", "Bucharest", "Romania", ()),
    ("city", "Sofia", "Sofia", "Bulgaria", ()),
    ("city", "Athens", "Athens", "Greece", ()),
    ("city", "Helsinki", "Helsinki", "Finland", ()),
    ("city", "Stockholm", "Stockholm", "Sweden", ()),
    ("city", "Oslo", "Oslo", "Norway", ()),
    ("city", "Copenhagen", "Copenhagen", "Denmark", ()),
    ("city", "Tallinn", "Tallinn", "Estonia", ()),
    ("city", "Riga", "Riga", "Latvia", ()),
    ("city", "Vilnius", "Vilnius", "Lithuania", ()),
    ("city", "Dublin", "Dublin", "Ireland", ()),
    ("city", "Amsterdam", "Amsterdam", "Netherlands", ()),
    ("city", "The Hague", "The Hague", "Netherlands", ("hague", "den haag")),
    ("city", "Luxembourg", "Luxembourg", "Luxembourg", ()),
    ("city", "Bern", "Bern", "Switzerland", ("berne",)),
    ("city", "Geneva", "Geneva", "Switzerland", ("geneve",)),
    ("city", "Davos", "Davos", "Switzerland", ()),
    ("city", "Bürgenstock", "Bürgenstock", "Switzerland", ()),
    ("city", "Ottawa", "Ottawa", "Canada", ()),
    ("city", "Tokyo", "Tokyo", "Japan", ()),
    ("city", "Beijing", "Beijing", "China", ("peking",)),
    ("city", "Moscow", "Moscow", "Russia", ()),
    ("city", "Minsk", "Minsk", "Belarus", ()),
    ("city", "Ankara", "Ankara", "Türkiye", ()),
    ("city", "Istanbul", "Istanbul", "Türkiye", ()),
    ("city", "Chișinău", "Chișinău", "Moldova", ("kishinev",)),
    ("city", "Tbilisi", "Tbilisi", "Georgia", ()),
    ("city", "Jeddah", "Jeddah", "Saudi Arabia", ("jiddah",)),
    ("city", "Riyadh", "Riyadh", "Saudi Arabia", ()),
    ("city", "Doha", "Doha", "Qatar", ()),
    ("city", "Abu Dhabi", "Abu Dhabi", "United Arab Emirates", ()),
    ("city", "Tirana", "Tirana", "Albania", ()),
    ("city", "Vatican City", "Vatican City", "Vatican City", ("the vatican", "vatican")),
)


_NON_WORD = re.compile(r"[^0-9a-z]+")


def _place_key(text: str) -> str:
    """Folded words only, so "Washington, D.C." and "washington dc" meet."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def _padded(key: str) -> str:
    return f" {key} "


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, tuple[str, str, str | None, str]], tuple[tuple[str, str], ...]]:
    """Folded alias -> entry, plus (padded alias, alias) in the order used to find one inside a phrase."""
    table: dict[str, tuple[str, str, str | None, str]] = {}
    for kind, canonical, city, country, aliases in _GAZETTEER_ROWS:
        for alias in (canonical, *aliases):
            table.setdefault(_place_key(alias), (kind, canonical, city, country))
    # Venues before cities, longer aliases first, so "Northwood Headquarters" wins over "Northwood".
    ordered = sorted(table, key=lambda k: (table[k][0] != "venue", -len(k), k))
    return table, tuple((_padded(k), k) for k in ordered)


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
    return None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(" ".join(_plain(text).split()).strip(" '\".,;").split())
    return cleaned or None


@lru_cache(maxsize=16384)
def place_parts(
    city: str | None, country: str | None, venue: str | None
) -> tuple[str | None, str | None, str | None]:
    """`canonical_place` as a (city, country, venue) tuple, cached for bulk use."""
    city, country, venue = _clean(city), _clean(country), _clean(venue)
    table, _ = _gazetteer()
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
        entry = table.get(_place_key(city))
        if entry is not None:
            kind, canonical, e_city, e_country = entry
            if kind == "venue":
                out_venue = out_venue or canonical
                out_city = e_city
            else:
                out_city = canonical
            hint_country = e_country
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
    cleaned = _clean(re.sub(r"\"|(?<!\w)'|'(?!\w)", " ", _plain(text)))
    if not cleaned:
        return None
    key = fold(cleaned)
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
    key = fold(text)
    if not _ANY_SERIES.search(key):
        return frozenset()
    return frozenset(name for pattern, name in _SERIES if pattern.search(key))


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
    return "".join(w[0] for w in re.findall(r"[0-9a-z]+", fold(name)) if w not in _SMALL_WORDS)


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
        return fold(short) == _acronym(long)
    words_short = set(re.findall(r"[0-9a-z]+", fold(short))) - _SMALL_WORDS
    words_long = set(re.findall(r"[0-9a-z]+", fold(long))) - _SMALL_WORDS
    return len(words_short) >= 2 and words_short <= words_long


_IN_PLACE = re.compile(r"\b(?:in|at)\s+(?:the\s+)?((?:[A-ZÀ-Þ][\w'’.-]*\s*){1,4})")


def place_in_text(text: str) -> tuple[str | None, str] | None:
    """The first gazetteer place a text puts something "in" or "at": (city, country), or None."""
    table, _ = _gazetteer()
    for match in _IN_PLACE.finditer(text):
        words = match.group(1).split()
        for n in range(len(words), 0, -1):
            entry = table.get(_place_key(" ".join(words[:n])))
            if entry is not None:
                kind, canonical, city, country = entry
                return (canonical if kind == "city" else city), country
    return None
