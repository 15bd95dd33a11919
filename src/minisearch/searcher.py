"""The searcher: a snapshot of one commit, and the place where queries are executed.

A `Searcher` opens the segment readers of one commit and keeps them, so its answers never
change while a writer commits; `refresh()` returns a searcher on the newest commit. It is the
`StatsProvider` for weights: N, document frequencies and field lengths are summed over the
live documents of all its segments. Execution: bind the query to these statistics (a
`Weight`), evaluate each segment with numpy, drop deleted documents, keep the exact top k
per segment and merge them (topk.py defines the tie order).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import count
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .analysis import Analyzer, AnalyzerConfig
from .commit import CommitPoint, generations, read_commit, read_latest
from .errors import MissingFileError, QuerySyntaxError, SchemaError
from .highlight import Fragment, snippets
from .query.analyze import QueryAnalyzer
from .query.ast import BooleanQuery, CombinedFieldQuery, Query, TermQuery
from .query.dense_numba import Kernel, default_kernel
from .query.execute import Strategy, segment_top_k
from .query.explain import Explanation
from .query.weight import create_weight, positive_terms
from .query.weight_base import SegmentContext, UnitMemo, Weight
from .query.words import FieldWeights, PlainWords, is_plain_words
from .queryparser import parse_query, parse_query_lenient
from .schema import Field, FieldKind, Schema
from .scoring import Bm25Params, FieldStats
from .segment.reader import SegmentReader
from .topk import Candidates, merge_candidates

_OPEN_RETRIES = 20


@dataclass(slots=True)
class Hit:
    """One result: external id, BM25 score, 1-based rank, and the stored fields."""

    id: str
    score: float
    rank: int
    fields: dict[str, Any] = field(default_factory=dict)
    snippets: dict[str, list[Fragment]] = field(default_factory=dict)


class SearchResults:
    """A page of hits plus the total number of matching live documents.

    `query` is the query that ran. For plain words the searcher scores without building
    one (query/words.py), so it is parsed when first asked for.
    """

    __slots__ = ("_make_query", "_query", "elapsed_ms", "hits", "total")

    def __init__(
        self,
        hits: list[Hit],
        total: int,
        query: Query | Callable[[], Query],
        elapsed_ms: float,
    ) -> None:
        self.hits = hits
        self.total = total
        self.elapsed_ms = elapsed_ms
        self._query: Query | None = None if callable(query) else query
        self._make_query: Callable[[], Query] | None = query if callable(query) else None

    @property
    def query(self) -> Query:
        if self._query is None:
            assert self._make_query is not None
            self._query = self._make_query()
        return self._query

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]

    def __repr__(self) -> str:
        return f"SearchResults(hits={self.hits!r}, total={self.total}, query={self.query!r})"


class Searcher:
    """Read-only snapshot of one commit. Cheap to query many times; close it when done."""

    def __init__(
        self, index_dir: Path, commit: CommitPoint, *, params: Bm25Params | None = None
    ) -> None:
        self.index_dir = index_dir
        self.commit = commit
        self.params = params or Bm25Params()
        self.schema: Schema = commit.schema
        self._text_fields = self.schema.text_fields
        self._default_weights = self._field_weights(None)
        self.analyzer = Analyzer(AnalyzerConfig.from_dict(commit.analyzer))
        self.segments: list[SegmentReader] = []
        try:
            for meta in commit.segments:
                self.segments.append(SegmentReader(index_dir, meta, commit.schema))
        except BaseException:
            self.close()
            raise
        self._field_stats: dict[str, FieldStats] = {}
        self._doc_freqs: dict[tuple[str, str], int] = {}
        self._doc_freqs_any: dict[tuple[tuple[str, ...], str], int] = {}
        memo = UnitMemo()
        self._contexts = [
            SegmentContext(seg, i, self, self.params, memo) for i, seg in enumerate(self.segments)
        ]
        # How segments are searched (query/execute.py); every strategy gives the same hits.
        self.strategy: Strategy = "auto"
        # What runs the dense pass over small segments: numpy, or numba when asked for
        # (MINISEARCH_KERNEL=numba, or set this); both give the same hits.
        self.kernel: Kernel = default_kernel()
        self._words = PlainWords(
            self, self._contexts, self.params, [f.name for f in self._text_fields]
        )

    @classmethod
    def open(cls, index_dir: Path, *, params: Bm25Params | None = None) -> Searcher:
        """Open the newest commit, retrying if a concurrent writer removes it meanwhile."""
        for _ in range(_OPEN_RETRIES):
            try:
                commit = read_latest(index_dir)
            except FileNotFoundError:
                continue  # the manifest was replaced between listing and reading
            try:
                return cls(index_dir, commit, params=params)
            except (FileNotFoundError, MissingFileError):
                if generations(index_dir)[-1:] == [commit.generation]:
                    raise
        return cls(index_dir, read_latest(index_dir), params=params)

    @property
    def generation(self) -> int:
        return self.commit.generation

    @property
    def doc_count(self) -> int:
        """Live documents in this snapshot."""
        return sum(s.live_count for s in self.segments)

    def refresh(self) -> Searcher:
        """This searcher if it is current, else a new one on the newest commit."""
        gens = generations(self.index_dir)
        if gens and gens[-1] == self.generation:
            return self
        for _ in range(_OPEN_RETRIES):
            gens = generations(self.index_dir)
            try:
                return Searcher(
                    self.index_dir, read_commit(self.index_dir, gens[-1]), params=self.params
                )
            except (FileNotFoundError, MissingFileError):
                continue
        return Searcher.open(self.index_dir, params=self.params)

    # -- statistics (StatsProvider) -------------------------------------------------------

    def field_stats(self, field: str) -> FieldStats:
        stats = self._field_stats.get(field)
        if stats is None:
            self._check_text_field(field)
            total = 0
            for seg in self.segments:
                written = seg.meta.length_sum(field)
                if written is not None and not seg.deleted:
                    total += written
                    continue
                lengths = seg.field_lengths(field)
                live = seg.live_mask
                kept = lengths if live is None else lengths[live]
                total += int(kept.sum(dtype=np.int64))
            stats = FieldStats(self.doc_count, total)
            self._field_stats[field] = stats
        return stats

    def doc_freq(self, field: str, term: str) -> int:
        """Live documents containing `term` in `field`."""
        key = (field, term)
        df = self._doc_freqs.get(key)
        if df is None:
            df = 0
            for seg in self.segments:
                postings = seg.term_postings(field, term)
                if postings is None:
                    continue
                if seg.deleted:
                    df += postings.bitmap().difference_cardinality(seg.deleted)
                else:
                    df += postings.entry.doc_freq
            self._doc_freqs[key] = df
        return df

    def doc_freq_any(self, fields: Sequence[str], term: str) -> int:
        """Live documents containing `term` in at least one of `fields`."""
        if len(fields) == 1:
            return self.doc_freq(fields[0], term)
        key = (tuple(fields), term)
        cached = self._doc_freqs_any.get(key)
        if cached is not None:
            return cached
        total = 0
        for seg in self.segments:
            union = None
            for name in fields:
                postings = seg.term_postings(name, term)
                if postings is not None:
                    bitmap = postings.bitmap()
                    union = bitmap if union is None else union | bitmap
            if union is not None:
                total += union.difference_cardinality(seg.deleted) if seg.deleted else len(union)
        self._doc_freqs_any[key] = total
        return total

    def dictionaries(self, field: str) -> list[tuple[Sequence[str], npt.NDArray[Any]]]:
        """Every segment's sorted terms of `field` with their (segment) doc freqs."""
        out = []
        for seg in self.segments:
            terms = seg.terms(field)
            if terms is not None:
                out.append((terms.terms, terms.doc_freqs))
        return out

    def _check_text_field(self, field: str) -> None:
        f = self.schema.get(field)
        if f is None or f.kind is not FieldKind.TEXT:
            known = ", ".join(x.name for x in self.schema.text_fields)
            raise SchemaError(f"{field!r} is not a text field; text fields: {known}")

    # -- querying ---------------------------------------------------------------------------

    def parse(
        self,
        text: str,
        *,
        fields: Sequence[str] | None = None,
        default_operator: Literal["OR", "AND"] = "OR",
    ) -> Query:
        """Parse the query language (see docs/QUERIES.md) against this index's schema.

        Raises `QuerySyntaxError` (with the position) for malformed input and
        `UnknownFieldError` for a field the schema does not have.
        """
        tree = parse_query(
            text, default_operator=default_operator, known_fields=self._known_fields()
        )
        return self._convert(tree, text, fields)

    def parse_plain(
        self,
        text: str,
        *,
        fields: Sequence[str] | None = None,
        default_operator: Literal["OR", "AND"] = "OR",
    ) -> Query:
        """Natural-language text with no query syntax: every word as if typed bare.

        For text that is not written in the query language (questions, titles, test
        collection topics): nothing is an operator, so it can never be a syntax error, and
        every token is its own term (a hyphenated word is not turned into a phrase).
        """
        chosen = self._default_fields(fields)
        terms = self.analyzer.terms(text)
        # What the query language makes of a bare word (query/analyze.py), built without a
        # call per word: a term query, or one term over all the fields (BM25F).
        clauses: tuple[Query, ...]
        if len(chosen) == 1:
            name, boost = chosen[0].name, chosen[0].boost
            clauses = tuple([TermQuery(name, term, boost) for term in terms])
        else:
            weighted = tuple((f.name, f.boost) for f in chosen)
            clauses = tuple([CombinedFieldQuery(term, weighted) for term in terms])
        if default_operator == "AND":
            return BooleanQuery(must=clauses)
        return BooleanQuery(should=clauses)

    def parse_lenient(
        self,
        text: str,
        *,
        fields: Sequence[str] | None = None,
        default_operator: Literal["OR", "AND"] = "OR",
    ) -> tuple[Query, list[QuerySyntaxError]]:
        """For search boxes: the best query the text allows, plus every problem found."""
        tree, errors = parse_query_lenient(text, default_operator=default_operator)
        if tree is None:
            return BooleanQuery(), errors
        try:
            return self._convert(tree, text, fields), errors
        except QuerySyntaxError as exc:
            return BooleanQuery(), [*errors, exc]

    def _default_fields(self, fields: Sequence[str] | None) -> list[Field]:
        """The text fields bare words search: `fields`, or every text field of the schema."""
        if not fields:
            return self._text_fields
        chosen = [self.schema[name] for name in fields]
        for f in chosen:
            self._check_text_field(f.name)
        return chosen

    def _field_weights(self, fields: Sequence[str] | None) -> FieldWeights:
        """The fields bare words search, with their boosts (the plain-words cache's key)."""
        return tuple([(f.name, f.boost) for f in self._default_fields(fields)])

    def _known_fields(self) -> list[str]:
        return [f.name for f in self.schema.fields if f.indexed]

    def _convert(self, tree: Any, text: str, fields: Sequence[str] | None) -> Query:
        chosen = self._default_fields(fields)
        query = QueryAnalyzer(self.schema, self.analyzer, chosen, text).convert(tree)
        return query if query is not None else BooleanQuery()

    def search(
        self,
        query: str | Query,
        k: int = 10,
        *,
        offset: int = 0,
        fields: Sequence[str] | None = None,
        default_operator: Literal["OR", "AND"] = "OR",
        stored_fields: bool = True,
        with_snippets: bool = False,
        syntax: bool = True,
    ) -> SearchResults:
        """The exact top `k` hits (after skipping `offset`), best first.

        A string is parsed in the query language (docs/QUERIES.md), or, with
        ``syntax=False``, taken as plain words (`parse_plain`).
        """
        if k < 0 or offset < 0:
            raise ValueError("k and offset must be >= 0")
        started = time.perf_counter()
        wanted = k + offset
        ranked = None
        ran: Query | Callable[[], Query]
        if isinstance(query, str):
            parse = partial(
                self.parse if syntax else self.parse_plain,
                query,
                fields=fields,
                default_operator=default_operator,
            )
            if (
                default_operator == "OR"
                and not with_snippets
                and self.strategy in ("auto", "dense")
                and (not syntax or is_plain_words(query))
            ):
                ranked = self._plain_words(query, fields, wanted)
            ran = parse if ranked is not None else parse()
        else:
            ran = query
        weight = None
        if ranked is None:
            assert not callable(ran)
            weight = create_weight(ran, self, self.params)
            ranked = self._ranked(weight, wanted)
        parts, total = ranked
        segs, docs, scores = merge_candidates(parts, wanted)
        if offset:
            segs, docs, scores = segs[offset:], docs[offset:], scores[offset:]
        hits = self._hits(segs, docs, scores, offset)
        if stored_fields or with_snippets:
            for hit, seg, doc in zip(hits, segs, docs, strict=True):
                stored = self.segments[seg].stored_fields(doc)
                hit.fields = stored if stored_fields else {}
                if weight is not None and with_snippets:
                    hit.snippets = self._snippets(weight, stored)
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResults(hits, total, ran, elapsed)

    def _plain_words(
        self, text: str, fields: Sequence[str] | None, wanted: int
    ) -> tuple[list[Candidates], int] | None:
        """`_ranked` for an OR of plain words, when query/words.py's fast path applies."""
        weighted = self._default_weights if not fields else self._field_weights(fields)
        terms = self.analyzer.terms(text)
        if not self._words.applies(len(terms), self.strategy == "dense"):
            return None
        words = self._words.postings(weighted, terms, self.kernel)
        if words is None:
            return None
        return self._words.top_k(words, wanted, self.kernel)

    def _ranked(self, weight: Weight, wanted: int) -> tuple[list[Candidates], int]:
        """Each segment's best `wanted` in final order, and the live match count."""
        parts: list[Candidates] = []
        total = 0
        best = np.zeros(0, dtype=np.float64)  # the `wanted` best scores so far
        for context in self._contexts:
            floor = float(best[0]) if len(best) == wanted and wanted else 0.0
            top = segment_top_k(weight, context, wanted, self.strategy, floor, self.kernel)
            total += top.total
            parts.append(Candidates(context.ordinal, top.docs, top.scores))
            if wanted and context.ordinal + 1 < len(self._contexts):
                best = np.sort(np.concatenate([best, top.scores]))[-wanted:]
        return parts, total

    def _hits(
        self, segs: list[int], docs: list[int], scores: list[float], offset: int
    ) -> list[Hit]:
        """Hits with ids and scores; stored fields and snippets are filled in after."""
        segments = self.segments
        if len(segments) == 1:
            ids = segments[0].external_ids(docs)
        else:
            ids = [segments[seg].external_id(doc) for seg, doc in zip(segs, docs, strict=True)]
        return list(map(Hit, ids, scores, count(offset + 1)))

    def _snippets(self, weight: Weight, stored: dict[str, Any]) -> dict[str, list[Fragment]]:
        out = {}
        for field_name, terms in positive_terms(weight).items():
            value = stored.get(field_name)
            if isinstance(value, str):
                fragments = snippets(value, terms, self.analyzer)
                if fragments:
                    out[field_name] = fragments
        return out

    def more_like_this(self, doc_id: str, k: int = 10) -> SearchResults:
        """The documents most similar to `doc_id` (its most distinctive terms as a query)."""
        from .suggest import more_like_this

        return more_like_this(self, doc_id, k)

    def did_you_mean(self, text: str) -> str | None:
        """`text` with words that are missing from the index replaced by close frequent ones."""
        from .suggest import did_you_mean

        return did_you_mean(self, text)

    def explain(self, query: str | Query, doc_id: str) -> Explanation | None:
        """Why `doc_id` scores what it does for `query` (None if it does not match).

        The top-level value equals the score `search` returns for the document.
        """
        if isinstance(query, str):
            query = self.parse(query)
        weight = create_weight(query, self, self.params)
        for ordinal, seg in enumerate(self.segments):
            doc = seg.doc_number(doc_id)
            if doc is not None:
                return weight.explain(self._contexts[ordinal], doc)
        return None

    def locate(self, doc_id: str) -> tuple[int, int] | None:
        """(segment ordinal, doc number) of the live document `doc_id`."""
        for ordinal in range(len(self.segments) - 1, -1, -1):
            doc = self.segments[ordinal].doc_number(doc_id)
            if doc is not None:
                return ordinal, doc
        return None

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The stored fields of the live document `doc_id`, or None."""
        for seg in reversed(self.segments):
            doc = seg.doc_number(doc_id)
            if doc is not None:
                return seg.stored_fields(doc)
        return None

    def close(self) -> None:
        for seg in self.segments:
            seg.close()
        self.segments = []

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
