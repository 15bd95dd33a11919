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
class CombinedFieldQuery:
    """One term searched in several text fields at once, scored with BM25F.

    The term's frequencies in the fields are weighted, length-normalised per field and summed
    into one pseudo-frequency, which is saturated once (so a term in title and body is not
    counted as two independent pieces of evidence); idf uses the documents that contain the
    term in any of the fields. See docs/RELEVANCE.md.
    """

    term: str
    fields: tuple[tuple[str, float], ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class PhraseQuery:
    """Terms at the given relative positions (gaps left by stopwords are kept in `offsets`).

    With `slop` > 0 the terms may be up to `slop` positions away from where the phrase puts
    them, in any direction. Scored as BM25 whose tf is the number of matches in the document
    and whose idf is the sum of the terms' idfs (as Lucene does).
    """

    field: str
    terms: tuple[str, ...]
    offsets: tuple[int, ...]
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class PrefixQuery:
    """Terms of `field` starting with `prefix`, each scored like a `TermQuery` and summed.

    At most `max_expansions` terms are used: the most frequent ones (by live doc freq).
    """

    field: str
    prefix: str
    boost: float = 1.0
    max_expansions: int = 1024


@dataclass(frozen=True, slots=True)
class FuzzyQuery:
    """Terms within `max_edits` (Damerau-Levenshtein) of `term`, scored like `TermQuery`.

    The closest and most frequent `max_expansions` terms are used; each is scored with BM25
    and its contribution scaled by ``1 - distance / (len(term) + 1)`` so exact matches win.
    """

    field: str
    term: str
    max_edits: int = 2
    prefix_length: int = 0
    boost: float = 1.0
    max_expansions: int = 50


@dataclass(frozen=True, slots=True)
class KeywordQuery:
    """A filter: documents whose keyword `field` has exactly `value` (score 0)."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class RangeQuery:
    """A filter on a numeric field: ``lower <= value <= upper`` (bounds optional, score 0)."""

    field: str
    lower: float | None = None
    upper: float | None = None
    include_lower: bool = True
    include_upper: bool = True


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


Query = (
    TermQuery
    | CombinedFieldQuery
    | PhraseQuery
    | PrefixQuery
    | FuzzyQuery
    | KeywordQuery
    | RangeQuery
    | MatchAllQuery
    | BooleanQuery
)
