"""What an adversarial review broke (issue 14), each attack replayed through the real CLI in a subprocess."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .fakeserver import FakeOpenAI, Request, Response, json_answer
from .test_faults import article_text, marker_of, meeting_answer, meeting_responder, rows_of, write_articles
from .test_render import sample_document

# These tests script the model's answers as whole records.
pytestmark = pytest.mark.usefixtures("records_design")

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`python -m summarizer ARGS` as a user runs it: a separate process, its own environment."""
    # The design the tests pin (records_design) is kept; every other setting is the process's own.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "SUMMARIZER_")) or k == "SUMMARIZER_EXTRACTION"
    }
    base["SUMMARIZER_STORE"] = str(cwd / "store.sqlite3")
    base["XDG_CACHE_HOME"] = str(cwd / "cache")
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        cwd=cwd, env={**base, **(env or {})}, input=stdin, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The whole stderr of a refused command: exactly one `summarizer: error:` line, never a traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("summarizer: error: "), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def meetings_json(tmp_path: Path) -> Path:
    path = tmp_path / "meetings.json"
    path.write_text(sample_document().model_dump_json(), encoding="utf-8")
    return path


# --- 1. user templates only read the context ----------------------------------------------------------

PWNED = "PWNED-by-template"
HOSTILE_TEMPLATES = {
    # pydantic's deprecated parse_raw unpickles what it is given: a pickle that runs a shell command.
    "parse_raw pickle": "{{ doc.parse_raw(PAYLOAD, proto='pickle', allow_pickle=True) }}",
    "meeting parse_raw": "{{ meetings[0].meeting.parse_raw(PAYLOAD, proto='pickle', allow_pickle=True) }}",
    "parse_file": "{{ doc.parse_file('/etc/passwd') }}",
    "model_validate_json": "{{ doc.model_validate_json('{}') }}",
    "model_dump": "{{ meetings[0].date.model_dump() }}",
    "class mro": "{{ doc.__class__.__mro__[1].__subclasses__() }}",
    "class via str": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals of a filter": "{{ (title|attr('upper')).__globals__ }}",
    "format string": "{{ '{0.__class__.__mro__}'.format(doc) }}",
    "format_map": "{{ '{x.__class__}'.format_map({'x': doc}) }}",
    "percent format": "{{ '%s' % doc.__class__ }}",
    "cycler globals": "{{ cycler.__init__.__globals__ }}",
    "joiner globals": "{{ joiner.__init__.__globals__['os'] }}",
    "namespace globals": "{{ namespace.__init__.__globals__ }}",
    "range globals": "{{ range.__self__ }}",
    "item access": "{{ doc['__class__'] }}{{ title['__class__'] }}",
    "callable attributes": "{{ meetings[0].title.upper.__self__.__class__ }}",
    "huge range": "{% for i in range(10**9) %}x{% endfor %}",
    "huge string": "{{ 'x' * 10**10 }}",
    "huge power": "{{ 10 ** 1000000000 }}",
    "lipsum": "{{ lipsum(n=10**8) }}",
    "huge center": "{{ 'x'.center(10**9) }}",
    "huge filter width": "{{ 'x' | indent(10**9) }}",
    "huge format width": "{{ '{:>999999999}'.format(1) }}",
    "huge percent width": "{{ '%999999999d' % 1 }}",
    "huge format filter": "{{ '%999999999d' | format(1) }}",
    "include passwd": "{% include '/etc/passwd' %}",
    "include missing": "{% include 'no-such-file.j2' %}",
    "import passwd": "{% import '/etc/passwd' as p %}",
    "extends passwd": "{% extends '/etc/passwd' %}",
    "from import": "{% from '../../etc/passwd' import x %}",
    "mutate the context": "{{ meetings.append(1) }}{{ status_colors.clear() }}",
    "division by zero": "{{ 1 / 0 }}",
    "bad date": "{{ as_of.replace(year=0) }}",
}


