"""minisearch: a full-text search engine with its own on-disk index format.

Re-exports only. Names resolve lazily so that ``import minisearch`` (and the CLI's start-up)
does not pay for numpy, msgpack or the stemmer until they are used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Index": "minisearch.index",
    "IndexInfo": "minisearch.index",
    "IndexWriter": "minisearch.writer",
    "Searcher": "minisearch.searcher",
    "SearchResults": "minisearch.searcher",
    "Hit": "minisearch.searcher",
    "Schema": "minisearch.schema",
    "Field": "minisearch.schema",
    "FieldKind": "minisearch.schema",
    "TextField": "minisearch.schema",
    "KeywordField": "minisearch.schema",
    "NumericField": "minisearch.schema",
    "StoredField": "minisearch.schema",
    "AnalyzerConfig": "minisearch.analysis",
    "Analyzer": "minisearch.analysis",
    "Bm25Params": "minisearch.scoring",
    "evaluate": "minisearch.relevance",
    "EvaluationReport": "minisearch.relevance",
    "TermQuery": "minisearch.query",
    "BooleanQuery": "minisearch.query",
    "MatchAllQuery": "minisearch.query",
    "MinisearchError": "minisearch.errors",
    "CorruptIndexError": "minisearch.errors",
    "IndexNotFoundError": "minisearch.errors",
    "IndexExistsError": "minisearch.errors",
    "IndexLockedError": "minisearch.errors",
    "IndexFormatTooOldError": "minisearch.errors",
    "IndexFormatTooNewError": "minisearch.errors",
    "QuerySyntaxError": "minisearch.errors",
    "SchemaError": "minisearch.errors",
    "AnalyzerConfigError": "minisearch.errors",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .analysis import Analyzer, AnalyzerConfig
    from .errors import (
        AnalyzerConfigError,
        CorruptIndexError,
        IndexExistsError,
        IndexFormatTooNewError,
        IndexFormatTooOldError,
        IndexLockedError,
        IndexNotFoundError,
        MinisearchError,
        QuerySyntaxError,
        SchemaError,
    )
    from .index import Index, IndexInfo
    from .query import BooleanQuery, MatchAllQuery, TermQuery
    from .relevance import EvaluationReport, evaluate
    from .schema import Field, FieldKind, KeywordField, NumericField, Schema, StoredField, TextField
    from .scoring import Bm25Params
    from .searcher import Hit, Searcher, SearchResults
    from .writer import IndexWriter


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'minisearch' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
