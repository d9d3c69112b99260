"""Shared parts of the side-by-side benchmarks: synthetic articles, fake server process, timing, table.

Not a benchmark itself; bench/overhead.py, latency.py, startup.py, tokens.py and peers.py import it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
DATE = dt.date.today().isoformat()
MACHINE = "2 cores x86_64, Python 3.11"

# --- synthetic news articles -------------------------------------------------------------------------

LEADERS = [
    ("Volodymyr Zelenskyy", "President", "Ukraine"),
    ("Emmanuel Macron", "President", "France"),
    ("Keir Starmer", "Prime Minister", "United Kingdom"),
    ("Friedrich Merz", "Chancellor", "Germany"),
    ("Giorgia Meloni", "Prime Minister", "Italy"),
    ("Donald Tusk", "Prime Minister", "Poland"),
    ("Mark Rutte", "Secretary General", "NATO"),
    ("Ursula von der Leyen", "Commission President", "European Union"),
    ("Pedro Sanchez", "Prime Minister", "Spain"),
    ("Mette Frederiksen", "Prime Minister", "Denmark"),
    ("Petr Pavel", "President", "Czech Republic"),
    ("Alexander Stubb", "President", "Finland"),
    ("Mark Carney", "Prime Minister", "Canada"),
    ("Anthony Albanese", "Prime Minister", "Australia"),
    ("Shigeru Ishiba", "Prime Minister", "Japan"),
]
CITIES = [
    ("Paris", "France", "the Elysee Palace"),
    ("London", "United Kingdom", "Lancaster House"),
    ("Rome", "Italy", "Palazzo Chigi"),
    ("Berlin", "Germany", "the Chancellery"),
    ("Warsaw", "Poland", "the Presidential Palace"),
    ("Brussels", "Belgium", "the Europa building"),
    ("The Hague", "Netherlands", "the World Forum"),
    ("Copenhagen", "Denmark", "Christiansborg Palace"),
    ("Helsinki", "Finland", "the Presidential Palace"),
    ("Madrid", "Spain", "the Moncloa Palace"),
]
KINDS = [
    ("summit", "a summit of the coalition of the willing"),
    ("bilateral_meeting", "talks"),
    ("video_conference", "a video conference of coalition leaders"),
    ("conference", "an international conference on Ukraine's recovery"),
    ("negotiations", "a round of negotiations"),
]
WHEN = ["next Thursday", "on Friday", "later this month", "next week", "on 10 July", "tomorrow", "in March"]
TOPICS = [
    "security guarantees for Ukraine",
    "air defence deliveries",
    "a ceasefire monitoring mission",
    "sanctions on Russian energy exports",
    "reconstruction financing",
    "the future of the support contingent",
    "frozen Russian assets",
    "training of Ukrainian brigades",
]
QUOTES = [
    "We will not leave Ukraine alone, and we will keep up the pressure on Moscow",
    "Security guarantees must be real, not words on paper",
    "Europe has to take more responsibility for its own defence",
    "The coalition is ready to act as soon as a ceasefire is agreed",
    "Nobody wants peace more than the people of Ukraine",
    "We discussed concrete steps, and the work continues next week",
    "There can be no decision about Ukraine without Ukraine",
    "Our partners have shown that they are serious about this",
]
FILLER = [
    "Officials said the agenda had been agreed by sherpas after several days of preparatory calls.",
    "Diplomats cautioned that no final decision was expected and that details would be worked out later.",
    "The meeting comes amid renewed Russian strikes on energy infrastructure across several regions.",
    "Analysts note that the format has expanded since it was first convened earlier in the year.",
    "Several delegations were expected to join remotely because of scheduling conflicts.",
    "A joint statement is expected to be published after the talks, according to a government spokesperson.",
    "The talks follow a phone call between the leaders at the weekend, their offices said.",
    "Opposition politicians criticised the government for not consulting parliament before the trip.",
    "Military planners from more than a dozen countries have met repeatedly in recent weeks.",
    "The European Commission has proposed a new financing package to be discussed by member states.",
    "Markets reacted calmly to the announcement, with European defence stocks little changed.",
    "Security around the venue was tightened, and several streets were closed to traffic.",
]


def make_article(index: int, rng: random.Random) -> str:
    """One 2-3 KB news-like article with a ' date YYYY-MM-DD' header; every article differs."""
    published = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(330))
    host, guest, third = rng.sample(LEADERS, 3)
    city, _, venue = rng.choice(CITIES)
    _, phrase = rng.choice(KINDS)
    when = rng.choice(WHEN)
    topic, topic2 = rng.sample(TOPICS, 2)
    quote, quote2 = rng.sample(QUOTES, 2)
    head = (
        f"{host[1]} {host[0]} will host {phrase} in {city} {when}, with {guest[1]} {guest[0]} and "
        f"{third[0]} expected to attend, officials said on {published:%A}."
    )
    body = [
        head,
        f"The gathering at {venue} is meant to focus on {topic} and {topic2}, according to a note seen by "
        f"reporters (ref. {index:04d}-{rng.randrange(10**6):06d}).",
        f"“{quote},” {host[0].split()[-1]} told journalists in {city}.",
        f'{guest[0]} confirmed the plan during a visit to {rng.choice(CITIES)[0]}, saying that "{quote2}."',
        f"{third[0]} and {guest[0]} spoke by phone {rng.choice(['on Monday', 'last week', 'yesterday'])} to "
        f"prepare the {city} meeting, the {third[2]} government said.",
    ]
    filler = FILLER[:]
    rng.shuffle(filler)
    text = " ".join(body)
    for sentence in filler:
        if len(text) > rng.randrange(2100, 2900):
            break
        text += ("\n\n" if rng.random() < 0.4 else " ") + sentence
    return f" date {published.isoformat()} {text}\n"


def write_articles(directory: Path, n: int, seed: int = 42) -> list[Path]:
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = directory / f"article_{i:04d}.txt"
        path.write_text(make_article(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


# --- the fake server, in its own process so its CPU is not the client's --------------------------------

SERVE_CODE = r"""
import json, re, sys, threading
sys.path.insert(0, sys.argv[1])
from tests.fakeserver import FakeOpenAI, Response, json_answer

