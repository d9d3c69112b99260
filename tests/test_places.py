"""The world gazetteer: cities and regions from maintained data, and the places a text names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.models import Location
from summarizer.resolve.names import (
    _places_named,
    canonical_place,
    dateline_place,
    place_in_text,
    place_parts,
    places_in_text,
)
from summarizer.resolve.places import world_places


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("Jeddah", ("Jeddah", "Saudi Arabia")),
        ("Busan", ("Busan", "South Korea")),
        ("Gyeongju", ("Gyeongju", "South Korea")),
        ("Tianjin", ("Tianjin", "China")),
        ("Peking", ("Beijing", "China")),
        ("Sharm el-Sheikh", ("Sharm el-Sheikh", "Egypt")),
        ("rio de janeiro", ("Rio de Janeiro", "Brazil")),
        ("Anchorage", ("Anchorage", "United States")),
        ("Bombay", ("Mumbai", "India")),
        ("New Delhi", ("New Delhi", "India")),  # its own name, not Delhi's alternate one
        ("Nairobi", ("Nairobi", "Kenya")),
        ("Canberra", ("Canberra", "Australia")),
        ("Buenos Aires", ("Buenos Aires", "Argentina")),
        ("Hanoi", ("Hanoi", "Vietnam")),
        ("Istanbul", ("Istanbul", "Türkiye")),
        ("Den Haag", ("The Hague", "Netherlands")),
        ("Wien", ("Vienna", "Austria")),  # the city before the Land of that name
        ("Singapore", ("Singapore", "Singapore")),  # a city-state is its city
        # Hand rows win where the world table has another place of that name or none.
        ("Northwood", ("Northwood", "United Kingdom")),
        ("Palm Beach", ("Palm Beach", "United States")),
        ("Kananaskis", ("Kananaskis", "Canada")),
        ("Bürgenstock", ("Bürgenstock", "Switzerland")),
    ],
)
def test_cities_on_every_continent_get_their_english_name_and_country(
    city: str, expected: tuple[str, str]
) -> None:
    assert place_parts(city, None, None)[:2] == expected


def test_a_region_or_a_country_in_the_city_slot_gives_only_the_country() -> None:
    assert canonical_place("Alaska", None, None) == Location(country="United States")
    assert canonical_place("Gyeonggi", None, None) == Location(country="South Korea")
    assert canonical_place("Alberta", None, None) == Location(country="Canada")
    assert canonical_place("Mexico", None, None) == Location(country="Mexico")  # not Mexico City


def test_a_shared_city_name_is_the_one_in_the_country_given() -> None:
    assert place_parts("Sydney", None, None)[:2] == ("Sydney", "Australia")
    assert place_parts("Sydney", "Canada", None)[:2] == ("Sydney", "Canada")
    assert place_parts("Paris", None, None)[:2] == ("Paris", "France")
    assert place_parts("Paris", "US", None)[:2] == ("Paris", "United States")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They met in Sydney on Monday.", ("Sydney", "Australia")),
        ("They met in Sydney, Nova Scotia, on Monday.", ("Sydney", "Canada")),
        ("The rally was held in Paris, Texas.", ("Paris", "United States")),
        ("They met in Melbourne, Victoria.", ("Melbourne", "Australia")),  # the state, not a city
        # A country named in the sentence moves a shared name only to a place of comparable size.
        ("Canadian ministers met in Sydney, far from Canada.", ("Sydney", "Australia")),
        ("The talks in Hyderabad were his first visit to Pakistan.", ("Hyderabad", "Pakistan")),
        ("The talks in Hyderabad were his first visit to the south.", ("Hyderabad", "India")),
    ],
)
def test_a_shared_name_is_the_most_populous_unless_the_text_says_otherwise(
    text: str, expected: tuple[str, str]
) -> None:
    assert place_in_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Most leaders arrived late.", None),
        ("Reading the statement, he paused.", None),
        ("Nice to see you, he said.", None),
        ("He owns a mobile phone and a split-level house.", None),
        ("Mobile networks were down.", None),
        ("A decision was made of necessity.", None),
        ("He flew to Split on Monday.", None),  # a word-city only after "in" or "at"
        ("The ministers met in Nice on Monday.", ("Nice", "France")),
        ("The talks in Split ended.", ("Split", "Croatia")),
        ("The EU summit at Reading was short.", ("Reading", "United Kingdom")),
    ],
)
def test_a_city_that_is_an_english_word_counts_only_capitalised_after_in_or_at(
    text: str, expected: tuple[str, str] | None
) -> None:
    assert place_in_text(text) == expected
    if expected is None:
        assert places_in_text(text) == []


_LEADERS_TEXT = """
    Trump Vance Rubio Hegseth Witkoff Kushner Bessent Carney Anand Xi Li Wang Putin Lavrov Peskov Ushakov
    Zelensky Zelenskyy Yermak Umerov Sybiha Starmer Lammy Cooper Healey Reeves Macron Barrot Lecornu Merz
    Wadephul Pistorius Meloni Tajani Sánchez Costa Montenegro Tusk Sikorski Nawrocki Orbán Fico Erdoğan
    Fidan Modi Jaishankar Sharif Munir Ishiba Takaichi Lee Albanese Wong Luxon Lula Milei Sheinbaum Petro
    Ramaphosa Tinubu Ruto Netanyahu Herzog Katz Pezeshkian Araghchi Khamenei Sisi Abdullah Salman Tamim
    Prabowo Anwar Marcos Frederiksen Kristersson Stubb Rutte Kallas Guterres Aliyev Pashinyan Lukashenko
    Kim Tokayev Vučić Mitsotakis Schoof Rama Bukele Noboa
