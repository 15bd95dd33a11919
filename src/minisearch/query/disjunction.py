"""Exact top k of an OR of words (the usual query) without scoring every match.

A clause here is one term (`TermWeight`) or one term over several fields
(`CombinedFieldWeight`): its score in a segment is ``weight * values`` over its
`UnitPostings`. Two strategies, both returning exactly what the exhaustive path returns
(the same documents, the same floats, the same tie order):

- **dense**, for segments small enough that a pass over every document is cheap: one
  `np.bincount` over all the clauses' postings adds each document's contributions in clause
  order (as the exhaustive path does), then a linear-time selection.
- **MaxScore** (Turtle and Flood), for large segments. Clauses come in decreasing weight
  (`create_weight` orders them; rare terms first), each with an upper bound of its unit value
  taken from the dictionary (max tf, min field length) without reading its postings. The
  first clauses are scored in full while the bounds of the clauses left could still lift a
  new document to the current k-th best partial score; after that no document outside the
  candidates can enter the top k, so the remaining (frequent, long) clauses are only probed
  for the candidates, by binary search in their doc arrays, and candidates whose partial
  score plus the bounds left falls short are dropped. Partial scores only grow, so the k-th
  best one is a lower bound of the final threshold; a relative slack of `SLACK` covers float
  rounding in the bounds. Contributions are added in clause order on every path, so the
  surviving sums are the exhaustive path's floats bit for bit.

Deleted documents never count towards the threshold and are never returned. Totals are exact:
a count of the dense sums, or a roaring union of the clauses' doc sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
from pyroaring import BitMap, FrozenBitMap

from ..topk import top_k_indices
from .dense_numba import Kernel, dense_kernel
from .weight_base import SegmentContext, UnitPostings

Strategy = Literal["auto", "dense", "maxscore"]

# MaxScore costs a few numpy calls per clause, a dense pass time in proportion to the segment:
# "auto" takes MaxScore when the segment has at least this many documents per clause.
MAXSCORE_DOCS_PER_CLAUSE = 8192
SLACK = 1e-9

_U32 = npt.NDArray[np.uint32]
_F64 = npt.NDArray[np.float64]


class TermClause(Protocol):
    """A weight whose score is ``weight * unit_postings(segment).values``."""

    @property
    def weight(self) -> float: ...

    def unit_postings(self, segment: SegmentContext) -> UnitPostings: ...

    def upper_bound(self, segment: SegmentContext) -> float:
        """No unit value of the segment exceeds this (0 when the term is absent)."""
        ...

    def probe(self, segment: SegmentContext, docs: _U32) -> tuple[npt.NDArray[np.bool_], _F64]:
        """Which of the ascending `docs` match, and their unit values (the same floats as
        `unit_postings` holds), without computing the values of any other document."""
        ...

    def doc_sets(self, segment: SegmentContext) -> list[FrozenBitMap]: ...


@dataclass(frozen=True, slots=True)
class SegmentTop:
    """The best `wanted` live documents of one segment in final order, and the live match count."""

    docs: _U32
    scores: _F64
    total: int


def disjunction_top_k(
    clauses: Sequence[TermClause],
    segment: SegmentContext,
    wanted: int,
    boost: float = 1.0,
    strategy: Strategy = "auto",
    floor: float = 0.0,
    kernel: Kernel = "numpy",
) -> SegmentTop:
    """Top `wanted` of ``boost * sum(clause scores)`` over the documents matching any clause.

    Every clause weight and `boost` must be positive (zero scores would count as misses).
    "auto" picks by segment size per clause; "dense" and "maxscore" force one strategy (for
    tests and measurements).
    `floor` is a score that `wanted` better-placed documents (of earlier segments) already
    reach: MaxScore starts from it, so documents that cannot beat it are never scored.
    `kernel` runs the dense pass in numpy or compiled by numba (dense_numba.py); the same hits.
    """
    n = segment.doc_count
    if strategy == "maxscore" or (
        strategy == "auto" and len(clauses) > 1 and n >= MAXSCORE_DOCS_PER_CLAUSE * len(clauses)
    ):
        # Bounds from the dictionary: the frequent terms' postings are never scored in full.
        bounds = [clause.upper_bound(segment) for clause in clauses]
        chosen = [c for c, bound in zip(clauses, bounds, strict=True) if bound > 0.0]
        if not chosen:
            return SegmentTop(np.zeros(0, np.uint32), np.zeros(0, np.float64), 0)
        kept_bounds = [b for b in bounds if b > 0.0]
        found, scores = _maxscore(chosen, kept_bounds, segment, wanted, boost, floor / boost)
        return SegmentTop(found, scores, _union_count(chosen, segment))
    units = [clause.unit_postings(segment) for clause in clauses]
    weights = [clause.weight for clause in clauses]
    kept = [i for i, u in enumerate(units) if len(u.docs)]
    if not kept:
        return SegmentTop(np.zeros(0, np.uint32), np.zeros(0, np.float64), 0)
    docs = [units[i].docs for i in kept]
    values = [units[i].values for i in kept]
    return sum_top(docs, values, [weights[i] for i in kept], segment, wanted, boost, kernel)


def sum_top(
    docs: list[_U32],
    values: list[_F64],
    weights: list[float] | None,
    segment: SegmentContext,
    wanted: int,
    boost: float = 1.0,
    kernel: Kernel = "numpy",
) -> SegmentTop:
    """Top `wanted` of ``boost * sum(weights[c] * values[c])`` over non-empty clauses c.

    `weights` None: the values are already weighted (query/words.py keeps them so).
    One clause needs no summing; several go to the dense pass, in numpy or compiled.
    """
    if len(docs) == 1:
        scores = values[0] if weights is None else weights[0] * values[0]
        if boost != 1.0:
            scores = scores * boost
        return _single_top(docs[0], scores, segment, wanted)
    if kernel != "numpy":
        ones = weights if weights is not None else [1.0] * len(docs)
        return _compiled_top(docs, values, ones, segment, wanted, boost, kernel)
    weighted = np.concatenate(values)
    if weights is not None:
        weighted *= np.repeat(weights, [len(d) for d in docs])
    return _dense_top(docs, weighted, segment, wanted, boost)


def _dense_top(
    docs: list[_U32], weighted: _F64, segment: SegmentContext, wanted: int, boost: float = 1.0
) -> SegmentTop:
    """The dense pass: `docs` are the clauses' doc arrays in clause order, `weighted` their
    ``weight * value`` contributions concatenated in that order (one `np.bincount` adds each
    document's contributions in clause order), times `boost`."""
    # With weights, bincount's sums are float64 (numpy's stubs know only the counts).
    acc: _F64 = np.bincount(  # type: ignore[assignment]
        np.concatenate(docs), weights=weighted, minlength=segment.doc_count
    )
    live = segment.reader.live_mask
    if live is not None:
        acc[~live] = 0.0
    if boost != 1.0:
        acc *= boost
    total = int(np.count_nonzero(acc))
    if wanted <= 0 or total == 0:
        return SegmentTop(np.zeros(0, np.uint32), np.zeros(0, np.float64), total)
    if wanted < total:
        candidates = (acc >= _kth_lower_bound(acc, docs, wanted)).nonzero()[0]
    else:
        candidates = acc.nonzero()[0]
    scores = acc[candidates]
    best = top_k_indices(scores, wanted)  # ascending candidates: ties keep doc order
    return SegmentTop(candidates[best].astype(np.uint32), scores[best], total)


def _compiled_top(
    docs: list[_U32],
    values: list[_F64],
    weights: list[float],
    segment: SegmentContext,
    wanted: int,
    boost: float,
    kernel: Kernel,
) -> SegmentTop:
    """`_dense_top` in one compiled pass (dense_numba.py): the same documents, floats and order.

    The kernel adds ``weights[c] * values[c]`` per clause c; callers with contributions
    already weighted pass weights of 1.0 (an exact product).
    """
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    ends = np.cumsum(lengths)
    spans = np.stack((ends - lengths, ends), axis=1)  # each clause's run in the concatenation
    return spans_top(
        np.concatenate(docs),
        np.concatenate(values),
        spans,
        np.arange(len(docs)),
        np.array(weights, dtype=np.float64),
        segment,
        wanted,
        kernel,
        boost,
    )


def spans_top(
    docs: _U32,
    values: _F64,
    spans: npt.NDArray[np.int64],
    clauses: npt.NDArray[np.int64],
    weights: _F64,
    segment: SegmentContext,
    wanted: int,
    kernel: Kernel,
    boost: float = 1.0,
) -> SegmentTop:
    """The compiled dense pass over clause c's postings ``docs[start:end]`` (and their
    `values`), ``start, end`` being row ``clauses[c]`` of `spans`, wherever the postings are
    stored: `_dense_top`'s documents, floats and order."""
    live = segment.reader.live_mask
    found, scores, total = dense_kernel(kernel)(
        docs,
        values,
        spans,
        clauses,
        weights,
        segment.doc_count,
        _NO_MASK if live is None else live,
        boost,
        wanted,
    )
    return SegmentTop(found, scores, total)


_NO_MASK = np.zeros(0, dtype=bool)


def _kth_lower_bound(acc: _F64, docs: list[_U32], wanted: int) -> float:
    """A score at or below the `wanted`-th best of `acc` (> 0 whenever `acc` has that many).

    The `wanted`-th best of any subset of the documents is at most the `wanted`-th best of
    all of them; the postings of the first clause long enough (the rarest such term, whose
    documents tend to score high) make a subset whose selection costs a fraction of a
    partition of the whole segment, and the documents at or above it are few.
    """
    for clause_docs in docs:
        if len(clause_docs) >= wanted:
            sample = acc[clause_docs]
            bound = float(np.partition(sample, len(sample) - wanted)[len(sample) - wanted])
            if bound > 0.0:  # zero when deleted documents fill the sample: no help
                return bound
            break
    n = len(acc)
    return float(np.partition(acc, n - wanted)[n - wanted])


def _single_top(docs: _U32, scores: _F64, segment: SegmentContext, wanted: int) -> SegmentTop:
    """One clause: its scores are the matches (``0.0 + w * v`` is ``w * v``), no summing."""
    live = segment.reader.live_mask
    if live is not None:
        keep = live[docs]
        docs, scores = docs[keep], scores[keep]
    best = top_k_indices(scores, wanted)
    return SegmentTop(docs[best], scores[best], len(docs))


def _kth(scores: _F64, wanted: int) -> float:
    """The `wanted`-th largest of `scores`, or 0 when there are fewer (no threshold yet)."""
    if wanted <= 0 or len(scores) < wanted:
        return 0.0
    return float(np.partition(scores, len(scores) - wanted)[len(scores) - wanted])


def _merge(docs_a: _U32, values_a: _F64, docs_b: _U32, values_b: _F64) -> tuple[_U32, _F64]:
    """Union of two ascending doc arrays, adding the values of documents in both.

    A stable sort of two concatenated ascending runs is one linear merge (timsort).
    """
    if not len(docs_a) or not len(docs_b):
        return (docs_b, values_b) if not len(docs_a) else (docs_a, values_a)
    docs = np.concatenate([docs_a, docs_b])
    order = np.argsort(docs, kind="stable")
    docs = docs[order]
    values = np.concatenate([values_a, values_b])[order]
    first = np.empty(len(docs), dtype=bool)
    first[0] = True
    np.not_equal(docs[1:], docs[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return docs[starts], np.add.reduceat(values, starts)


def _maxscore(
    clauses: Sequence[TermClause],
    unit_bounds: list[float],
    segment: SegmentContext,
    wanted: int,
    boost: float,
    floor: float,
) -> tuple[_U32, _F64]:
    """MaxScore in clause order: the top `wanted` documents and their scores.

    Clauses are added in the order they come, so partial scores are the exhaustive path's
    running sums and the final ones are its floats exactly; `create_weight` puts the clauses
    of a disjunction in decreasing weight, which is the order that prunes best. Clauses
    scored in full go through the memo; the others are only probed for the candidates.
    """
    live = segment.reader.live_mask
    weights = [clause.weight for clause in clauses]
    # left[j]: the most that clauses j, j+1, ... can still add to any document.
    left = [0.0] * (len(clauses) + 1)
    for j in range(len(clauses) - 1, -1, -1):
        left[j] = left[j + 1] + weights[j] * unit_bounds[j]
    left = [bound * (1.0 + SLACK) for bound in left]
    floor *= 1.0 - SLACK
    cand = np.zeros(0, np.uint32)
    part = np.zeros(0, np.float64)
    theta = floor
    j = 0
    while j < len(clauses) and not (theta > 0.0 and left[j] < theta):
        units = clauses[j].unit_postings(segment)
        docs, values = units.docs, weights[j] * units.values
        if live is not None:
            keep = live[docs]
            docs, values = docs[keep], values[keep]
        cand, part = _merge(cand, part, docs, values)
        theta = max(floor, _kth(part, wanted))
        j += 1
    # No document outside `cand` can reach theta: only probe the remaining clauses for it.
    for i in range(j, len(clauses)):
        keep = part + left[i] >= theta
        cand, part = cand[keep], part[keep]
        hit, values = clauses[i].probe(segment, cand)
        part[hit] += weights[i] * values
        if i + 1 < len(clauses):
            theta = max(theta, _kth(part, wanted))
    if boost != 1.0:
        part *= boost
    best = top_k_indices(part, wanted)
    return cand[best], part[best]


def _union_count(clauses: Sequence[TermClause], segment: SegmentContext) -> int:
    """Live documents matching any clause, from the clauses' roaring doc sets."""
    sets = [s for clause in clauses for s in clause.doc_sets(segment)]
    union = BitMap.union(*sets) if len(sets) > 1 else sets[0]
    deleted = segment.reader.deleted
    return union.difference_cardinality(deleted) if deleted else len(union)