LEADERS = json.loads(sys.argv[3])
CITIES = json.loads(sys.argv[4])

def responder(body):
    # A realistic canned answer: one meeting with evidence ids and participants, a call, and a quote id,
    # built from what the article says so that grounding and consolidation do real work.
    text = "\n".join(str(m.get("content") or "") for m in body.get("messages", []) if m.get("role") == "user")
    names = sorted((l for l in LEADERS if l[0] in text), key=lambda l: text.find(l[0]))[:3]
    city = next((c for c in CITIES if c[0] in text), [None, None, None])
    sentences = [int(n) for n in re.findall(r"^\[(\d+)\]", text, flags=re.M)] or [1, 2, 3]
    people = [{"name": n, "role": r, "country": c} for n, r, c in names]
    meetings = [
        {"title": f"Coalition meeting in {city[0]}", "type": "summit", "date_text": "next Thursday",
         "city": city[0], "country": city[1], "status": "announced", "participants": people,
         "evidence": sentences[:2], "venue": city[2], "agenda": ["security guarantees"],
         "hosts": [people[0]["name"]] if people else []},
        {"title": "Leaders' phone call", "type": "phone_call", "date_text": "last week", "city": None,
         "country": None, "status": "held", "participants": people[1:], "evidence": sentences[4:5]},
    ]
    quotes = [{"quote": 1, "speaker": people[0]["name"] if people else None, "meeting": 0}]
    return json_answer({"meetings": meetings, "quotes": quotes})

srv = FakeOpenAI(responder=responder, latency=float(sys.argv[2]), models=["m"])
srv.add_route("GET", "/stats", lambda req: Response.json({"count": srv.count, "errors": len(srv.errors)}))
srv.start()
print(srv.base_url, flush=True)
sys.stdin.read()  # serve until the parent closes our stdin or kills us
srv.stop(raise_errors=False)
"""


@dataclass
class FakeServerProcess:
    proc: subprocess.Popen[str]
    base_url: str

    def count(self) -> int:
        root = self.base_url.rsplit("/v1", 1)[0]
        with urllib.request.urlopen(f"{root}/stats", timeout=10) as resp:
            return int(json.load(resp)["count"])

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_fake(latency: float = 0.0) -> FakeServerProcess:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE_CODE, str(ROOT), str(latency), json.dumps(LEADERS), json.dumps(CITIES)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("http"):
        proc.kill()
        raise RuntimeError(f"fake server did not start: {line!r}")
    return FakeServerProcess(proc, line)


# --- timing -------------------------------------------------------------------------------------------


@dataclass
class Timing:
    wall: float
    cpu: float  # user + sys of the child process
    returncode: int


def timed(cmd: Sequence[str], *, env: dict[str, str] | None = None, quiet: bool = True) -> Timing:
    """Run cmd to completion; wall time and the child's user+sys CPU from RUSAGE_CHILDREN deltas."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        list(cmd),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.stderr.write(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}\n")
    return Timing(wall, cpu, proc.returncode)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


# --- docs/BENCHMARKS.md -------------------------------------------------------------------------------


def append_rows(section: str, intro: str, head: str, rows: Sequence[str]) -> None:
    """Append rows to this section's table, creating the section at the end of the file if it is new.

    Only the named section is touched, so other people's sections stay as they are.
    """
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    block = "".join(row.rstrip("\n") + "\n" for row in rows)
    marker = f"\n{section}\n"
    at = text.find(marker)
    if at < 0:
        text = text.rstrip("\n") + f"\n\n{section}\n\n{intro.strip()}\n\n{head.rstrip()}\n{block}"
    else:
        start = at + len(marker)
        nxt = re.search(r"^## ", text[start:], flags=re.M)
        end = start + nxt.start() if nxt else len(text)
        part = text[start:end]
        lines = part.rstrip("\n").split("\n")
        last_row = max((i for i, line in enumerate(lines) if line.startswith("|")), default=None)
        if last_row is None:
            lines += ["", head.rstrip(), block.rstrip("\n")]
        else:
            lines.insert(last_row + 1, block.rstrip("\n"))
        part = "\n".join(lines) + "\n" + ("\n" if nxt else "")
        text = text[:start] + part + text[end:]
    BENCHMARKS.write_text(text, encoding="utf-8")


def command_line() -> str:
    return "python " + " ".join(["bench/" + Path(sys.argv[0]).name, *sys.argv[1:]])
