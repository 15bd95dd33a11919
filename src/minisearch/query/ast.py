"""Query trees: what to find, as frozen values with no index state.

A query is analyzed already (its terms are index terms), reusable across searchers and
hashable. `Searcher` turns a query into a `Weight` (weight.py) by attaching collection
statistics; the weight then scores one segment at a time. The query-language parser produces
these trees; programs may also build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TermQuery:
    """Documents whose `field` contains the index term `term`, scored with BM25."""

    field: str
    term: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class MatchAllQuery:
    """Every live document, with a constant score of `boost` (0 by default, as in a filter)."""

    boost: float = 0.0


@dataclass(frozen=True, slots=True)
class BooleanQuery:
    """Combine clauses: all `must`, at least one `should` (if there is no `must`), no `must_not`.

    `filter` clauses restrict like `must` but add nothing to the score. Scores of matching
    `must` and `should` clauses add up, in clause order, then the sum is multiplied by `boost`.
    A query with only `must_not` clauses matches every other live document with score 0.
    """

    must: tuple[Query, ...] = ()
    should: tuple[Query, ...] = ()
    must_not: tuple[Query, ...] = ()
    filter: tuple[Query, ...] = ()
    boost: float = 1.0


Query = TermQuery | MatchAllQuery | BooleanQuery
