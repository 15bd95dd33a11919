"""Plain words, the query most searches are, run without building query objects.

Text with no query syntax (a search box's words, a question, a test collection's topic) is an
OR of one clause per word. The general path parses it into a tree, binds a weight per clause,
takes each clause's unit values from the memo and multiplies them by the weights: per query,
about as much Python as the scoring itself on a small collection. Here a word's weighted
postings (``weight * unit value`` for each document of each segment) are made once per
snapshot and kept, within a byte budget, so a query costs its analysis, a dictionary lookup
per word and the dense pass of disjunction.py over each segment. For the compiled kernel, on
a snapshot small enough, they are kept in one store per segment (arena.py), which the
compiled dense pass reads in place.

The hits are the general path's, float for float and in the same order: the same clauses in
the same order (`create_weight` sorts them by decreasing weight, stably, as `sorted` does
here), the same products (``weight * value`` is what the general path's per-query
``values * weights`` computes) and the same selection code. It applies where the general
path would run the dense pass on every segment; elsewhere (MaxScore on big segments, AND,
non-positive weights) the searcher takes the general path. The property tests compare both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..cache import ByteBudgetCache
from ..queryparser.lexer import KEYWORDS
from ..scoring import Bm25Params
from ..topk import Candidates
from . import disjunction
from .arena import ENTRY_BYTES, SegmentStore
from .ast import CombinedFieldQuery, Query, TermQuery
from .combined import CombinedFieldWeight
from .dense_numba import Kernel
from .disjunction import spans_top, sum_top
from .execute import is_term_clause
from .weight import SearchContext, TermWeight, create_weight
from .weight_base import SegmentContext

FieldWeights = tuple[tuple[str, float], ...]

_U32 = npt.NDArray[np.uint32]
_F64 = npt.NDArray[np.float64]


def is_plain_words(text: str) -> bool:
    """Whether the query language reads `text` as nothing but an OR of bare words.

    Letters, digits and whitespace only, at least one word (an empty query is a syntax
    error), and no word spelled as an operator: each word is then one token of the analyzer,
    and `Searcher.parse` gives what `parse_plain` gives.
    """
    words = text.split()
    return (
        bool(words)
        and all(char.isalnum() or char.isspace() for char in text)
        and KEYWORDS.isdisjoint(words)
    )


@dataclass(frozen=True, slots=True)
class WordPostings:
    """One word's clause bound to a snapshot: its weight and, per segment, its documents
    with ``weight * unit value`` each (empty arrays where the segment lacks the word), and
    its number in the segment's store (None where it is not in one)."""

    weight: float
    docs: tuple[_U32, ...]
    weighted: tuple[_F64, ...]
    numbers: tuple[int | None, ...]

    @property
    def nbytes(self) -> int:
        return sum(d.nbytes for d in self.docs) + sum(v.nbytes for v in self.weighted)


