"""Extraction: ask for each prepared article's meetings, online or through a Batch API, and ground them."""

from .article import (
    RULES,
    Answer,
    answer_model,
    cache_key,
    chunk_answer_model,
    chunk_messages,
    extract_prepared,
    ground_chunk,
    join_chunks,
    load_design_prompt,
    schema_version,
)

__all__ = [
    "RULES",
    "Answer",
    "answer_model",
    "cache_key",
    "chunk_answer_model",
    "chunk_messages",
    "extract_prepared",
    "ground_chunk",
    "join_chunks",
    "load_design_prompt",
    "schema_version",
]
