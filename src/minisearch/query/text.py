"""The plain-text query: analyzed terms searched in several fields at once.

Each query term becomes one clause per field (with that field's boost), and a repeated term
counts each time it appears, as in Lucene's classic query parser. With the OR operator a
document needs any term in any field; with AND it needs every term, in any of the fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from .ast import BooleanQuery, Query, TermQuery


def match_query(
    terms: Sequence[str],
    fields: Sequence[tuple[str, float]],
    operator: Literal["OR", "AND"] = "OR",
) -> Query:
    """OR (or AND) of the `terms`, each searched in every (field, boost) of `fields`."""
    per_term = [tuple(TermQuery(name, term, boost) for name, boost in fields) for term in terms]
    if operator == "AND":
        return BooleanQuery(must=tuple(BooleanQuery(should=clauses) for clauses in per_term))
    return BooleanQuery(should=tuple(c for clauses in per_term for c in clauses))
