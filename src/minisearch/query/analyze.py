"""The semantic stage: a parsed syntax tree becomes an executable `Query`.

This is where the schema and the analyzer come in (the syntax stage knows neither). A bare
word searches every default text field (one clause per field, with its boost); a word that
analyzes to several terms ("F-16", "Pro-Kremlin") becomes a phrase, as Lucene does for
such words; a word that is only a stopword disappears. Keyword fields match the raw value,
numeric fields take numbers and ranges. Prefixes are normalised but not stemmed (a stem of
a fragment is meaningless); fuzzy terms are analyzed like words. Errors carry the position
of the offending part of the query.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ..analysis import Analyzer
from ..errors import QuerySyntaxError, UnknownFieldError
from ..queryparser.syntax import BooleanNode, Fuzzy, MatchAll, Node, Phrase, Prefix, Range, Word
from ..schema import Field, FieldKind, Schema
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


class QueryAnalyzer:
    """Turns syntax trees into queries for one schema and analyzer."""

    def __init__(
        self, schema: Schema, analyzer: Analyzer, default_fields: Sequence[Field], text: str = ""
    ) -> None:
        self.schema = schema
        self.analyzer = analyzer
        self.default_fields = list(default_fields)
        self.text = text

    def convert(self, node: Node) -> Query | None:
        """The query for `node`, or None when nothing searchable is left (only stopwords)."""
        if isinstance(node, BooleanNode):
            return self._boolean(node)
        if isinstance(node, MatchAll):
            return MatchAllQuery(boost=node.boost if node.boost is not None else 0.0)
        fields = self._fields(node.field, node.position)
        boost = node.boost if node.boost is not None else 1.0
        combined = self._combined(node, fields, boost)
        if combined is not None:
            return combined
        clauses = [c for f in fields if (c := self._leaf(node, f, boost)) is not None]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else BooleanQuery(should=tuple(clauses))

    def _combined(self, node: Node, fields: list[Field], boost: float) -> Query | None:
        """A bare word over several text fields that analyzes to one term: BM25F."""
        if not isinstance(node, Word) or node.field is not None or len(fields) < 2:
            return None
        if any(f.kind is not FieldKind.TEXT for f in fields):
            return None
        terms = self.analyzer.terms(node.text)
        if len(terms) != 1:
            return None
        return CombinedFieldQuery(terms[0], tuple((f.name, f.boost) for f in fields), boost=boost)

    def _boolean(self, node: BooleanNode) -> Query | None:
        groups: dict[str, list[Query]] = {"must": [], "should": [], "must_not": []}
        for clause in node.clauses:
            converted = self.convert(clause.node)
            if converted is not None:
                groups[clause.occur].append(converted)
        if not any(groups.values()):
            return None
        if not groups["must"] and not groups["should"] and not groups["must_not"]:
            return None
        return BooleanQuery(
            must=tuple(groups["must"]),
            should=tuple(groups["should"]),
            must_not=tuple(groups["must_not"]),
            boost=node.boost if node.boost is not None else 1.0,
        )

    def _fields(self, name: str | None, position: int) -> list[Field]:
        if name is None:
            return self.default_fields
        field = self.schema.get(name)
        if field is None or field.kind is FieldKind.STORED:
            known = ", ".join(f.name for f in self.schema.fields if f.indexed)
            raise UnknownFieldError(
                f"unknown field {name!r} (searchable fields: {known})", position, self.text
            )
        return [field]

    def _leaf(
        self, node: Word | Phrase | Prefix | Fuzzy | Range, field: Field, boost: float
    ) -> Query | None:
        if field.kind is FieldKind.KEYWORD:
            return self._keyword(node, field)
        if field.kind is FieldKind.NUMERIC:
            return self._numeric(node, field)
        if isinstance(node, Range):
            raise QuerySyntaxError(
                f"ranges need a numeric field; {field.name!r} is text", node.position, self.text
            )
        if isinstance(node, Prefix):
            return PrefixQuery(field.name, self._normalise(node.text), boost=boost * field.boost)
        if isinstance(node, Fuzzy):
            term = self.analyzer.analyze_term(node.text) or self._normalise(node.text)
            return FuzzyQuery(field.name, term, max_edits=node.max_edits, boost=boost * field.boost)
        tokens = self.analyzer.tokens(node.text)
        if not tokens:
            return None
        if len(tokens) == 1:
            return TermQuery(field.name, tokens[0].text, boost=boost * field.boost)
        if isinstance(node, Word) and not field.positions:
            return BooleanQuery(
                should=tuple(TermQuery(field.name, t.text, boost * field.boost) for t in tokens)
            )
        slop = node.slop if isinstance(node, Phrase) else 0
        if not field.positions:
            raise QuerySyntaxError(
                f"field {field.name!r} has no positions for phrases", node.position, self.text
            )
        first = tokens[0].position
        return PhraseQuery(
            field.name,
            tuple(t.text for t in tokens),
            tuple(t.position - first for t in tokens),
            slop=slop,
            boost=boost * field.boost,
        )

    def _keyword(self, node: Word | Phrase | Prefix | Fuzzy | Range, field: Field) -> Query:
        if isinstance(node, Word | Phrase):
            return KeywordQuery(field.name, node.text)
        raise QuerySyntaxError(
            f"keyword field {field.name!r} takes exact values only", node.position, self.text
        )

    def _numeric(self, node: Word | Phrase | Prefix | Fuzzy | Range, field: Field) -> Query:
        if isinstance(node, Range):
            return RangeQuery(
                field.name,
                self._number(node.lower, node.position),
                self._number(node.upper, node.position),
                node.include_lower,
                node.include_upper,
            )
        if isinstance(node, Word):
            value = self._number(node.text, node.position)
            return RangeQuery(field.name, value, value)
        raise QuerySyntaxError(
            f"numeric field {field.name!r} takes numbers or ranges", node.position, self.text
        )

    def _number(self, text: str | None, position: int) -> float | None:
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            raise QuerySyntaxError(f"{text!r} is not a number", position, self.text) from None

    def _normalise(self, text: str) -> str:
        config = self.analyzer.config
        if config.nfkc:
            text = unicodedata.normalize("NFKC", text)
        if config.lowercase:
            text = text.lower()
        if config.fold_accents:
            decomposed = unicodedata.normalize("NFKD", text)
            text = "".join(c for c in decomposed if not unicodedata.combining(c))
        return text
