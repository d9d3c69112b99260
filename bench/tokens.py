"""Measure where prompt tokens go (article vs fixed overhead) and completion tokens per record.

Usage: python bench/tokens.py [--cassette PATH] [--no-write]

Reads the real model exchanges of the seeds recorded in the cassette (vcrpy YAML, recorded from the
embedded llama.cpp server, so `usage` is the server's own count) and counts the article's own tokens
(the seed text as sent: date header and site chrome stripped) with the model's tokenizer (llama_cpp
vocab_only on the GGUF in ~/.cache/summarizer/models; falls back to characters / 4 and says so).
Fixed overhead = prompt tokens - article tokens: the system prompt with its worked example, the chat
template, sentence numbers and the candidate-quote list. The JSON Schema travels in response_format
and becomes a grammar, not prompt text.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATE, MACHINE, ROOT, append_rows, command_line

MODEL = Path.home() / ".cache" / "summarizer" / "models" / "qwen2.5-coder-1.5b.gguf"
CASSETTES = [
    ROOT / "cassettes" / "test_cassettes" / "test_seeds_end_to_end.yaml",
    ROOT / "cassettes" / "test_seeds_end_to_end.yaml",
]

SECTION = "## Tokens per article"
INTRO = """\
`python bench/tokens.py`: the five seeds' real exchanges with the embedded model (qwen2.5-coder-1.5b via llama.cpp; `usage` as the server counted it), read from the recorded cassette. Article tokens are the seed text as the tool sends it (date header and site chrome stripped), counted with the model's own tokenizer (llama_cpp, vocab_only). Overhead = prompt - article: the system prompt with its worked example, chat template, sentence numbers and candidate-quote list (the JSON Schema goes in response_format as a grammar, not as prompt text). Completion tokens per record divide the answer's tokens by the meeting records and quotes it holds."""  # noqa: E501
HEAD = (
    "| date | seed | article tok | prompt tok | overhead tok | of which system msg | prompt / article "
    "| completion tok | meetings | quotes | completion tok / record | tokenizer | machine | command |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
)


def tokenizer() -> tuple[object, str]:
    try:
        import llama_cpp

        llm = llama_cpp.Llama(model_path=str(MODEL), vocab_only=True, verbose=False)
        return (lambda text: len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))), "model"
    except Exception as exc:  # no llama_cpp or no model file: an estimate, stated as such
        print(f"tokenizer unavailable ({exc}); counting characters / 4", file=sys.stderr)
        return (lambda text: len(text) // 4), "chars/4"


def seed_texts() -> dict[str, str]:
    """Each seed's article text as the tool sends it: date header and site chrome stripped."""
    sys.path.insert(0, str(ROOT))
    from summarizer.models import Article
    from summarizer.sources import load_inputs

    return {item.id: item.text for item in load_inputs([str(ROOT / "seeds")]) if isinstance(item, Article)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cassette", type=Path)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    cassette = args.cassette or next((c for c in CASSETTES if c.exists()), None)
    if cassette is None:
        raise SystemExit(f"no cassette at {' or '.join(map(str, CASSETTES))}")

    import vcr.serializers.yamlserializer as yamlserializer
    from vcr.persisters.filesystem import FilesystemPersister

    requests, responses = FilesystemPersister.load_cassette(str(cassette), yamlserializer)
    count, kind = tokenizer()
    seeds = seed_texts()
    rows, stats = [], []
    for request, response in zip(requests, responses, strict=True):
        body = json.loads(request.body)
        answer = json.loads(response["body"]["string"])
        usage = answer.get("usage") or {}
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
        first = user.split("[1] ", 1)[1].split("\n", 1)[0][:60] if "[1] " in user else ""
        seed = next((name for name, text in seeds.items() if first and first in text), None)
        if seed is None:
            print(f"skipping a request whose article is not a seed: {first!r}", file=sys.stderr)
            continue
        content = json.loads(answer["choices"][0]["message"]["content"] or "{}")
        meetings, quotes = len(content.get("meetings") or []), len(content.get("quotes") or [])
        article = count(seeds[seed])  # type: ignore[operator]
        system_tokens = count(system)  # type: ignore[operator]
        prompt, completion = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
        per_record = completion / max(1, meetings + quotes)
        stats.append((article, prompt, completion, meetings + quotes))
        print(
            f"{seed}: article {article} tok, prompt {prompt} (overhead {prompt - article}, "
            f"system {system_tokens}), completion {completion} for {meetings} meetings + {quotes} quotes "
            f"= {per_record:.0f} tok/record"
        )
        rows.append(
            f"| {DATE} | {seed[:3]} | {article} | {prompt} | {prompt - article} | {system_tokens} "
            f"| {prompt / article:.2f} | {completion} | {meetings} | {quotes} | {per_record:.0f} | {kind} "
            f"| {MACHINE} | `{command_line()}` |"
        )
    overheads = [p - a for a, p, _, _ in stats]
    article_sum, prompt_sum = sum(a for a, *_ in stats), sum(p for _, p, _, _ in stats)
    completion_sum = sum(c for _, _, c, _ in stats)
    total_records = sum(r for *_, r in stats)
    summary = (
        f"median overhead {statistics.median(overheads):.0f} tok per request; prompt/article "
        f"{prompt_sum / article_sum:.2f}; completion {completion_sum / max(1, total_records):.0f} tok "
        f"per record over {total_records} records"
    )
    print(summary)
    if not args.no_write and rows:
        rows.append(
            f"| {DATE} | all {len(stats)} | {article_sum} | {prompt_sum} "
            f"| {sum(overheads)} (median {statistics.median(overheads):.0f}) | "
            f"| {prompt_sum / article_sum:.2f} "
            f"| {completion_sum} | | | {completion_sum / max(1, total_records):.0f} | {kind} | {MACHINE} "
            f"| `{command_line()}` |"
        )
        append_rows(SECTION, INTRO, HEAD, rows)


if __name__ == "__main__":
    main()
