"""Exact top k of an OR of words (the usual query) without scoring every match.

A clause here is one term (`TermWeight`) or one term over several fields
(`CombinedFieldWeight`): its score in a segment is ``weight * values`` over its
`UnitPostings`. Two strategies, both returning exactly what the exhaustive path returns
(the same documents, the same floats, the same tie order):

- **dense**, for segments small enough that a pass over every document is cheap: one
  `np.bincount` over all the clauses' postings adds each document's contributions in clause
  order (as the exhaustive path does), then a linear-time selection.
- **MaxScore** (Turtle and Flood), for large segments: clauses are taken in decreasing order
  of their score upper bound ``weight * peak``. High-bound clauses (rare terms) are scored in
  full; once the bounds of the clauses left add up to less than the current k-th best partial
  score, no document outside the candidates can still enter the top k, so the remaining
  (frequent, long) clauses are only probed for the surviving candidates, with binary searches
  over their doc arrays, and candidates whose partial score plus the bounds left falls short
  are dropped. Partial scores only grow, so the k-th best partial score is a lower bound of the
  final threshold; a relative slack of `SLACK` absorbs the different order of float additions.
  The survivors are rescored in clause order, which gives the exhaustive path's floats bit for
  bit.

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
from .weight_base import SegmentContext, UnitPostings

Strategy = Literal["auto", "dense", "maxscore"]

# Segments with at least this many documents use MaxScore (below it, a dense pass is cheaper).
MAXSCORE_MIN_DOCS = 1 << 15
# MaxScore gives up (and scores densely) once its candidates exceed this share of the segment.
MAXSCORE_MAX_CANDIDATE_SHARE = 0.25
SLACK = 1e-9

_U32 = npt.NDArray[np.uint32]
_F64 = npt.NDArray[np.float64]


class TermClause(Protocol):
    """A weight whose score is ``weight * unit_postings(segment).values``."""

    @property
    def weight(self) -> float: ...

    def unit_postings(self, segment: SegmentContext) -> UnitPostings: ...

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
) -> SegmentTop:
    """Top `wanted` of ``boost * sum(clause scores)`` over the documents matching any clause.

    Every clause weight and `boost` must be positive (zero scores would count as misses).
    "auto" picks by segment size, and leaves MaxScore for the dense pass when the candidates
    grow too many; "dense" and "maxscore" force one strategy (for tests and measurements).
    """
    units = [clause.unit_postings(segment) for clause in clauses]
    weights = [clause.weight for clause in clauses]
    kept = [i for i, u in enumerate(units) if len(u.docs)]
    units = [units[i] for i in kept]
    weights = [weights[i] for i in kept]
    if not units:
        return SegmentTop(np.zeros(0, np.uint32), np.zeros(0, np.float64), 0)
    n = segment.doc_count
    give_up = strategy == "auto"
    if strategy == "auto":
        strategy = "maxscore" if n >= MAXSCORE_MIN_DOCS and len(units) > 1 else "dense"
    if strategy == "maxscore":
        found = _maxscore(units, weights, segment, wanted, boost, give_up)
        if found is not None:
            docs, scores = found
            chosen = [clauses[i] for i in kept]
            return SegmentTop(docs, scores, _union_count(chosen, segment))
    return _dense(units, weights, segment, wanted, boost)


def _dense(
    units: list[UnitPostings],
    weights: list[float],
    segment: SegmentContext,
    wanted: int,
    boost: float,
) -> SegmentTop:
    docs = np.concatenate([u.docs for u in units])
    values = np.concatenate([u.values for u in units])
    values *= np.repeat(weights, [len(u.docs) for u in units])
    acc: _F64 = np.bincount(docs, weights=values, minlength=segment.doc_count).astype(
        np.float64, copy=False
    )
    live = segment.reader.live_mask
    if live is not None:
        acc[~live] = 0.0
    if boost != 1.0:
        acc *= boost
    total = int(np.count_nonzero(acc))
    n = len(acc)
    if wanted <= 0 or total == 0:
        return SegmentTop(np.zeros(0, np.uint32), np.zeros(0, np.float64), total)
    if wanted < total:
        kth = np.partition(acc, n - wanted)[n - wanted]
        candidates = np.flatnonzero(acc >= kth)
    else:
        candidates = np.flatnonzero(acc)
    scores = acc[candidates]
    order = np.lexsort((candidates, -scores))[:wanted]
    return SegmentTop(candidates[order].astype(np.uint32), scores[order], total)


def _kth(scores: _F64, wanted: int) -> float:
    """The `wanted`-th largest of `scores`, or 0 when there are fewer (no threshold yet)."""
    if wanted <= 0 or len(scores) < wanted:
        return 0.0
    return float(np.partition(scores, len(scores) - wanted)[len(scores) - wanted])


def _probe(units: UnitPostings, docs: _U32) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Where each of `docs` sits in the clause's postings, and whether it is there at all."""
    at = np.searchsorted(units.docs, docs)
    np.minimum(at, len(units.docs) - 1, out=at)
    return at, units.docs[at] == docs