def _pickle_payload(marker: Path) -> str:
    import pickle

    class Run:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"echo {PWNED} > {marker}",))

    return pickle.dumps(Run(), protocol=0).decode("latin-1")


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_a_hostile_template_runs_no_code_reads_no_file_and_fails_in_one_line(
    name: str, tmp_path: Path, meetings_json: Path
) -> None:
    marker = tmp_path / "pwned"
    payload = _pickle_payload(marker)
    template = tmp_path / "evil.j2"
    template.write_text("{% set PAYLOAD = " + repr(payload) + " %}" + HOSTILE_TEMPLATES[name], "utf-8")
    result = cli("brief", str(meetings_json), "--template", str(template), cwd=tmp_path, timeout=60)
    assert not marker.exists(), f"{name}: the template ran a shell command"
    assert "root:" not in result.stdout + result.stderr, f"{name}: the template read /etc/passwd"
    assert "<class" not in result.stdout + result.stderr, f"{name}: the template reached a class"
    line = one_line_error(result)
    assert "template" in line


def test_a_template_still_reads_everything_in_the_context(tmp_path: Path, meetings_json: Path) -> None:
    template = tmp_path / "ok.j2"
    template.write_text(
        "{{ doc.generated_by }}|{% for m in meetings %}{{ m.title }}:{{ m.date | format_date }}:"
        "{{ m['status'] }}:{% for c in m.conflicts %}{{ c.values | join(',') }}{% endfor %};{% endfor %}|"
        "{% for a in articles %}{% for s in a.segments %}{{ s.link.anchor if s.link else '' }}{% endfor %}"
        "{% endfor %}|{{ timeline.marks | map(attribute='is_bar') | list }}|{{ as_of | long_date }}|"
        "{% for k, v in status_colors.items() %}{{ k }}{% endfor %}|{{ range(3) | list }}|"
        "{{ 'a-b'.split('-') }}",
        "utf-8",
    )
    result = cli("brief", str(meetings_json), "--template", str(template), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("test|Coalition of the Willing meeting on Ukraine:10–11 July 2025:scheduled:")
    assert "Rome, Italy (001),Northwood" in out, "a conflict's `values` is its field, not the dict method"
    assert "meeting-cotw-2025" in out, "a segment's link property is data too"
    assert "[False" in out or "[True" in out
    assert "7 July 2025|announcedscheduledheldpostponedcancelled|[0, 1, 2]|['a', 'b']" in out


# --- 2. --out never replaces what it points at ---------------------------------------------------------


def _brief_to(out: str, cwd: Path, meetings_json: Path) -> subprocess.CompletedProcess[str]:
    return cli("brief", str(meetings_json), "--format", "md", "--out", out, cwd=cwd)


def test_out_to_a_fifo_writes_through_to_its_reader(tmp_path: Path, meetings_json: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    result = _brief_to(str(fifo), tmp_path, meetings_json)
    try:
        received, _ = reader.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        reader.kill()
        reader.communicate()
        pytest.fail("the FIFO's reader got no end of file: the FIFO was replaced")
    assert result.returncode == 0, result.stderr
    assert received.startswith("# Meeting briefing"), received[:200]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO"
    assert not list(tmp_path.glob(".pipe.*")), "no temp file is left beside it"


def test_out_through_a_symlink_to_a_char_device_keeps_the_device(tmp_path: Path, meetings_json: Path) -> None:
    null = Path("/dev/null")
    assert stat.S_ISCHR(os.stat(null).st_mode)
    link = tmp_path / "sink"
    link.symlink_to(null)
    result = _brief_to(str(link), tmp_path, meetings_json)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode), "/dev/null is still a character device"
    assert link.is_symlink() and os.readlink(link) == str(null)
    assert result.stdout == ""


def test_out_dev_stdout_and_dash_reach_standard_output(tmp_path: Path, meetings_json: Path) -> None:
    for target in ("-", "/dev/stdout"):
        result = _brief_to(target, tmp_path, meetings_json)
        assert result.returncode == 0, (target, result.stderr)
        assert result.stdout.startswith("# Meeting briefing"), target
    assert not (tmp_path / "-").exists()


def test_out_through_a_symlink_to_a_file_replaces_the_target_and_keeps_the_link(
    tmp_path: Path, meetings_json: Path
) -> None:
    real = tmp_path / "real.md"
    real.write_text("old\n", "utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = _brief_to(str(link), tmp_path, meetings_json)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink(), "the link is followed, not replaced"
    assert real.read_text("utf-8").startswith("# Meeting briefing")


def test_out_to_a_directory_names_the_directory(tmp_path: Path, meetings_json: Path) -> None:
    target = tmp_path / "adir"
    target.mkdir()
    line = one_line_error(_brief_to(str(target), tmp_path, meetings_json))
    assert f"{target}: Is a directory" in line and ".tmp" not in line
    assert list(target.iterdir()) == []


def test_run_out_that_is_a_file_is_refused_before_any_model_request(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    existing = tmp_path / "out.txt"
    existing.write_text("keep me\n", "utf-8")
    with FakeOpenAI(responder=meeting_responder) as srv:
        result = cli("run", "in", "--out", str(existing), "--base-url", srv.base_url, "--model", "m",
                     cwd=tmp_path)  # fmt: skip
        calls = srv.count
    line = one_line_error(result)
    assert str(existing) in line
    assert calls == 0, "nothing is paid for when the output cannot be written"
    assert existing.read_text("utf-8") == "keep me\n"


def test_extract_out_that_is_a_directory_is_refused_before_any_model_request(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 1)
    (tmp_path / "rows").mkdir()
    with FakeOpenAI(responder=meeting_responder) as srv:
        result = cli("extract", "in", "--out", "rows", "--base-url", srv.base_url, "--model", "m",
                     cwd=tmp_path)  # fmt: skip
        calls = srv.count
    assert "rows: Is a directory" in one_line_error(result)
    assert calls == 0


# --- 3. the cache key is the request ---------------------------------------------------------------------

NEXT_THURSDAY = (
    "Leaders of the coalition will meet next Thursday in Paris for talks on support for Ukraine.\n\n"
    "The meeting was announced by the French presidency, officials said.\n"
)


def thursday_responder(request: dict[str, Any]) -> str:
    """A model that reads the meeting's date as the article says it: "next Thursday"."""
    answer = meeting_answer(
        "Coalition talks in Paris", date_text="next Thursday", city="Paris", status="announced"
    )
    return json_answer({"meetings": [answer], "quotes": []})


def test_the_same_text_on_two_dates_is_two_requests_and_two_dates_across_runs(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "early.txt").write_text(" date 2025-03-03\n" + NEXT_THURSDAY, "utf-8")
    (inputs / "late.txt").write_text(" date 2025-03-17\n" + NEXT_THURSDAY, "utf-8")
    for run, expected_calls in ((1, 2), (2, 0)):
        out = tmp_path / f"out{run}"
        with FakeOpenAI(responder=thursday_responder) as srv:
            result = cli("run", "in", "--out", str(out), "--base-url", srv.base_url, "--model", "m",
                         cwd=tmp_path)  # fmt: skip
            calls = srv.count
        assert result.returncode == 0, result.stderr
        assert calls == expected_calls, f"run {run}: one request per publication date, none from the store"
        rows = {r["article"]["id"]: r for r in rows_of(out / "extractions.jsonl")}
        dates = {ident: row["meetings"][0]["date"]["start"] for ident, row in rows.items()}
        assert dates == {"early": "2025-03-13", "late": "2025-03-27"}, run
        assert not any("same text" in w for row in rows.values() for w in row["warnings"])
        doc = json.loads((out / "meetings.json").read_text("utf-8"))
        by_date = {m["date"]["start"]: {s["article_id"] for s in m["sources"]} for m in doc["meetings"]}
        assert by_date == {"2025-03-13": {"early"}, "2025-03-27": {"late"}}, run


# --- 4. the exact secrets in use never reach an output; place names are not secrets --------------------

KEY = "live-7Hq2v9ZkX4mP0aLr8s"  # a key that does not start with sk-
PASSWORD = "pa55-w0rd-Kq81"
ORG = "acme-org-2b7f9c1d"
COOKIE = "c00kie-5f1d2c0a9b"


def echo_headers(request: Request) -> Response:
    """A server that refuses every request and echoes what it was sent, credentials and all."""
    sent = "; ".join(f"{k}: {v}" for k, v in sorted(request.headers.items()))
    token = request.headers.get("authorization", "").split(" ", 1)[-1]
    cookie = request.headers.get("cookie", "")
    status = 401 if marker_of(request.json()) == "ART-000" else 500
    refused = Response.error(status, f"rejected {token} {cookie} ({sent})", type="invalid_request_error")
    refused.headers["Set-Cookie"] = f"session={COOKIE}; Path=/"
    return refused


def test_the_key_url_password_and_org_id_reach_no_output_and_place_names_survive(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    write_articles(inputs, 2)
    (inputs / "000.txt").rename(inputs / "Minsk-agreements.txt")
    (inputs / "001.txt").rename(inputs / "Gdansk Donetsk Kursk.txt")
    env = {"OPENAI_API_KEY": KEY, "OPENAI_ORG_ID": ORG}
    with FakeOpenAI() as srv:
        srv.add_route("POST", "/v1/chat/completions", echo_headers)
        plain = ("--base-url", srv.base_url, "--model", "m", "--max-retries", "0")
        run = cli("run", "in", "--out", "out", *plain, "--concurrency", "1", "-v", cwd=tmp_path, env=env)
        brief = cli("brief", "--store", "--format", "html", "--out", "b.html", cwd=tmp_path, env=env)
        # Credentials in the URL: the HTTP client sends them as basic auth, which the server echoes too.
        url = srv.base_url.replace("://", f"://alice:{PASSWORD}@")
        common = ("--base-url", url, "--model", "m")
        doctor = cli("doctor", *common, cwd=tmp_path, env=env)
        one_at_a_time = ("--max-retries", "0", "--concurrency", "1")
        extract = cli("extract", "in", "--out", "rows.jsonl", *common, *one_at_a_time, cwd=tmp_path, env=env)
        basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        sent = [h.get("authorization", "") for h in srv.headers_seen]
    assert f"Bearer {KEY}" in sent and f"Basic {basic}" in sent, "the server saw (and echoed) both"
    assert run.returncode == 1 and extract.returncode == 1, run.stderr
    assert brief.returncode == 0 and doctor.returncode == 0, brief.stderr + doctor.stderr
    printed = "".join(r.stdout + r.stderr for r in (run, brief, doctor, extract))
    assert "Traceback" not in printed
    for secret in (KEY, PASSWORD, ORG, basic, COOKIE):
        assert secret not in printed, secret
        for path in tmp_path.rglob("*"):
            if path.is_file() and path.suffix != ".txt":
                assert secret.encode() not in path.read_bytes(), (secret, path)
    rows = rows_of(tmp_path / "out" / "extractions.jsonl")
    assert [r["article"]["source"].rsplit("/", 1)[-1] for r in rows] == [
        "Gdansk Donetsk Kursk.txt",
        "Minsk-agreements.txt",
    ]
    assert all("[redacted]" in r["error"] for r in rows), "the echoed key is replaced, not dropped"
    assert "Minsk-agreements" in run.stderr and "Gdansk_Donetsk_Kursk" in run.stderr
    assert "[redacted]" not in "".join(r["article"]["source"] + r["article"]["id"] for r in rows)
    assert f"{srv.base_url}" in doctor.stdout, "doctor shows the server without its credentials"


def test_redaction_leaves_place_names_and_words_alone_and_catches_key_shapes() -> None:
    from summarizer.errors import redact

    words = ["Minsk-agreements.txt", "Gdansk-2025-shipyard-strike-report.txt", "Donetsk", "Kursk-region"]
    words += ["the flag bearer Jonathan", "Basic Instructions", "ask-for-a-ceasefire-now-and-forever"]
    for text in words:
        assert redact(text) == text
    assert redact("key sk-proj-AbCdEfGhIjKlMnOpQrStUv12") == "key [redacted]"
    assert redact("Authorization: Bearer abc123def456ghi789jkl") == "Authorization: [redacted]"
    assert redact("see http://bob:hunter2@example.org/v1") == "see http://[redacted]@example.org/v1"


# --- 5. JSON Lines end at "\n" only --------------------------------------------------------------------

ODD_BREAKS = "\u2028\u2029\x85"


def test_odd_line_breaks_inside_jsonl_strings_stay_inside_their_record(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    records = [
        {
            "id": f"rec{n}",
            "published": "2025-03-03",
            "text": article_text(n).replace(" on Monday", ODD_BREAKS),
        }
        for n in range(3)
    ]
    (inputs / "feed.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
    )
    # A source path with a line separator in it reaches extractions.jsonl unescaped, as JSON allows.
    (inputs / f"odd{ODD_BREAKS}name.txt").write_text(article_text(7), "utf-8")
    with FakeOpenAI(responder=meeting_responder) as srv:
        run = cli("run", "in", "--out", "out", "--base-url", srv.base_url, "--model", "m", cwd=tmp_path)
        calls = srv.count
    assert run.returncode == 0, run.stderr
    assert calls == 4, "three records and one file: four articles, four requests"
    raw = (tmp_path / "out" / "extractions.jsonl").read_text("utf-8")
    assert "\u2028" in raw, "the writer keeps the character unescaped (so the readers must cope)"
    rows = [json.loads(line) for line in raw.split("\n") if line]
    assert sorted(r["article"]["id"] for r in rows) == ["oddname", "rec0", "rec1", "rec2"]
    assert all(r["status"] == "ok" for r in rows)
    consolidated = cli("consolidate", "out/extractions.jsonl", "--out", "m.json", cwd=tmp_path)
    assert consolidated.returncode == 0, consolidated.stderr
    doc = json.loads((tmp_path / "m.json").read_text("utf-8"))
    assert len(doc["articles"]) == 4
    assert any(ODD_BREAKS in a["source"] for a in doc["articles"])


def test_a_batch_result_file_with_odd_line_breaks_in_a_body_keeps_every_answer() -> None:
    from summarizer.extract.batch import parse_results

    lines = [
        {"custom_id": f"a|0|{n}", "response": {"status_code": 200, "body": {"text": f"x{ODD_BREAKS}y{n}"}}}
        for n in range(3)
    ]
    data = "".join(json.dumps(line, ensure_ascii=False) + "\r\n" for line in lines).encode()
    bodies, errors = parse_results(data)
    assert sorted(bodies) == ["a|0|0", "a|0|1", "a|0|2"] and errors == {}
    assert bodies["a|0|1"]["text"] == f"x{ODD_BREAKS}y1"


def test_json_and_jsonl_files_with_a_utf8_bom_are_read(tmp_path: Path, meetings_json: Path) -> None:
    bom = b"\xef\xbb\xbf"
    meetings_json.write_bytes(bom + meetings_json.read_bytes())
    brief = cli("brief", str(meetings_json), "--format", "md", cwd=tmp_path)
    assert brief.returncode == 0, brief.stderr
    assert brief.stdout.startswith("# Meeting briefing")
    write_articles(tmp_path / "in", 1)
    with FakeOpenAI(responder=meeting_responder) as srv:
        run = cli(
            "extract", "in", "--out", "rows.jsonl", "--base-url", srv.base_url, "--model", "m", cwd=tmp_path
        )
    assert run.returncode == 0, run.stderr
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(bom + rows.read_bytes().replace(b"\n", b"\r\n"))
    consolidated = cli("consolidate", str(rows), "--out", "m.json", cwd=tmp_path)
    assert consolidated.returncode == 0, consolidated.stderr
    assert len(json.loads((tmp_path / "m.json").read_text("utf-8"))["meetings"]) == 1


# --- 6. odd input is an input error or a failed article, never an internal error -------------------------


def last_week_responder(request: dict[str, Any]) -> str:
    answer = meeting_answer("Coalition talks", date_text="last week", date="0001-01-01", city="Paris")
    return json_answer({"meetings": [answer], "quotes": []})


def test_dates_at_the_ends_of_the_calendar_are_unknown_not_a_crash(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "first.txt").write_text(
        " date 0001-01-01\n" + NEXT_THURSDAY.replace("next Thursday", "last week")
    )
    (inputs / "last.txt").write_text(" date 9999-12-31\n" + NEXT_THURSDAY)
    with FakeOpenAI(responder=last_week_responder) as srv:
        run = cli("run", "in", "--out", "out", "--base-url", srv.base_url, "--model", "m", cwd=tmp_path)
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert run.returncode == 0, run.stderr
    rows = {r["article"]["id"]: r for r in rows_of(tmp_path / "out" / "extractions.jsonl")}
    assert rows["first"]["meetings"][0]["date"]["precision"] == "unknown"
    assert (tmp_path / "out" / "briefing.html").exists()


def test_meetings_at_the_end_of_the_calendar_render_in_every_format(tmp_path: Path) -> None:
    doc = sample_document()
    ends = [
        {"start": "9999-12-31", "precision": "week"},
        {"start": "9999-12-01", "precision": "month"},
        {"start": "9999-12-31", "precision": "day"},
        {"start": "0001-01-01", "precision": "week"},
    ]
    data = json.loads(doc.model_dump_json())
    for meeting, date in zip(data["meetings"], ends, strict=True):
        meeting["date"] = date
    path = tmp_path / "ends.json"
    path.write_text(json.dumps(data), "utf-8")
    formats = [["--format", f] for f in ("md", "html", "json", "ics", "csv", "quotes-csv")]
    for args in [*formats, ["--since", "9999-12-30"]]:
        result = cli("brief", str(path), *args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        assert "internal error" not in result.stderr
    html = cli("brief", str(path), "--format", "html", cwd=tmp_path).stdout
    assert "week of 31 December 9999" in html
    ics = cli("brief", str(path), "--format", "ics", cwd=tmp_path).stdout
    assert "DTSTART;VALUE=DATE:99991231" in ics and "DURATION:P1D" in ics


def test_a_damaged_store_is_a_one_line_error_or_a_cache_miss(tmp_path: Path) -> None:
    import sqlite3

    write_articles(tmp_path / "in", 2)
    store = tmp_path / "store.sqlite3"
    with FakeOpenAI(responder=meeting_responder) as srv:
        args = ("run", "in", "--out", "out", "--base-url", srv.base_url, "--model", "m")
        assert cli(*args, cwd=tmp_path).returncode == 0
        with sqlite3.connect(store) as db:  # a damaged row: a miss, asked again
            db.execute("UPDATE extractions SET result = '{\"article\": 1' WHERE rowid = 1")
            db.execute("UPDATE documents SET body = 'not json'")
        before = srv.count
        again = cli(*args, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert srv.count - before == 1, "the damaged article is asked again, the other comes from the store"
        with sqlite3.connect(store) as db:
            db.execute("UPDATE documents SET body = 'not json'")
        assert "damaged" in one_line_error(cli("brief", "--store", cwd=tmp_path))
        # Damaged pages: the file's middle overwritten.
        with sqlite3.connect(store) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = bytearray(store.read_bytes())
        data[4096 : len(data)] = b"\xa5" * (len(data) - 4096)
        store.write_bytes(bytes(data))
        line = one_line_error(cli(*args, cwd=tmp_path))
        assert str(store) in line


# --- 7. invisible characters and bidi controls -------------------------------------------------------------

INVISIBLE_ARTICLE = (
    " date 2025-03-03\n"
    "Leaders of the coalition met in Paris on Monday for talks on support for Ukraine.\n\n"
    "\u201cWe want co\u00adoperation,\u200f not con\u200dfron\u200btation,\u201d the host said after the "
    "talks.\n"
)


def invisible_quote_responder(request: dict[str, Any]) -> str:
    answer = meeting_answer("Coalition talks in Paris", city="Paris")
    quote = {"text": "We want cooperation, not confrontation", "speaker": "the host", "meeting": 0}
    return json_answer({"meetings": [answer], "quotes": [quote]})


def test_a_short_quote_matches_across_invisible_format_characters(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(INVISIBLE_ARTICLE, "utf-8")
    with FakeOpenAI(responder=invisible_quote_responder) as srv:
        run = cli("run", "in", "--out", "out", "--base-url", srv.base_url, "--model", "m", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    [row] = rows_of(tmp_path / "out" / "extractions.jsonl")
    [quote] = row["quotes"]
    assert quote["match"] == "normalized", quote
    doc = json.loads((tmp_path / "out" / "meetings.json").read_text("utf-8"))
    text = doc["articles"][0]["text"]
    assert (
        text[quote["start"] : quote["end"]]
        == "We want co\u00adoperation,\u200f not con\u200dfron\u200btation"
    )


def test_bidi_controls_cannot_reorder_a_briefing(tmp_path: Path) -> None:
    doc = sample_document()
    spoof = "Summit on \u202etxt.exe\u202c and \u2066isolated\u2069 talks"
    data = json.loads(doc.model_dump_json())
    data["meetings"][0]["title"] = spoof
    data["articles"][0]["title"] = spoof
    path = tmp_path / "bidi.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    for fmt in ("html", "md"):
        result = cli("brief", str(path), "--format", fmt, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert not any(
            c in result.stdout for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ), fmt
        shown = result.stdout.replace("\\[", "[").replace("\\]", "]")  # Markdown escapes the brackets
        assert "[U+202E]txt.exe[U+202C]" in shown, fmt
    template = tmp_path / "t.j2"
    template.write_text("{% for m in meetings %}{{ m.title }}{% endfor %}", "utf-8")
    own = cli("brief", str(path), "--template", str(template), "--format", "html", cwd=tmp_path)
    assert "\u202e" not in own.stdout and "[U+202E]" in own.stdout


# --- 8. a cancelled batch stays cancelled --------------------------------------------------------------


def test_a_stale_cancelling_never_overwrites_a_recorded_cancelled(tmp_path: Path) -> None:
    """The race behind the flaky cancel test: the running job records "cancelled" from its poll, then the
    `batches --cancel` command records the "cancelling" the provider had answered it a moment before."""
    from summarizer.store import BatchRecord, Store

    now = "2025-01-01T00:00:00+00:00"
    record = BatchRecord("batch-1", now, now, "in_progress", "http://127.0.0.1:1/v1", "m", "f", "file-1",
                         None, None, 3, 0, 0, None)  # fmt: skip
    with Store(tmp_path / "s.sqlite3") as store:
        store.add_batch(record, [], [])
        store.update_batch("batch-1", state="cancelled", completed=0, failed=3)
        store.update_batch("batch-1", state="cancelling", completed=0, failed=0)
        after = store.get_batch("batch-1")
        assert after is not None and (after.state, after.failed) == ("cancelled", 3)
        store.update_batch("batch-1", state="in_progress")
        assert store.get_batch("batch-1").state == "cancelled"  # type: ignore[union-attr]


def test_a_template_that_is_not_utf8_is_a_one_line_error(tmp_path: Path, meetings_json: Path) -> None:
    template = tmp_path / "latin1.j2"
    template.write_bytes("{{ title }} \u2014 caf\xe9".encode("latin-1", errors="replace"))
    line = one_line_error(cli("brief", str(meetings_json), "--template", str(template), cwd=tmp_path))
    assert "latin1.j2" in line and "UTF-8" in line


def test_the_cache_key_follows_every_part_of_the_request_and_the_engine() -> None:
    from summarizer.config import Config
    from summarizer.extract.rows import plan_article
    from summarizer.models import Article
    from summarizer.prompting import load_prompt

    def key(article: Article, config: Config) -> str:
        planned = plan_article(article, config, load_prompt("extract-records"))
        assert isinstance(planned, tuple)
        return planned[1]

    text = NEXT_THURSDAY
    article = Article(id="a", source="a.txt", sha256="0" * 64, published=dt.date(2025, 3, 3), text=text)
    config = Config.build(base_url="http://127.0.0.1:9/v1", model="m", env={})
    keys = {
        key(article, config),
        key(article.model_copy(update={"published": dt.date(2025, 3, 17)}), config),
        key(article, config.with_(model="other")),
        key(article, config.with_(temperature=0.5)),
        key(article, config.with_(max_response_tokens=2048)),
        key(article, config.with_(engine="another-engine 2.0")),
    }
    assert len(keys) == 6
    # What the request does not carry does not split the cache: the id and the file name.
    assert key(article.model_copy(update={"id": "b", "source": "b.txt"}), config) == key(article, config)


def test_a_store_path_that_is_a_fifo_or_directory_is_refused(tmp_path: Path, meetings_json: Path) -> None:
    fifo = tmp_path / "store.fifo"
    os.mkfifo(fifo)
    for store in (fifo, tmp_path):
        try:
            result = cli("brief", "--store", "--store-path", str(store), cwd=tmp_path, timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{store}: opening the store blocked")
        assert "not a regular file" in one_line_error(result)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.glob("store.fifo*")) == ["store.fifo"], "nothing written beside it"
