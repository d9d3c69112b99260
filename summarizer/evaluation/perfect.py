"""The gold rewritten as pipeline output: every record, quote and cluster exactly right."""

from __future__ import annotations

from collections import defaultdict

from ..models import (
    ArticleExtraction,
    ArticleRef,
    KeyQuote,
    MatchKind,
    Meeting,
    MeetingParticipant,
    MeetingQuote,
    MeetingRecord,
    Participant,
    SourceRef,
    StatusChange,
)
from .gold import GoldArticle, GoldDocument, GoldMeeting, GoldQuote


def _record_from_gold(g: GoldMeeting) -> MeetingRecord:
    """The record a perfect extraction would give for a gold meeting (alternatives and notes dropped)."""
    return MeetingRecord(
        title=g.title,
        meeting_type=g.meeting_type,
        format=g.format,
        series=g.series,
        date=g.date.model_copy(),
        location=g.location.model_copy(),
        status=g.status,
        participants=[Participant(name=p.name, role=p.role, country=p.country) for p in g.participants],
        hosts=list(g.hosts),
    )


def _quote_match(q: GoldQuote) -> MatchKind:
    """An anchored gold quote is an exact slice of its article; one without a span is unverified."""
    return "exact" if q.start is not None else "unverified"


def _extraction_from_gold(article: GoldArticle) -> ArticleExtraction:
    """The article's extraction row: its records in gold order, its quotes tied to their records."""
    index = {m.key: i for i, m in enumerate(article.meetings)}
    quotes = [
        KeyQuote(
            text=q.text,
            speaker=q.speaker,
            speaker_role=q.speaker_role,
            meeting_index=None if q.meeting_key is None else index[q.meeting_key],
            start=q.start,
            end=q.end,
            match=_quote_match(q),
        )
        for q in article.quotes
    ]
    return ArticleExtraction(
        article=ArticleRef(
            id=article.id, source=f"gold:{article.id}", sha256="", published=article.published
        ),
        model="gold",
        meetings=[_record_from_gold(m) for m in article.meetings],
        quotes=quotes,
    )


def _meeting_from_gold(key: str, refs: list[tuple[GoldArticle, int]]) -> Meeting:
    """The meeting of one gold key, from its records (article, index) in gold order."""
    first = _record_from_gold(refs[0][0].meetings[refs[0][1]])
    participants: dict[str, MeetingParticipant] = {}
    linked: list[MeetingQuote] = []
    for article, i in refs:
        for p in article.meetings[i].participants:
            entry = participants.setdefault(
                p.name, MeetingParticipant(name=p.name, role=p.role, country=p.country)
            )
            entry.article_ids.append(article.id)
        for q in article.quotes:
            if q.meeting_key == key:
                linked.append(
                    MeetingQuote(
                        text=q.text,
                        speaker=q.speaker,
                        speaker_role=q.speaker_role,
                        start=q.start,
                        end=q.end,
                        match=_quote_match(q),
                        article_id=article.id,
                    )
                )
    return Meeting(
        id=key,
        title=first.title,
        meeting_type=first.meeting_type,
        format=first.format,
        series=first.series,
        date=first.date,
        location=first.location,
        status=first.status,
        status_history=[
            StatusChange(status=a.meetings[i].status, as_of=a.published, article_id=a.id) for a, i in refs
        ],
        participants=list(participants.values()),
        hosts=first.hosts,
        quotes=linked,
        sources=[SourceRef(article_id=a.id, meeting_index=i, published=a.published) for a, i in refs],
    )


def gold_as_predictions(gold: GoldDocument) -> tuple[list[ArticleExtraction], list[Meeting]]:
    """The gold rewritten as pipeline output: every record, quote and cluster exactly right."""
    by_key: dict[str, list[tuple[GoldArticle, int]]] = defaultdict(list)
    for article in gold.articles:
        for i, m in enumerate(article.meetings):
            by_key[m.key].append((article, i))
    extractions = [_extraction_from_gold(article) for article in gold.articles]
    meetings = [_meeting_from_gold(key, refs) for key, refs in by_key.items()]
    return extractions, meetings
