"""Merge the meeting records of many articles into one Meeting per real-world meeting, keeping provenance.

How it works, in four steps, each deterministic and independent of input order:

1. Every record of an ``ok`` row becomes an item with canonical people, place, series, type and a date
   interval (day, range, week and month precision; year-precision and undated records are handled in
   step 3 because they carry too little date evidence). Items get a stable order (date, article
   sha256, meeting index) that every tie-break below falls back to.
2. Dated items are blocked by (type family, 7-day bucket, tag). A pair is scored only if it shares a
   bucket and a series or a city, or two people, or one person or a country plus another tag, or the
   one tag either item has: near-linear in the number of records. Scored pairs are merged greedily,
   best first, under cluster-level constraints (compatible types, dates within ``DAY_TOLERANCE``, no
   two different records of one article, no two different named series; clusters in two countries,
   neither hybrid, need the strong side of the band).
3. Undated items attach to the single clearly best cluster when the other evidence (series, people,
   place, and the window their publication date allows) is strong and the place does not contradict,
   and otherwise cluster among themselves on the strong side of the band.
4. Each cluster is merged field by field with provenance (status history, sources, participants with
   article ids, quotes, evidence) and disagreements become ``conflicts``.

Scores fall in [0, 1]. Pairs scoring in the uncertain ``band`` go to the optional ``judge`` (at most once
per candidate pair, and candidate pairs are bounded by blocking); without a judge the band's midpoint
decides for dated pairs and its upper edge for undated ones.

Meeting ids are ``"m-"`` + 12 hex digits of sha256 over the cluster's *anchor*: the earliest-published
member record (its article's sha256 and meeting index). An article published later that joins the
meeting therefore leaves the id unchanged, which is the common case as news accumulates; the id only
changes when an earlier report joins or the anchor report disappears.
"""

from .cluster import DEFAULT_BAND, Judge
from .run import consolidate, consolidate_with_verdicts
from .score import DAY_TOLERANCE, pair_score

__all__ = [
    "DAY_TOLERANCE",
    "DEFAULT_BAND",
    "Judge",
    "consolidate",
    "consolidate_with_verdicts",
    "pair_score",
]