class PlainWords:
    """A searcher's fast path for plain words (see the module docstring)."""

    DEFAULT_BUDGET = 64 * 1024 * 1024

    def __init__(
        self,
        context: SearchContext,
        segments: Sequence[SegmentContext],
        params: Bm25Params,
        text_fields: Sequence[str],
        budget: int | None = None,
    ) -> None:
        self._context = context
        self._segments = list(segments)
        self._params = params
        self._text_fields = list(text_fields)
        self._largest = max((s.doc_count for s in self._segments), default=0)
        self._budget = self.DEFAULT_BUDGET if budget is None else budget
        # None marks a word whose clause the general path must run (non-positive weight).
        self._words: ByteBudgetCache[WordPostings | None] = ByteBudgetCache(self._budget)
        # Cache keys are (fields number, term): a tuple of field weights hashes per lookup.
        self._field_numbers: dict[FieldWeights, int] = {}
        self._stores: list[SegmentStore | None] | None = None  # made at the first bind

    def postings(
        self, fields: FieldWeights, terms: Sequence[str], kernel: Kernel
    ) -> list[WordPostings] | None:
        """Each term's bound clause over `fields` (BM25F when several), in the order the
        general path adds them; None when one of them needs the general path. Words bound for
        a compiled `kernel` go to the segment stores, which only that kernel reads."""
        words = []
        cache = self._words
        number = self._field_numbers.setdefault(fields, len(self._field_numbers))
        for term in terms:
            key = (number, term)
            word = cache.get(key)
            if word is None:
                if key in cache:
                    return None
                word = self._bind(fields, term, compiled=kernel != "numpy")
                cache.put(key, word, 0 if word is None else word.nbytes)
                if word is None:
                    return None
            words.append(word)
        words.sort(key=_by_decreasing_weight)  # stable, like create_weight's order
        return words

    def _bind(self, fields: FieldWeights, term: str, compiled: bool) -> WordPostings | None:
        clause: Query
        if len(fields) == 1:
            clause = TermQuery(fields[0][0], term, fields[0][1])
        else:
            clause = CombinedFieldQuery(term, fields)
        weight = create_weight(clause, self._context, self._params)
        if not isinstance(weight, TermWeight | CombinedFieldWeight) or not is_term_clause(weight):
            return None
        w = weight.weight
        stores = self._segment_stores() if compiled else [None] * len(self._segments)
        docs: list[_U32] = []
        weighted: list[_F64] = []
        numbers: list[int | None] = []
        for segment, store in zip(self._segments, stores, strict=True):
            units = weight.unit_postings(segment)
            values = w * units.values
            stored = store.put(units.docs, values) if store is not None else None
            if stored is None:
                docs.append(units.docs)
                weighted.append(values)
                numbers.append(None)
            else:
                docs.append(stored[0])
                weighted.append(stored[1])
                numbers.append(stored[2])
        return WordPostings(w, tuple(docs), tuple(weighted), tuple(numbers))

    def _segment_stores(self) -> list[SegmentStore | None]:
        """Each segment's store, when the snapshot's tokens fit the byte budget (arena.py)."""
        if self._stores is None:
            tokens = [
                sum(int(s.reader.field_lengths(f).sum(dtype=np.int64)) for f in self._text_fields)
                for s in self._segments
            ]
            if sum(tokens) * ENTRY_BYTES <= self._budget:
                self._stores = [SegmentStore(count) for count in tokens]
            else:
                self._stores = [None] * len(self._segments)
        return self._stores

    def applies(self, clauses: int, dense_only: bool) -> bool:
        """Whether the general path would run the dense pass on every segment (with "auto",
        MaxScore takes segments of at least MAXSCORE_DOCS_PER_CLAUSE documents per clause).

        A single word on segments of MaxScore's size is left to the general path too: it costs
        one product per query next to a pass over long postings, and keeping weighted copies
        of the memo's values would double the memory of a big index's frequent words.
        """
        threshold = disjunction.MAXSCORE_DOCS_PER_CLAUSE  # read per call: tests lower it
        return dense_only or self._largest < threshold * max(clauses, 2)

    def top_k(
        self, words: list[WordPostings], wanted: int, kernel: Kernel
    ) -> tuple[list[Candidates], int]:
        """Each segment's best `wanted` in final order, and the live match count."""
        parts: list[Candidates] = []
        total = 0
        if not words:
            return parts, total
        stores = self._stores if kernel != "numpy" else None
        for i, segment in enumerate(self._segments):
            store = stores[i] if stores is not None else None
            if store is not None and None not in (numbers := [w.numbers[i] for w in words]):
                # The compiled pass reads each word's span of the store: nothing is copied.
                # The values are weighted already (weights of 1.0).
                top = spans_top(
                    store.docs,
                    store.values,
                    store.spans,
                    np.array(numbers, dtype=np.int64),
                    _ones(len(numbers)),
                    segment,
                    wanted,
                    kernel,
                )
            else:
                present = [w for w in words if len(w.docs[i])]
                if not present:
                    continue
                docs = [w.docs[i] for w in present]
                weighted = [w.weighted[i] for w in present]
                top = sum_top(docs, weighted, None, segment, wanted, kernel=kernel)
            total += top.total
            parts.append(Candidates(i, top.docs, top.scores))
        return parts, total


def _by_decreasing_weight(word: WordPostings) -> float:
    return -word.weight


_ONES = np.ones(256)


def _ones(count: int) -> _F64:
    """Weights of 1.0: a slice of one array for the usual query (np.ones costs more)."""
    return _ONES[:count] if count <= len(_ONES) else np.ones(count)
