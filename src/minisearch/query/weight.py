"""Weights for scored queries (term, phrase, boolean, match-all) and `create_weight`.

`create_weight` binds a query tree to a snapshot's statistics: term weights fix
``boost * idf`` once; prefix and fuzzy queries expand to term weights here (multiterm.py);
filters come from filters.py. Boolean evaluation uses dense per-segment arrays (a score
accumulator and a match count), so combining clauses costs O(segment size) with no Python
loop per posting. Scores of clauses are added in clause order, the same order the explain
tree uses, so explanation and score agree exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pyroaring import FrozenBitMap

from ..scoring import Bm25Params, FieldStats, StatsProvider, idf, term_scores
from .ast import (
    BooleanQuery,
    CombinedFieldQuery,
    FuzzyQuery,
    KeywordQuery,
    MatchAllQuery,
    PhraseQuery,
    PrefixQuery,
    Query,
    RangeQuery,
    TermQuery,
)
from .combined import CombinedFieldWeight
from .explain import Explanation
from .filters import KeywordWeight, RangeWeight
from .multiterm import expand_terms
from .phrase import phrase_freqs
from .weight_base import (
    SegmentContext,
    SegmentMatches,
    UnitPostings,
    Weight,
    find_doc,
    locate,
)


class SearchContext(StatsProvider, Protocol):
    """Statistics plus access to every segment's dictionary of a field (for expansion)."""

    def dictionaries(self, field: str) -> list[tuple[Sequence[str], npt.NDArray[Any]]]: ...

    def doc_freq_any(self, fields: Sequence[str], term: str) -> int: ...


def _bm25_details(
    weight: float,
    boost: float,
    idf_value: float,
    idf_desc: str,
    tf: float,
    dl: float,
    stats: FieldStats,
    params: Bm25Params,
) -> Explanation:
    norm = params.k1 * (1.0 - params.b + params.b * dl / stats.avg_field_len)
    tf_part = tf * (params.k1 + 1.0) / (tf + norm)
    return Explanation(
        weight * tf_part,
        "score, computed as boost * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))",
        (
            Explanation(boost, "boost"),
            Explanation(idf_value, idf_desc),
            Explanation(
                tf_part,
                "tf, computed as freq * (k1 + 1) / (freq + k1 * (1 - b + b * dl / avgdl))",
                (
                    Explanation(tf, "freq, occurrences of the term in the field"),
                    Explanation(params.k1, "k1, term saturation parameter"),
                    Explanation(params.b, "b, length normalization parameter"),
                    Explanation(dl, "dl, length of the field"),
                    Explanation(stats.avg_field_len, "avgdl, average length of the field"),
                ),
            ),
        ),
    )


@dataclass(slots=True)
class TermWeight:
    """BM25 for one term of one field: ``boost * idf`` is fixed for the whole snapshot."""

    query: TermQuery
    weight: float
    idf: float
    doc_freq: int
    field_stats: FieldStats

    @property
    def _key(self) -> tuple[str, str, str]:
        return ("bm25", self.query.field, self.query.term)

    def upper_bound(self, segment: SegmentContext) -> float:
        units = segment.cached_units(self._key)
        if units is not None:
            return units.peak
        postings = segment.reader.term_postings(self.query.field, self.query.term)
        if postings is None:
            return 0.0
        # BM25 grows with tf and shrinks with length: (max tf, min length) bounds every doc.
        entry, params = postings.entry, segment.params
        avg = segment.stats.field_stats(self.query.field).avg_field_len
        norm = params.k1 * (1.0 - params.b + params.b * (entry.min_len / avg))
        return entry.max_tf * (params.k1 + 1.0) / (entry.max_tf + norm)

    def probe(
        self, segment: SegmentContext, docs: npt.NDArray[np.uint32]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        field, term = self.query.field, self.query.term
        units = segment.cached_units(self._key)
        if units is not None:
            return units.probe(docs)
        postings = segment.reader.term_postings(field, term)
        if postings is None:
            return np.zeros(len(docs), dtype=bool), np.zeros(0, dtype=np.float64)
        at, hit = locate(postings.docs, docs)
        norms = segment.norms(field, docs[hit])
        return hit, term_scores(1.0, postings.tfs_at(at[hit]), norms, segment.params.k1)

    def unit_postings(self, segment: SegmentContext) -> UnitPostings:
        """Docs with the term and ``tf * (k1 + 1) / (tf + norm)`` for each (no idf, no boost)."""
        field, term = self.query.field, self.query.term

        def compute() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]] | None:
            postings = segment.reader.term_postings(field, term)
            if postings is None:
                return None
            docs = postings.docs
            norms = segment.norms(field, docs)
            return docs, term_scores(1.0, postings.tfs, norms, segment.params.k1)

        return segment.unit_postings(self._key, compute)

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        units = self.unit_postings(segment)
        return SegmentMatches(units.docs, self.weight * units.values)

    def doc_sets(self, segment: SegmentContext) -> list[FrozenBitMap]:
        postings = segment.reader.term_postings(self.query.field, self.query.term)
        return [] if postings is None else [postings.bitmap()]

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        postings = segment.reader.term_postings(self.query.field, self.query.term)
        if postings is None:
            return None
        at = find_doc(postings.docs, doc)
        if at is None:
            return None
        q = self.query
        detail = _bm25_details(
            self.weight,
            q.boost,
            self.idf,
            f"idf, computed as ln(1 + (N - df + 0.5) / (df + 0.5)) with N = "
            f"{self.field_stats.doc_count}, df = {self.doc_freq}",
            float(postings.tfs[at]),
            float(segment.reader.field_lengths(q.field)[doc]),
            self.field_stats,
            segment.params,
        )
        value = float(self.matches(segment).scores[at])
        return Explanation(value, f"weight({q.field}:{q.term})", detail.details)


