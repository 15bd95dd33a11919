"""The syntax stage of the query language: query text -> user-input syntax tree.

`parse_query` is strict (raises `QuerySyntaxError`); `parse_query_lenient` is for search
boxes (never raises, recovers what it can). The tree types and renderings are in `syntax`;
nothing here analyzes text or touches an index.
"""

from minisearch.queryparser.parser import (
    MAX_DEPTH,
    DefaultOperator,
    parse_query,
    parse_query_lenient,
)
from minisearch.queryparser.syntax import (
    BooleanNode,
    Clause,
    Fuzzy,
    Leaf,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
    Range,
    Word,
    escape_word,
    to_query,
    to_sexpr,
)

__all__ = [
    "MAX_DEPTH",
    "BooleanNode",
    "Clause",
    "DefaultOperator",
    "Fuzzy",
    "Leaf",
    "MatchAll",
    "Node",
    "Occur",
    "Phrase",
    "Prefix",
    "Range",
    "Word",
    "escape_word",
    "parse_query",
    "parse_query_lenient",
    "to_query",
    "to_sexpr",
]