def _maxscore(
    units: list[UnitPostings],
    weights: list[float],
    segment: SegmentContext,
    wanted: int,
    boost: float,
    give_up: bool,
) -> tuple[_U32, _F64] | None:
    """MaxScore candidates rescored exactly; None when pruning does not pay (go dense)."""
    live = segment.reader.live_mask
    bounds = np.array([w * u.peak for w, u in zip(weights, units, strict=True)])
    order = np.argsort(-bounds, kind="stable")
    # left[j]: the most that the clauses order[j:] can still add to any document.
    left = np.append(np.cumsum(bounds[order][::-1])[::-1], 0.0) * (1.0 + SLACK)
    limit = MAXSCORE_MAX_CANDIDATE_SHARE * segment.doc_count if give_up else np.inf
    cand = np.zeros(0, np.uint32)
    part = np.zeros(0, np.float64)
    theta = 0.0
    j = 0
    while j < len(order) and not (theta > 0.0 and left[j] < theta):
        u, w = units[order[j]], weights[order[j]]
        docs, values = u.docs, w * u.values
        if live is not None:
            keep = live[docs]
            docs, values = docs[keep], values[keep]
        if len(cand):
            cand, inverse = np.unique(np.concatenate([cand, docs]), return_inverse=True)
            summed = np.bincount(inverse, weights=np.concatenate([part, values]))
            part = summed.astype(np.float64, copy=False)
        else:
            cand, part = docs, values
        if len(cand) > limit:
            return None
        theta = _kth(part, wanted)
        j += 1
    for i in order[j:]:
        keep = part * (1.0 + SLACK) + left[j] >= theta
        cand, part = cand[keep], part[keep]
        at, hit = _probe(units[i], cand)
        part[hit] += weights[i] * units[i].values[at[hit]]
        theta = max(theta, _kth(part, wanted))
        j += 1
    cand = cand[part * (1.0 + SLACK) >= theta]
    exact = np.zeros(len(cand), np.float64)
    for u, w in zip(units, weights, strict=True):
        at, hit = _probe(u, cand)
        exact[hit] += w * u.values[at[hit]]
    if boost != 1.0:
        exact *= boost  # before selecting: rounding may tie scores that differed unboosted
    best = top_k_indices(exact, wanted)
    return cand[best], exact[best]


def _union_count(clauses: Sequence[TermClause], segment: SegmentContext) -> int:
    """Live documents matching any clause, from the clauses' roaring doc sets."""
    sets = [s for clause in clauses for s in clause.doc_sets(segment)]
    union = BitMap.union(*sets) if len(sets) > 1 else sets[0]
    deleted = segment.reader.deleted
    return union.difference_cardinality(deleted) if deleted else len(union)
