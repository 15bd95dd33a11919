"""Weights: queries bound to a searcher's statistics, evaluated one segment at a time.

Ownership follows Lucene's split: the `Weight` holds what depends on the whole snapshot
(idf from live document frequencies, average field lengths); `SegmentContext` holds what
depends on one segment (its reader, the per-document length norms). `Weight.matches` returns
the segment's matching doc numbers (ascending) with their scores, computed set-at-a-time
with numpy over whole postings arrays. Deleted documents are removed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ..scoring import Bm25Params, FieldStats, StatsProvider, idf, length_norms, term_scores
from ..segment.reader import SegmentReader
from .ast import BooleanQuery, MatchAllQuery, Query, TermQuery

_EMPTY_DOCS = np.zeros(0, dtype=np.uint32)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SegmentMatches:
    """Matching doc numbers of one segment (ascending) and their scores, aligned."""

    docs: npt.NDArray[np.uint32]
    scores: npt.NDArray[np.float64]

    @classmethod
    def empty(cls) -> SegmentMatches:
        return cls(_EMPTY_DOCS, _EMPTY_SCORES)


class SegmentContext:
    """One segment as seen by one searcher: its reader plus cached length norms per field."""

    def __init__(self, reader: SegmentReader, ordinal: int, stats: StatsProvider, params: Bm25Params) -> None:
        self.reader = reader
        self.ordinal = ordinal
        self._stats = stats
        self.params = params
        self._norms: dict[str, npt.NDArray[np.float64]] = {}

    @property
    def doc_count(self) -> int:
        return self.reader.doc_count

    def norms(self, field: str) -> npt.NDArray[np.float64]:
        norms = self._norms.get(field)
        if norms is None:
            avg = self._stats.field_stats(field).avg_field_len
            norms = length_norms(self.reader.field_lengths(field), avg, self.params)
            self._norms[field] = norms
        return norms


class Weight(Protocol):
    def matches(self, segment: SegmentContext) -> SegmentMatches: ...


@dataclass(frozen=True, slots=True)
class TermWeight:
    """BM25 for one term of one field: ``boost * idf`` is fixed for the whole snapshot."""

    query: TermQuery
    weight: float
    doc_freq: int
    field_stats: FieldStats

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        postings = segment.reader.term_postings(self.query.field, self.query.term)
        if postings is None:
            return SegmentMatches.empty()
        norms = segment.norms(self.query.field)[postings.docs]
        scores = term_scores(self.weight, postings.tfs, norms, segment.params.k1)
        return SegmentMatches(postings.docs, scores)


@dataclass(frozen=True, slots=True)
class MatchAllWeight:
    boost: float

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        docs = np.arange(segment.doc_count, dtype=np.uint32)
        return SegmentMatches(docs, np.full(len(docs), self.boost, dtype=np.float64))


@dataclass(frozen=True, slots=True)
class BooleanWeight:
    must: tuple[Weight, ...]
    should: tuple[Weight, ...]
    must_not: tuple[Weight, ...]
    filter: tuple[Weight, ...]
    boost: float

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        n = segment.doc_count
        scores = np.zeros(n, dtype=np.float64)
        required = len(self.must) + len(self.filter)
        if required:
            count = np.zeros(n, dtype=np.int32)
            for clause in self.must:
                m = clause.matches(segment)
                scores[m.docs] += m.scores
                count[m.docs] += 1
            for clause in self.filter:
                count[clause.matches(segment).docs] += 1
            hit = count == required
        elif self.should:
            hit = np.zeros(n, dtype=bool)
        else:
            hit = np.ones(n, dtype=bool)  # pure negation: everything not excluded
        for clause in self.should:
            m = clause.matches(segment)
            if required:
                scores[m.docs] += m.scores
            else:
                scores[m.docs] += m.scores
                hit[m.docs] = True
        for clause in self.must_not:
            hit[clause.matches(segment).docs] = False
        docs = np.flatnonzero(hit).astype(np.uint32)
        result = scores[docs]
        if self.boost != 1.0:
            result *= self.boost
        return SegmentMatches(docs, result)


def create_weight(query: Query, stats: StatsProvider, params: Bm25Params, boost: float = 1.0) -> Weight:
    """Bind `query` to the statistics of a snapshot."""
    if isinstance(query, TermQuery):
        field_stats = stats.field_stats(query.field)
        df = stats.doc_freq(query.field, query.term)
        w = boost * query.boost * idf(df, field_stats.doc_count)
        return TermWeight(query, w, df, field_stats)
    if isinstance(query, MatchAllQuery):
        return MatchAllWeight(boost * query.boost)
    if isinstance(query, BooleanQuery):
        def bind(clauses: tuple[Query, ...]) -> tuple[Weight, ...]:
            return tuple(create_weight(c, stats, params) for c in clauses)

        return BooleanWeight(
            must=bind(query.must),
            should=bind(query.should),
            must_not=bind(query.must_not),
            filter=bind(query.filter),
            boost=boost * query.boost,
        )
    raise TypeError(f"not a query: {query!r}")


