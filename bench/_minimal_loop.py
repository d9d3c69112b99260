"""The baseline for bench/overhead.py: the least code that asks a model for LLMExtraction per article.

Usage: python bench/_minimal_loop.py DIR OUT.jsonl BASE_URL CONCURRENCY

AsyncOpenAI + asyncio.Semaphore, one json_schema request per article with the same schema and system
prompt as summarizer, parsed with LLMExtraction.model_validate_json, one JSONL line per article.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from openai import AsyncOpenAI

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from summarizer.models import LLMExtraction

PROMPT = Path(__file__).resolve().parent.parent / "summarizer" / "prompts" / "extract.md"


async def main(directory: str, out: str, base_url: str, concurrency: int) -> None:
    system = PROMPT.read_text(encoding="utf-8").split("## system\n", 1)[1].split("## user\n", 1)[0]
    schema = {"name": "LLMExtraction", "schema": LLMExtraction.model_json_schema()}
    client = AsyncOpenAI(base_url=base_url, api_key="sk-none")
    gate = asyncio.Semaphore(concurrency)

    async def one(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        async with gate:
            resp = await client.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": system}, {"role": "user", "content": text}],
                response_format={"type": "json_schema", "json_schema": schema},  # type: ignore[typeddict-item]
                temperature=0,
            )
        answer = LLMExtraction.model_validate_json(resp.choices[0].message.content or "{}")
        return json.dumps({"source": str(path), **answer.model_dump(mode="json")})

    lines = await asyncio.gather(*(one(p) for p in sorted(Path(directory).glob("*.txt"))))
    Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
