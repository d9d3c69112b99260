"""Time consolidation on synthetic corpora of 1k-100k noisy records and score it against the true meetings.

Usage: python bench/consolidate_scale.py [--sizes 1000 10000 100000] [--seed 7] [--profile] [--no-write]

The generator makes meetings (about three a day, like a wire-service archive), then several reports of
each spread over articles published before and after the meeting, with the noise real extractions show:
name variants (titles, surname only, transliterations), date precision variants (day, range, week,
month, unknown, an occasional day off by one), place variants (venue instead of city, country only,
demonyms, old spellings, the other end of a hybrid meeting), missing series, summit reported as meeting.
Precision and recall are pairwise: over all pairs of records, "same predicted meeting" vs "same true
meeting". A dated row per size is appended to docs/BENCHMARKS.md under "## Consolidation scale".

Consolidation runs as `summarizer run` and `summarizer consolidate` run it, with the cyclic garbage
collector paused (`summarizer.cli.gc_paused`); `--gc-on` times the plain library call, which leaves
the collector alone (its rows say "gc on").
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import hashlib
import io
import os
import platform
import pstats
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.cli import gc_paused  # noqa: E402
from summarizer.consolidation import consolidate  # noqa: E402
from summarizer.models import (  # noqa: E402
    ArticleExtraction,
    ArticleRef,
    DateSpec,
    Location,
    Meeting,
    MeetingRecord,
    Participant,
)

BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
SECTION = "## Consolidation scale"
TABLE_HEAD = (
    "| date | records | articles | true meetings | meetings found | seconds | cpu seconds | records/s "
    "| pair precision | pair recall | machine |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
)

# --- the generator's world ----------------------------------------------------------------------------

# (full name, role, country, extra spellings)
_REAL_LEADERS = [
    ("Volodymyr Zelenskyy", "President", "Ukraine", ["Zelensky", "Zelenskiy", "Volodymyr Zelensky"]),
    ("Emmanuel Macron", "President", "France", []),
    ("Keir Starmer", "Prime Minister", "United Kingdom", ["PM Keir Starmer"]),
    ("Friedrich Merz", "Chancellor", "Germany", []),
    ("Giorgia Meloni", "Prime Minister", "Italy", []),
    ("Donald Trump", "President", "United States", []),
    ("Donald Tusk", "Prime Minister", "Poland", []),
    ("Mark Rutte", "Secretary General", "Netherlands", []),
    ("Ursula von der Leyen", "President", "Belgium", []),
    ("António Costa", "President", "Portugal", ["Antonio Costa"]),
    ("Pedro Sánchez", "Prime Minister", "Spain", ["Pedro Sanchez"]),
    ("Mette Frederiksen", "Prime Minister", "Denmark", []),
    ("Ulf Kristersson", "Prime Minister", "Sweden", []),
    ("Alexander Stubb", "President", "Finland", []),
    ("Jonas Gahr Støre", "Prime Minister", "Norway", ["Jonas Gahr Store"]),
    ("Petr Pavel", "President", "Czechia", []),
    ("Viktor Orbán", "Prime Minister", "Hungary", ["Viktor Orban"]),
    ("Mark Carney", "Prime Minister", "Canada", []),
    ("Recep Tayyip Erdoğan", "President", "Türkiye", ["Recep Tayyip Erdogan", "Erdogan"]),
    ("Vladimir Putin", "President", "Russia", []),
    ("Andrii Sybiha", "Foreign Minister", "Ukraine", ["Andriy Sybiha"]),
    ("Andrii Yermak", "Head of the Presidential Office", "Ukraine", ["Andriy Yermak"]),
]
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "sa",
    "to",
    "vel",
    "dan",
    "ri",
    "mor",
    "lin",
    "ta",
    "bor",
    "ne",
    "qui",
    "zet",
]
_ROLES = ["President", "Prime Minister", "Foreign Minister", "Defence Minister", "Chancellor"]
_DEMONYM = {
    "United Kingdom": "British",
    "United States": "U.S.",
    "France": "French",
    "Germany": "German",
    "Ukraine": "Ukrainian",
    "Italy": "Italian",
    "Poland": "Polish",
    "Russia": "Russian",
    "Hungary": "Hungarian",
    "Czechia": "Czech",
}
# (canonical city, country, spellings, venues)
_CITIES = [
    ("Paris", "France", ["paris"], ["Élysée Palace", "Elysee Palace"]),
    ("London", "United Kingdom", ["london"], ["Downing Street", "Lancaster House"]),
    ("Rome", "Italy", ["Roma"], ["Palazzo Chigi"]),
    ("Kyiv", "Ukraine", ["Kiev"], ["Mariinskyi Palace"]),
    ("Brussels", "Belgium", ["Bruxelles"], ["NATO headquarters", "Berlaymont"]),
    ("Berlin", "Germany", ["berlin"], ["Federal Chancellery"]),
    ("Washington", "United States", ["Washington, D.C.", "Washington DC"], ["White House"]),
    ("Warsaw", "Poland", ["Warszawa"], []),
    ("Budapest", "Hungary", [], []),
    ("Northwood", "United Kingdom", [], ["Northwood Headquarters"]),
    ("Ramstein", "Germany", [], ["Ramstein Air Base"]),
    ("Madrid", "Spain", [], []),
    ("Lisbon", "Portugal", ["Lisboa"], []),
    ("Vienna", "Austria", ["Wien"], []),
    ("Prague", "Czechia", ["Praha"], []),
    ("Helsinki", "Finland", [], []),
    ("Stockholm", "Sweden", [], []),
    ("Oslo", "Norway", [], []),
    ("Copenhagen", "Denmark", [], []),
    ("Tallinn", "Estonia", [], []),
    ("Riga", "Latvia", [], []),
    ("Vilnius", "Lithuania", [], []),
    ("The Hague", "Netherlands", ["Hague"], []),
    ("Geneva", "Switzerland", [], []),
    ("Istanbul", "Türkiye", [], ["Dolmabahçe Palace"]),
    ("Ankara", "Türkiye", [], []),
    ("Jeddah", "Saudi Arabia", [], []),
    ("Ottawa", "Canada", [], []),
    ("Tokyo", "Japan", [], []),
    ("Athens", "Greece", [], []),
]
_COUNTRY_FORMS = {
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom"],
    "United States": ["US", "U.S.", "USA", "United States"],
    "Türkiye": ["Turkey", "Türkiye"],
    "Czechia": ["Czech Republic", "Czechia"],
}
# (canonical series, spellings)
_SERIES = [
    (
        "Coalition of the Willing",
        ["coalition of the willing", "'Coalition Of The Willing'", "the coalition of the willing summit"],
    ),
    ("Ukraine Defense Contact Group", ["Ramstein", "Ramstein format", "Ukraine Defence Contact Group"]),
    ("Ukraine Recovery Conference", ["URC", "Ukraine Recovery Conference"]),
    ("G7", ["G7 summit", "Group of Seven"]),
    ("NATO summit", ["NATO", "NATO summit"]),
    ("MED9", ["MED9", "EU-Med"]),
    ("Weimar Triangle", ["Weimar triangle format"]),
    ("European Political Community", ["EPC", "European Political Community summit"]),
    ("Crimea Platform", ["Crimea Platform summit", "the Crimea Platform"]),
    ("Bucharest Nine", ["bucharest nine", "Bucharest Nine summit"]),
    ("Nordic-Baltic Eight", ["the Nordic-Baltic Eight format", "'Nordic-Baltic Eight'"]),
    ("Three Seas Initiative", ["Three Seas", "Three Seas Initiative summit"]),
    ("Joint Expeditionary Force", ["JEF", "Joint Expeditionary Force"]),
    ("European Council", ["EU summit", "European Council"]),
    ("Berlin Process", ["Berlin Process summit", "the Berlin process"]),
    ("Visegrad Group", ["Visegrad Group", "Visegrad Group summit"]),
    ("Ukraine-Southeast Europe Summit", ["Ukraine-Southeast Europe summit"]),
    ("Arctic Council", ["Arctic Council", "arctic council meeting"]),
    ("Quad", ["Quad", "Quad summit"]),
]
_TYPE_WEIGHTS = {
    "summit": 0.15,
    "multilateral_meeting": 0.25,
    "bilateral_meeting": 0.3,
    "phone_call": 0.2,
    "conference": 0.05,
    "video_conference": 0.05,
}
_LABEL = {
    "summit": "summit",
    "multilateral_meeting": "meeting",
    "conference": "conference",
    "bilateral_meeting": "talks",
    "phone_call": "phone call",
    "video_conference": "video call",
}


@dataclass
class _Leader:
    name: str
    role: str
    country: str
    spellings: list[str]


@dataclass
class _TrueMeeting:
    number: int
    mtype: str
    series: int | None
    day: dt.date
    city: int | None
    second_city: int | None
    leaders: list[int]
    hosts: list[int]


def _leaders(rng: random.Random, count: int) -> list[_Leader]:
    pool = [_Leader(n, r, c, s) for n, r, c, s in _REAL_LEADERS]
    countries = [c[1] for c in _CITIES]
    while len(pool) < count:
        first = "".join(rng.choice(_SYLLABLES) for _ in range(2)).capitalize()
        last = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        pool.append(_Leader(f"{first} {last}", rng.choice(_ROLES), rng.choice(countries), []))
    return pool


def _name_variant(rng: random.Random, leader: _Leader, surname_ok: bool) -> str:
    roll = rng.random()
    if roll < 0.35:
        return leader.name
    if roll < 0.55:
        return f"{leader.role} {leader.name}"
    if roll < 0.7 and leader.country in _DEMONYM:
        return f"{_DEMONYM[leader.country]} {leader.role} {leader.name}"
    if roll < 0.85 and surname_ok:
        return leader.name.split()[-1]
    if leader.spellings:
        return rng.choice(leader.spellings)
    return leader.name


def _place(rng: random.Random, city: int | None) -> Location:
    if city is None:
        return Location()
    name, country, spellings, venues = _CITIES[city]
    roll = rng.random()
    country_form = rng.choice(_COUNTRY_FORMS.get(country, [country]))
    if roll < 0.15:
        return Location()
    if roll < 0.25:
        return Location(country=country_form)
    if roll < 0.35 and venues:
        return Location(venue=rng.choice(venues))
    city_form = rng.choice([name, name, *spellings])
    return Location(city=city_form, country=country_form if rng.random() < 0.6 else None)


def _date(rng: random.Random, day: dt.date, before: bool) -> DateSpec:
    roll = rng.random()
    if before:
        if roll < 0.6:
            return DateSpec(start=day, text="next Thursday", precision="day")
        if roll < 0.7:
            return DateSpec(start=day, end=day + dt.timedelta(days=1), text="10–11", precision="range")
        if roll < 0.85:
            monday = day - dt.timedelta(days=day.weekday())
            return DateSpec(
                start=monday, end=monday + dt.timedelta(days=6), text="next week", precision="week"
            )
        if roll < 0.9:
            return DateSpec(start=day.replace(day=1), text=day.strftime("in %B"), precision="month")
        return DateSpec(text="soon", precision="unknown")
    if roll < 0.9:
        return DateSpec(start=day, text="on Thursday", precision="day")
    if roll < 0.95:
        return DateSpec(start=day + dt.timedelta(days=rng.choice([-1, 1])), text="yesterday", precision="day")
    return DateSpec(text="recently", precision="unknown")


def generate(n_records: int, seed: int) -> tuple[list[ArticleExtraction], dict[tuple[str, int], int], int]:
    """Rows, the true meeting number of every (article id, meeting index), and the number of meetings."""
    rng = random.Random(seed)
    leaders = _leaders(rng, 80)
    n_meetings = max(1, round(n_records / 3.5))
    span = max(60, n_meetings // 3)
    origin = dt.date(2000, 1, 3)
    types, weights = zip(*_TYPE_WEIGHTS.items(), strict=True)
    meetings: list[_TrueMeeting] = []
    series_days: dict[int, list[int]] = defaultdict(list)
    for number in range(n_meetings):
        mtype = rng.choices(types, weights)[0]
        pair = mtype in ("bilateral_meeting", "phone_call", "video_conference")
        group = rng.sample(range(len(leaders)), 2 if pair else rng.randint(3, 8))
        offset = rng.randrange(span)
        series = None
        if not pair and rng.random() < 0.7:
            # A format meets every few weeks at most, as real ones do; try a few before going without one.
            for candidate in rng.sample(range(len(_SERIES)), 3):
                if all(abs(offset - d) > 14 for d in series_days[candidate]):
                    series = candidate
                    series_days[candidate].append(offset)
                    break
        city = None if mtype in ("phone_call", "video_conference") else rng.randrange(len(_CITIES))
        meetings.append(
            _TrueMeeting(
                number=number,
                mtype=mtype,
                series=series,
                day=origin + dt.timedelta(days=offset),
                city=city,
                second_city=rng.randrange(len(_CITIES)) if city is not None and rng.random() < 0.1 else None,
                leaders=group,
                hosts=group[: rng.randint(1, 2)] if not pair else [],
            )
        )

    # Reports: (published, meeting, record), produced until the record budget is spent.
    reports: list[tuple[dt.date, int, MeetingRecord]] = []
    while len(reports) < n_records:
        m = meetings[rng.randrange(n_meetings)]
        before = rng.random() < 0.4
        published = m.day + dt.timedelta(days=-rng.randint(1, 10) if before else rng.randint(0, 3))
        city = m.second_city if m.second_city is not None and rng.random() < 0.5 else m.city
        series_name, spellings = _SERIES[m.series] if m.series is not None else (None, [])
        mtype = m.mtype
        if mtype in ("summit", "multilateral_meeting") and rng.random() < 0.3:
            mtype = "multilateral_meeting" if mtype == "summit" else "summit"
        names = [_name_variant(rng, leaders[i], surname_ok=True) for i in m.leaders if rng.random() < 0.75]
        place = _place(rng, city)
        where = place.city or place.venue or place.country
        head = series_name or " and ".join(leaders[i].name.split()[-1] for i in m.leaders[:2])
        title = rng.choice(
            [
                f"{head} {_LABEL[mtype]}" + (f" in {where}" if where else ""),
                f"{head} {_LABEL[mtype]}",
                f"Leaders meet for {head} {_LABEL[mtype]}",
            ]
        )
        status = "announced" if before else "held"
        if rng.random() < 0.03:
            status = "postponed"
        record = MeetingRecord(
            title=title,
            meeting_type=mtype,
            format="hybrid" if m.second_city is not None and rng.random() < 0.5 else None,
            series=rng.choice(spellings) if spellings and rng.random() < 0.75 else None,
            date=_date(rng, m.day, before),
            location=place,
            status=status,
            participants=[Participant(name=n) for n in names],
            hosts=[leaders[i].name.split()[-1] for i in m.hosts if rng.random() < 0.5],
        )
        reports.append((published, m.number, record))

    # Articles: reports published the same day, up to four per article, never two of one meeting.
    by_day: dict[dt.date, list[tuple[int, MeetingRecord]]] = defaultdict(list)
    for published, number, record in reports:
        by_day[published].append((number, record))
    rows: list[ArticleExtraction] = []
    truth: dict[tuple[str, int], int] = {}
    for published in sorted(by_day):
        pending = by_day[published]
        rng.shuffle(pending)
        while pending:
            size = rng.randint(1, 4)
            chosen: list[tuple[int, MeetingRecord]] = []
            rest: list[tuple[int, MeetingRecord]] = []
            for number, record in pending:
                if len(chosen) < size and all(number != n for n, _ in chosen):
                    chosen.append((number, record))
                else:
                    rest.append((number, record))
            pending = rest
            article_id = f"syn-{len(rows):07d}"
            digest = hashlib.sha256(f"{seed}:{article_id}".encode()).hexdigest()
            published_known = published if rng.random() < 0.97 else None
            rows.append(
                ArticleExtraction(
                    article=ArticleRef(
                        id=article_id, source="synthetic", sha256=digest, published=published_known
                    ),
                    meetings=[record for _, record in chosen],
                )
            )
            for index, (number, _) in enumerate(chosen):
                truth[(article_id, index)] = number
    return rows, truth, len({n for n in truth.values()})


# --- scoring ------------------------------------------------------------------------------------------


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(meetings: list[Meeting], truth: dict[tuple[str, int], int]) -> tuple[float, float]:
    """Pairwise precision and recall of the predicted clusters against the true meetings."""
    cells: Counter[tuple[int, int]] = Counter()
    predicted: Counter[int] = Counter()
    actual: Counter[int] = Counter()
    for p, meeting in enumerate(meetings):
        for source in meeting.sources:
            t = truth[(source.article_id, source.meeting_index)]
            cells[(p, t)] += 1
            predicted[p] += 1
            actual[t] += 1
    together = sum(_pairs(n) for n in cells.values())
    said = sum(_pairs(n) for n in predicted.values())
    true = sum(_pairs(n) for n in actual.values())
    return (together / said if said else 1.0), (together / true if true else 1.0)


# --- reporting ----------------------------------------------------------------------------------------


def _machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def _load() -> str:
    """The 1-minute load average: other work on the machine stretches wall time, not CPU time."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


