"""Queries (what to find), weights (bound to statistics) and per-segment evaluation."""

from .ast import (
    BooleanQuery,
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
    "FuzzyQuery",
    "KeywordQuery",
    "MatchAllQuery",
    "PhraseQuery",
    "PrefixQuery",
    "Query",
    "RangeQuery",
    "TermQuery",
]
