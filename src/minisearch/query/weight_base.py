"""The weight protocol and the per-segment state a weight evaluates against.

Ownership follows Lucene's split: a `Weight` holds what depends on the whole snapshot (idf
from live document frequencies, average field lengths); `SegmentContext` holds what depends
on one segment (its reader, the per-document length norms). `Weight.matches` returns the
segment's matching doc numbers (ascending) with their scores, computed set-at-a-time with
numpy; deleted documents are removed by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..cache import ByteBudgetCache
from ..scoring import Bm25Params, StatsProvider, bm25f_norms, length_norms
from ..segment.reader import SegmentReader
from .explain import Explanation

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


@dataclass(frozen=True, slots=True)
class UnitPostings:
    """One term's postings in one segment with its score per document before the query weight.

    ``score = weight * values`` where the weight (``boost * idf``) is fixed per snapshot;
    `peak` is ``values.max()``, which makes ``weight * peak`` the term's exact score upper
    bound in this segment (what dynamic pruning needs). Every value is positive.
    """

    docs: npt.NDArray[np.uint32]
    values: npt.NDArray[np.float64]
    peak: float

    @classmethod
    def of(cls, docs: npt.NDArray[np.uint32], values: npt.NDArray[np.float64]) -> UnitPostings:
        return cls(docs, values, float(values.max()) if len(values) else 0.0)

    def probe(
        self, docs: npt.NDArray[np.uint32]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        """Which of the ascending `docs` are here, and their values."""
        at, hit = locate(self.docs, docs)
        return hit, self.values[at[hit]]


_EMPTY_UNITS = UnitPostings(_EMPTY_DOCS, _EMPTY_SCORES, 0.0)


def locate(
    sorted_docs: npt.NDArray[np.uint32], docs: npt.NDArray[np.uint32]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """For each of `docs`: its index in the ascending `sorted_docs`, and whether it is there."""
    if not len(sorted_docs):
        return np.zeros(len(docs), dtype=np.intp), np.zeros(len(docs), dtype=bool)
    at = np.searchsorted(sorted_docs, docs)
    np.minimum(at, len(sorted_docs) - 1, out=at)
    return at, sorted_docs[at] == docs


def find_doc(docs: npt.NDArray[np.uint32], doc: int) -> int | None:
    """Index of `doc` in the ascending array `docs`, or None when it is absent."""
    at = int(np.searchsorted(docs, doc))
    return at if at < len(docs) and docs[at] == doc else None


class UnitMemo:
    """Per-term unit postings of one snapshot, least recently used first out, in `budget` bytes.

    Statistics never change within a snapshot, so a term's normalised frequencies computed
    for one query serve every later one; one budget for all of a searcher's segments bounds
    the memory whatever the number of segments, and recency keeps the frequent terms of a
    Zipfian query stream.
    """

    DEFAULT_BUDGET = 256 * 1024 * 1024

    def __init__(self, budget: int | None = None) -> None:
        self._cache: ByteBudgetCache[UnitPostings] = ByteBudgetCache(
            self.DEFAULT_BUDGET if budget is None else budget
        )

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._cache.size

    def get(self, key: Hashable) -> UnitPostings | None:
        return self._cache.get(key)

    def put(self, key: Hashable, units: UnitPostings) -> None:
        self._cache.put(key, units, units.docs.nbytes + units.values.nbytes)


class SegmentContext:
    """One segment as seen by one searcher: its reader plus cached length norms per field."""

    def __init__(
        self,
        reader: SegmentReader,
        ordinal: int,
        stats: StatsProvider,
        params: Bm25Params,
        memo: UnitMemo | None = None,
    ) -> None:
        self.reader = reader
        self.ordinal = ordinal
        self.stats = stats
        self.params = params
        self._norms: dict[str, npt.NDArray[np.float64]] = {}
        self._bm25f_norms: dict[str, npt.NDArray[np.float64]] = {}
        self._memo = UnitMemo() if memo is None else memo

    @property
    def doc_count(self) -> int:
        return self.reader.doc_count

    def norms(self, field: str, docs: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """BM25's ``k1 * (1 - b + b * dl / avgdl)`` for `docs` (see `_norms_at`)."""
        return self._norms_at(self._norms, length_norms, field, docs)

    def bm25f_norms(self, field: str, docs: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """BM25F's ``1 - b + b * dl / avgdl`` for `docs` (see `_norms_at`)."""
        return self._norms_at(self._bm25f_norms, bm25f_norms, field, docs)

    def _norms_at(
        self,
        cache: dict[str, npt.NDArray[np.float64]],
        formula: Callable[[npt.NDArray[Any], float, Bm25Params], npt.NDArray[np.float64]],
        field: str,
        docs: npt.NDArray[Any],
    ) -> npt.NDArray[np.float64]:
        """Length norms of `docs`: gathered from the whole segment's once a query needs many,
        computed for just these before (a first query over a big segment touches a few
        hundred documents, not all of them). Elementwise, so both give the same floats."""
        norms = cache.get(field)
        if norms is None:
            avg = self.stats.field_stats(field).avg_field_len
            lengths = self.reader.field_lengths(field)
            if len(docs) * 8 < len(lengths):
                return formula(lengths[docs], avg, self.params)
            norms = cache[field] = formula(lengths, avg, self.params)
        picked: npt.NDArray[np.float64] = norms[docs]
        return picked

    def cached_units(self, key: object) -> UnitPostings | None:
        """The memo's entry for `key` in this segment, if it has one (never computes)."""
        return self._memo.get((self.ordinal, key))

    def unit_postings(
        self,
        key: object,
        compute: Callable[[], tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]] | None],
    ) -> UnitPostings:
        """`compute()`'s postings for `key` in this segment, remembered (see `UnitMemo`)."""
        key = (self.ordinal, key)
        units = self._memo.get(key)
        if units is None:
            computed = compute()
            units = _EMPTY_UNITS if computed is None else UnitPostings.of(*computed)
            self._memo.put(key, units)
        return units


class Weight(Protocol):
    def matches(self, segment: SegmentContext) -> SegmentMatches: ...

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None: ...
