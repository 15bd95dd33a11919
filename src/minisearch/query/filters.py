"""Filters: keyword values and numeric ranges, as doc sets that add nothing to the score.

They are evaluated from the index structures directly (keyword postings, the numeric
column), and a `BooleanQuery` applies them before scores are kept, so a filtered-out
document can never come back whatever its score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ast import KeywordQuery, RangeQuery
from .explain import Explanation
from .weight_base import SegmentContext, SegmentMatches


@dataclass(frozen=True, slots=True)
class KeywordWeight:
    query: KeywordQuery

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        postings = segment.reader.term_postings(self.query.field, self.query.value)
        if postings is None:
            return SegmentMatches.empty()
        docs = postings.docs
        return SegmentMatches(docs, np.zeros(len(docs), dtype=np.float64))

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        docs = self.matches(segment).docs
        if not np.isin(doc, docs):
            return None
        return Explanation(0.0, f"filter {self.query.field}:{self.query.value} (no score)")


@dataclass(frozen=True, slots=True)
class RangeWeight:
    query: RangeQuery

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        q = self.query
        values, _ = segment.reader.numeric_values(q.field)
        mask = segment.reader.numeric_present(q.field).copy()
        if q.lower is not None:
            mask &= values >= q.lower if q.include_lower else values > q.lower
        if q.upper is not None:
            mask &= values <= q.upper if q.include_upper else values < q.upper
        docs = np.flatnonzero(mask).astype(np.uint32)
        return SegmentMatches(docs, np.zeros(len(docs), dtype=np.float64))

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        if not np.isin(doc, self.matches(segment).docs):
            return None
        q = self.query
        low = "[" if q.include_lower else "{"
        high = "]" if q.include_upper else "}"
        lower = "*" if q.lower is None else q.lower
        upper = "*" if q.upper is None else q.upper
        bounds = f"{low}{lower} TO {upper}{high}"
        return Explanation(0.0, f"filter {q.field}:{bounds} (no score)")