"""
LEADERS = _LEADERS_TEXT.split()


def test_some_leaders_surnames_are_also_places_in_the_gazetteer() -> None:
    # What the next test guards against is real: these surnames are cities or a country.
    assert {"Carney", "Rubio", "Anand", "Rama", "Kim", "Montenegro"} <= {
        name for name in LEADERS if _places_named(name.lower())
    }


@pytest.mark.parametrize("surname", LEADERS)
def test_a_leaders_surname_is_not_a_place(surname: str) -> None:
    text = (
        f"{surname} said on Monday that talks went well. President {surname} arrived late. "
        f"Prime Minister Ana {surname} spoke. It was held at {surname}'s invitation. "
        f"The call with {surname}, who told reporters little, ended."
    )
    if surname != "Montenegro":  # "a call with Montenegro" may be the country; nothing tells
        assert places_in_text(text) == []
    assert place_in_text(text) is None
    assert places_in_text(f"Mark {surname} met the press. {surname} said little.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The leaders met in the Saudi city of Jeddah.", ("Jeddah", "Saudi Arabia")),
        ("Talks hosted by Egypt in Sharm el-Sheikh resumed.", ("Sharm el-Sheikh", "Egypt")),
        ("After the Busan summit, Xi flew home.", ("Busan", "South Korea")),
        ("The NATO summit in The Hague agreed.", ("The Hague", "Netherlands")),
        ("Trump and Putin met at the White House.", ("Washington", "United States")),
        ("In Beijing, Xi met Carney.", ("Beijing", "China")),
        ("They met in Rio de Janeiro.", ("Rio de Janeiro", "Brazil")),
        ("The summit in Kiev was postponed.", ("Kyiv", "Ukraine")),
        ("Leaders gathered in Kananaskis, Alberta.", ("Kananaskis", "Canada")),
        ("The meeting was in the Vatican.", ("Vatican City", "Vatican City")),
        ("He met her in Washington, D.C., on Friday.", ("Washington", "United States")),
        # Only a city or venue stands for where a meeting is, unless countries are asked for.
        ("The summit in the UK was short.", None),
        ("Trump and Putin spoke.", None),
    ],
)
def test_place_in_text_finds_the_city_something_is_in(text: str, expected: tuple[str, str] | None) -> None:
    assert place_in_text(text) == expected


def test_place_in_text_gives_a_country_or_region_when_asked() -> None:
    assert place_in_text("After the Alaska summit, Putin left.", countries=True) == (None, "United States")
    assert place_in_text("The summit in the UK was short.", countries=True) == (None, "United Kingdom")
    assert place_in_text("Talks in Gyeonggi Province went on.", countries=True) == (None, "South Korea")


def test_places_in_text_gives_every_mention_with_its_span() -> None:
    text = "Trump and Putin met in Anchorage, Alaska, after Rubio's talks in the Saudi city of Jeddah."
    found = places_in_text(text)
    assert [(text[s:e], city, country) for s, e, city, country in found] == [
        ("Anchorage", "Anchorage", "United States"),
        ("Alaska", None, "United States"),
        ("Jeddah", "Jeddah", "Saudi Arabia"),
    ]


def test_a_region_named_in_english_words_is_a_description_not_a_place() -> None:
    text = "They met in the Red Sea resort of Sharm el-Sheikh."  # not Sudan's "Red Sea" state
    assert [(text[s:e], city, country) for s, e, city, country in places_in_text(text)] == [
        ("Sharm el-Sheikh", "Sharm el-Sheikh", "Egypt")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KANANASKIS, Alberta — The G7 leaders met.", ("Kananaskis", "Canada")),
        ("BEIJING (Reuters) - China said on Monday.", ("Beijing", "China")),
        ("Washington, D.C. — The president said.", ("Washington", "United States")),
        ("GYEONGJU, South Korea — Leaders arrived.", ("Gyeongju", "South Korea")),
        ("SPLIT, Croatia — Ministers met.", ("Split", "Croatia")),
        ("ROME, April 26. /TASS/. US President Donald Trump arrived.", ("Rome", "Italy")),
        (" date 2025-06-12 BRUSSELS — European Union leaders will travel.", ("Brussels", "Belgium")),
        (
            "Trump and Sisi to chair a summit\n\nWASHINGTON\nU.S. President Donald Trump said.",
            ("Washington", "United States"),
        ),
        ("US President Donald Trump said - in a post - that talks went well.", None),
        ("Trump said - in a post - that talks in Rome went well.", None),
        ("No dateline here.", None),
    ],
)
def test_a_leading_dateline_gives_the_place(text: str, expected: tuple[str, str] | None) -> None:
    assert dateline_place(text) == expected


_WORDS = [
    "Paris", "in", "at", "Sydney", "Nova", "Scotia", "Most", "Reading", "Carney", "said", "the", "summit",
    "Busan", "city", "of", "Jeddah", "U.S.", "UK", "White", "House", "Texas", "Nice", "Kiev", "Mark", "talks",
    "President", "Xi", "Alaska", "—", ",", ".", "'s", "Rio", "de", "Janeiro", "New", "York", "Hague", "The",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=30), st.lists(st.sampled_from([" ", "  ", "\n", ""])))
def test_every_span_slices_to_a_name_the_gazetteer_reads_so(words: list[str], gaps: list[str]) -> None:
    text = "".join(w + (gaps[i % len(gaps)] if gaps else " ") for i, w in enumerate(words))
    found = places_in_text(text)
    last_end = 0
    for start, end, city, country in found:
        assert last_end <= start < end <= len(text)
        name = text[start:end]
        assert name == name.strip() and name[0].isupper()
        key = " ".join(name.lower().replace(".", " ").split())
        readings = {(p.city, p.country) for p in _places_named(key)}
        assert (city, country) in readings, name
        last_end = end


@pytest.mark.parametrize(
    "place",
    [
        ("Kyiv", "Ukraine", None),
        ("The Hague", "Netherlands", None),
        ("Vatican City", "Vatican City", None),
        ("Ankara", "Türkiye", None),
        ("London", "United Kingdom", "Lancaster House"),
        ("Northwood", "United Kingdom", "Northwood Headquarters"),
        ("Washington", "United States", "White House"),
        ("New York", "United States", None),
        ("Chișinău", "Moldova", None),
        ("Sharm el-Sheikh", "Egypt", None),
        ("Rio de Janeiro", "Brazil", "Museum of Modern Art"),
        (None, "United States", None),
        (None, "Türkiye", None),
        ("Sintra", "Portugal", None),
        ("Llanfairpwll", None, None),
    ],
)
def test_canonical_places_are_fixed_points(place: tuple[str | None, str | None, str | None]) -> None:
    assert place_parts(*place) == place
    assert place_parts(*place_parts(*place)) == place_parts(*place)


def test_the_world_table_is_most_populous_first_and_spelled_as_canonical_country_does() -> None:
    sydneys = world_places().lookup("sydney")
    assert [r.country for r in sydneys][:2] == ["Australia", "Canada"]
    assert sydneys[0].population > sydneys[1].population
    assert world_places().lookup("kyiv")[0].capital
    assert world_places().lookup("istanbul")[0].country == "Türkiye"
    assert world_places().lookup("nice")[0].english_word
    assert world_places().lookup("no such place") == ()