def append_rows(rows: list[str]) -> None:
    """Add rows to the end of our section, creating it if absent; other sections are left byte for byte."""
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    block = "".join(rows)
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        intro = (
            f"\n\n{SECTION}\n\n`python bench/consolidate_scale.py`: synthetic corpora of noisy reports "
            "(about 3.5 per meeting; name, date-precision and place variants, missing fields), consolidated "
            "without a judge. Precision and recall are pairwise against the generator's true meetings; "
            "wall time depends on what else runs, CPU time less so.\n\n"
        )
        text = text.rstrip("\n") + intro + TABLE_HEAD + block
    else:
        # Right after the section's last table row, so notes written below the table stay below it.
        end = text.find("\n## ", start + len(SECTION) + 2)
        end = len(text) if end < 0 else end
        last_row = text.rfind("\n|", start, end)
        cut = text.index("\n", last_row + 1) + 1 if last_row >= 0 else end
        text = text[:cut] + block + text[cut:]
    tmp = BENCHMARKS.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary of the largest run")
    parser.add_argument("--no-write", action="store_true", help="do not append to docs/BENCHMARKS.md")
    parser.add_argument("--gc-on", action="store_true", help="the library call, garbage collector left on")
    args = parser.parse_args(argv)
    pause = contextlib.nullcontext if args.gc_on else gc_paused

    today = dt.date.today().isoformat()
    header = (
        f"{'records':>8} {'articles':>8} {'true':>7} {'found':>7} {'seconds':>8} {'cpu s':>8} {'rec/s':>8} "
        f"{'prec':>6} {'recall':>6}"
    )
    print(header)
    lines: list[str] = []
    for size in args.sizes:
        rows, truth, n_true = generate(size, args.seed)
        profiler = cProfile.Profile() if args.profile and size == max(args.sizes) else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        with pause():
            meetings = consolidate(rows)
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        precision, recall = pairwise(meetings, truth)
        n_records = len(truth)
        print(
            f"{n_records:>8} {len(rows):>8} {n_true:>7} {len(meetings):>7} {seconds:>8.2f} {cpu:>8.2f} "
            f"{n_records / seconds:>8.0f} {precision:>6.3f} {recall:>6.3f}",
            flush=True,
        )
        lines.append(
            f"| {today} | {n_records} | {len(rows)} | {n_true} | {len(meetings)} | {seconds:.2f} "
            f"| {cpu:.2f} | {n_records / seconds:.0f} | {precision:.3f} | {recall:.3f} "
            f"| {_machine()}, load {_load()}{', gc on' if args.gc_on else ''} |\n"
        )
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
    if not args.no_write:
        append_rows(lines)
        print(f"appended {len(lines)} rows to {BENCHMARKS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
