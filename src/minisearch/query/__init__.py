"""Queries (what to find), weights (bound to statistics) and per-segment evaluation."""

from .ast import BooleanQuery, MatchAllQuery, Query, TermQuery

__all__ = ["BooleanQuery", "MatchAllQuery", "Query", "TermQuery"]
