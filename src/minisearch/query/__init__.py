"""Queries (what to find), weights (bound to statistics) and per-segment evaluation."""

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

__all__ = [
    "BooleanQuery",
    "CombinedFieldQuery",
    "FuzzyQuery",
    "KeywordQuery",
    "MatchAllQuery",
    "PhraseQuery",
    "PrefixQuery",
    "Query",
    "RangeQuery",
    "TermQuery",
]
