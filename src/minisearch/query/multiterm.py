"""Prefix and fuzzy queries: expand to index terms, then score them as a disjunction.

Expansion runs against every segment's sorted dictionary and takes the union, so the chosen
terms do not depend on how the index is split; the cap keeps the most useful terms (most
frequent for prefixes; closest, then most frequent, for fuzzy terms), as Lucene's top-terms
rewrites do. Each fuzzy expansion is boosted by ``1 - distance / (len(term) + 1)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy.typing as npt

from ..expansion import edit_distance, expand_fuzzy, expand_prefix
from ..scoring import StatsProvider
from .ast import FuzzyQuery, PrefixQuery, TermQuery


def expand_terms(
    query: PrefixQuery | FuzzyQuery,
    dictionaries: list[tuple[Sequence[str], npt.NDArray[Any]]],
    stats: StatsProvider,
) -> list[TermQuery]:
    """The term queries a prefix or fuzzy query stands for, best first by the cap's order."""
    found: set[str] = set()
    for terms, doc_freqs in dictionaries:
        if isinstance(query, PrefixQuery):
            expansion = expand_prefix(terms, query.prefix, max_terms=len(terms) or 1)
        else:
            expansion = expand_fuzzy(
                terms,
                query.term,
                max_edits=query.max_edits,
                prefix_length=query.prefix_length,
                max_terms=len(terms) or 1,
                doc_freqs=doc_freqs,
            )
        found.update(terms[i] for i in expansion.indices)
    live = [(t, stats.doc_freq(query.field, t)) for t in found]
    live = [(t, df) for t, df in live if df > 0]
    if isinstance(query, PrefixQuery):
        live.sort(key=lambda item: (-item[1], item[0]))
        return [TermQuery(query.field, t, query.boost) for t, _ in live[: query.max_expansions]]
    ranked = sorted(((edit_distance(query.term, t), -df, t) for t, df in live))[
        : query.max_expansions
    ]
    scale = len(query.term) + 1
    return [TermQuery(query.field, t, query.boost * (1.0 - d / scale)) for d, _, t in ranked]
