"""Per-segment top k: the pruned path for ORs of words, the exhaustive path for the rest.

`segment_top_k` is what the searcher runs on each segment. Queries that are a disjunction of
term clauses with positive weights (plain words, with or without BM25F over several fields)
go to disjunction.py; everything else is evaluated in full by `Weight.matches` and selected
by `top_k_indices`. Both return the same documents, floats and tie order, which the property
tests check by running every strategy on the same queries.
"""

from __future__ import annotations

import math
from typing import Literal

from ..topk import top_k_indices
from .combined import CombinedFieldWeight
from .dense_numba import Kernel
from .disjunction import SegmentTop, TermClause, disjunction_top_k
from .weight import BooleanWeight, TermWeight
from .weight_base import SegmentContext, Weight

Strategy = Literal["auto", "exhaustive", "dense", "maxscore"]


def segment_top_k(
    weight: Weight,
    segment: SegmentContext,
    wanted: int,
    strategy: Strategy = "auto",
    floor: float = 0.0,
    kernel: Kernel = "numpy",
) -> SegmentTop:
    """The best `wanted` live documents of `segment` for `weight`, in final order.

    `floor`: the `wanted`-th best score of the segments before this one. Documents here that
    do not exceed it cannot make the final top (ties go to earlier segments), so the pruned
    path may leave them out. `kernel`: see `disjunction_top_k`.
    """
    if strategy != "exhaustive":
        found = term_disjunction(weight)
        if found is not None:
            clauses, boost = found
            return disjunction_top_k(clauses, segment, wanted, boost, strategy, floor, kernel)
    return exhaustive_top_k(weight, segment, wanted)


def exhaustive_top_k(weight: Weight, segment: SegmentContext, wanted: int) -> SegmentTop:
    """Score every match, drop deleted documents, select the top `wanted`."""
    matches = weight.matches(segment)
    docs, scores = matches.docs, matches.scores
    live = segment.reader.live_mask
    if live is not None and len(docs):
        keep = live[docs]
        docs, scores = docs[keep], scores[keep]
    best = top_k_indices(scores, wanted)
    return SegmentTop(docs[best], scores[best], len(docs))


def term_disjunction(weight: Weight) -> tuple[list[TermClause], float] | None:
    """(clauses, boost) when `weight` is an OR of term clauses with positive weights."""
    if is_term_clause(weight):
        return [weight], 1.0  # type: ignore[list-item]
    if (
        isinstance(weight, BooleanWeight)
        and weight.should
        and not (weight.must or weight.filter or weight.must_not)
        and weight.boost > 0.0
        and all(is_term_clause(c) for c in weight.should)
    ):
        return list(weight.should), weight.boost  # type: ignore[arg-type]
    return None


def is_term_clause(weight: Weight) -> bool:
    """Whether every match of `weight` scores above zero (so a zero sum means no match)."""
    if isinstance(weight, TermWeight):
        return weight.weight > 0.0 and math.isfinite(weight.weight)
    if isinstance(weight, CombinedFieldWeight):
        return (
            weight.weight > 0.0
            and math.isfinite(weight.weight)
            and all(w > 0.0 for _, w in weight.query.fields)
        )
    return False