@dataclass(frozen=True, slots=True)
class PhraseWeight:
    query: PhraseQuery
    weight: float
    idf: float
    field_stats: FieldStats

    def _freqs(
        self, segment: SegmentContext
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
        postings = []
        for term in self.query.terms:
            p = segment.reader.term_postings(self.query.field, term)
            if p is None:
                return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
            postings.append(p)
        return phrase_freqs(postings, self.query.offsets, self.query.slop)

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        docs, freqs = self._freqs(segment)
        norms = segment.norms(self.query.field, docs)
        return SegmentMatches(docs, term_scores(self.weight, freqs, norms, segment.params.k1))

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        docs, freqs = self._freqs(segment)
        at = find_doc(docs, doc)
        if at is None:
            return None
        q = self.query
        detail = _bm25_details(
            self.weight,
            q.boost,
            self.idf,
            "idf, the sum of the phrase terms' idf",
            float(freqs[at]),
            float(segment.reader.field_lengths(q.field)[doc]),
            self.field_stats,
            segment.params,
        )
        value = float(self.matches(segment).scores[at])
        slop = f"~{q.slop}" if q.slop else ""
        return Explanation(value, f'weight({q.field}:"{" ".join(q.terms)}"{slop})', detail.details)


@dataclass(frozen=True, slots=True)
class MatchAllWeight:
    boost: float

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        docs = np.arange(segment.doc_count, dtype=np.uint32)
        return SegmentMatches(docs, np.full(len(docs), self.boost, dtype=np.float64))

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        return Explanation(self.boost, "match all documents (constant score)")


@dataclass(slots=True)
class BooleanWeight:
    must: tuple[Weight, ...]
    should: tuple[Weight, ...]
    must_not: tuple[Weight, ...]
    filter: tuple[Weight, ...]
    boost: float

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        if self.should and not (self.must or self.filter or self.must_not):
            return self._disjunction(segment)
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
        else:
            # Only must_not clauses: everything they do not exclude (Lucene's *:* -a).
            hit = np.full(n, not self.should and bool(self.must_not), dtype=bool)
        for clause in self.should:
            m = clause.matches(segment)
            scores[m.docs] += m.scores
            if not required:
                hit[m.docs] = True
        for clause in self.must_not:
            hit[clause.matches(segment).docs] = False
        docs = np.flatnonzero(hit).astype(np.uint32)
        result = scores[docs]
        if self.boost != 1.0:
            result *= self.boost
        return SegmentMatches(docs, result)

    def _disjunction(self, segment: SegmentContext) -> SegmentMatches:
        """OR of scored clauses, sparse when the postings are few compared with the segment.

        `np.bincount` adds the weights in array order, that is clause by clause for each
        document, exactly as the dense accumulator does: both paths give identical floats.
        """
        parts = [clause.matches(segment) for clause in self.should]
        parts = [m for m in parts if len(m.docs)]
        if not parts:
            return SegmentMatches.empty()
        if len(parts) == 1:
            m = parts[0]
            return m if self.boost == 1.0 else SegmentMatches(m.docs, m.scores * self.boost)
        total = sum(len(m.docs) for m in parts)
        docs: npt.NDArray[Any]
        summed: npt.NDArray[np.float64]
        if total * 8 < segment.doc_count:
            docs_all = np.concatenate([m.docs for m in parts])
            docs, inverse = np.unique(docs_all, return_inverse=True)
            weights = np.concatenate([m.scores for m in parts])
            summed = np.bincount(inverse, weights=weights).astype(np.float64, copy=False)
        else:
            acc = np.zeros(segment.doc_count, dtype=np.float64)
            hit = np.zeros(segment.doc_count, dtype=bool)
            for m in parts:
                acc[m.docs] += m.scores
                hit[m.docs] = True
            docs = np.flatnonzero(hit).astype(np.uint32)
            summed = acc[docs]
        if self.boost != 1.0:
            summed *= self.boost
        return SegmentMatches(docs.astype(np.uint32, copy=False), summed)

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        if not np.isin(doc, self.matches(segment).docs):
            return None
        parts = [
            e for c in (*self.must, *self.should) if (e := c.explain(segment, doc)) is not None
        ]
        parts += [e for c in self.filter if (e := c.explain(segment, doc)) is not None]
        total = 0.0
        for clause in (*self.must, *self.should):
            m = clause.matches(segment)
            at = find_doc(m.docs, doc)
            if at is not None:
                total += float(m.scores[at])
        if self.boost != 1.0:
            total *= self.boost
        return Explanation(
            total, f"sum of matching clauses, times boost {self.boost:g}", tuple(parts)
        )


def create_weight(
    query: Query, context: SearchContext, params: Bm25Params, boost: float = 1.0
) -> Weight:
    """Bind `query` to the statistics of a snapshot."""
    if isinstance(query, TermQuery):
        stats = context.field_stats(query.field)
        df = context.doc_freq(query.field, query.term)
        idf_value = idf(df, stats.doc_count)
        return TermWeight(query, boost * query.boost * idf_value, idf_value, df, stats)
    if isinstance(query, CombinedFieldQuery):
        names = [name for name, _ in query.fields]
        all_stats = tuple(context.field_stats(name) for name in names)
        df = context.doc_freq_any(names, query.term)
        n = all_stats[0].doc_count if all_stats else 0
        idf_value = idf(df, n)
        return CombinedFieldWeight(
            query, boost * query.boost * idf_value, idf_value, df, n, all_stats
        )
    if isinstance(query, PhraseQuery):
        stats = context.field_stats(query.field)
        idf_sum = sum(idf(context.doc_freq(query.field, t), stats.doc_count) for t in query.terms)
        return PhraseWeight(query, boost * query.boost * idf_sum, idf_sum, stats)
    if isinstance(query, PrefixQuery | FuzzyQuery):
        expanded = expand_terms(query, context.dictionaries(query.field), context)
        return create_weight(BooleanQuery(should=tuple(expanded)), context, params, boost)
    if isinstance(query, KeywordQuery):
        return KeywordWeight(query)
    if isinstance(query, RangeQuery):
        return RangeWeight(query)
    if isinstance(query, MatchAllQuery):
        return MatchAllWeight(boost * query.boost)
    if isinstance(query, BooleanQuery):

        def bind(clauses: tuple[Query, ...]) -> tuple[Weight, ...]:
            return tuple(create_weight(c, context, params) for c in clauses)

        return BooleanWeight(
            must=bind(query.must),
            should=_by_weight(bind(query.should)),
            must_not=bind(query.must_not),
            filter=bind(query.filter),
            boost=boost * query.boost,
        )
    raise TypeError(f"not a query: {query!r}")


def _by_weight(clauses: tuple[Weight, ...]) -> tuple[Weight, ...]:
    """Optional clauses in the order their scores are added: term clauses by decreasing weight.

    The order is part of the score (float addition is not associative), so every path adds in
    this one: the exhaustive one, the pruned ones (which need the rarest terms first) and
    explanations. It depends on snapshot statistics only, never on a segment's layout.
    """

    def key(clause: Weight) -> float:
        if isinstance(clause, TermWeight | CombinedFieldWeight):
            return -clause.weight
        return -math.inf

    return tuple(sorted(clauses, key=key))


def positive_terms(weight: Weight) -> dict[str, set[str]]:
    """Field -> index terms that can make a document match (for highlighting)."""
    found: dict[str, set[str]] = {}
    if isinstance(weight, TermWeight):
        found.setdefault(weight.query.field, set()).add(weight.query.term)
    elif isinstance(weight, CombinedFieldWeight):
        for name, _ in weight.query.fields:
            found.setdefault(name, set()).add(weight.query.term)
    elif isinstance(weight, PhraseWeight):
        found.setdefault(weight.query.field, set()).update(weight.query.terms)
    elif isinstance(weight, BooleanWeight):
        for clause in (*weight.must, *weight.should):
            for field, terms in positive_terms(clause).items():
                found.setdefault(field, set()).update(terms)
    return found
