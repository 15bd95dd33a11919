"""One store per segment for the weighted postings of plain words (query/words.py).

The compiled dense pass (dense_numba.py) takes a few microseconds per query on a small
segment; copying the query's words into one array for it (two `np.concatenate` calls over
arrays scattered across the heap) took two to three times that. Words bound to a small
snapshot for that kernel are therefore copied once, when bound, into their segment's store,
and the kernel reads each word's span of the store in place. Words bound for the numpy path
stay out of it: it concatenates them for `np.bincount` either way, and the store would cost it
a copy of the doc numbers that the cache of unit postings holds too.

Capacity: a word's postings in a segment are at most its documents in each of the searched
fields, so all the words of one snapshot hold at most the segment's tokens over its text
fields. The store reserves that many entries with `np.empty`; pages no word reaches are never
touched, so memory grows with the words queried. A word that does not fit (bound again after
the words cache evicted it, say) keeps arrays of its own and takes the concatenating path.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

_U32 = npt.NDArray[np.uint32]
_F64 = npt.NDArray[np.float64]

#: Bytes a store spends per posting: a u32 doc number and a float64 weighted value.
ENTRY_BYTES = 12


class SegmentStore:
    """Append-only doc numbers and weighted values of words, in one pair of arrays, and
    each word's ``(start, end)`` there as a row of `spans`, the row being the word's number
    (a query hands the kernel its words' numbers: one small array, not a row per word)."""

    __slots__ = ("_lock", "docs", "spans", "used", "values", "words")

    def __init__(self, capacity: int) -> None:
        self.docs: _U32 = np.empty(capacity, dtype=np.uint32)
        self.values: _F64 = np.empty(capacity, dtype=np.float64)
        self.spans: npt.NDArray[np.int64] = np.zeros((64, 2), dtype=np.int64)
        self.used = 0
        self.words = 0
        self._lock = threading.Lock()  # searchers may be shared by threads

    def put(self, docs: _U32, values: _F64) -> tuple[_U32, _F64, int] | None:
        """Copy one word's postings in: their views in the store and the word's number, or
        None when they do not fit."""
        size = len(docs)
        with self._lock:
            start = self.used
            if start + size > len(self.docs):
                return None
            end = self.used = start + size
            self.docs[start:end] = docs
            self.values[start:end] = values
            number = self.words
            if number == len(self.spans):
                # A new table, not a resize in place: a query in another thread may hold the
                # old one, whose rows stay right.
                self.spans = np.concatenate([self.spans, np.zeros_like(self.spans)])
            self.spans[number] = start, end
            self.words = number + 1
        return self.docs[start:end], self.values[start:end], number
