"""Phrase matching over positions: exact phrases vectorised, sloppy phrases per document.

Exact phrase: a document matches at position p when term i occurs at p + offset_i for every
i. Keying each occurrence as ``doc << 32 | (position - offset_i)`` turns this into an
intersection of sorted integer arrays, done by numpy for all documents at once. Sloppy
phrase (slop N): a match is a choice of one occurrence per term whose shifted positions
(position - offset_i) lie within a window of N; counted with a sweep over the merged
occurrence lists of each candidate document. The match count is the phrase's term frequency.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import numpy.typing as npt

from ..postings import TermPostings


def phrase_freqs(
    postings: list[TermPostings], offsets: tuple[int, ...], slop: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Docs where the phrase occurs (ascending) and how many times it occurs in each."""
    docs = postings[0].docs
    for p in postings[1:]:
        docs = np.intersect1d(docs, p.docs, assume_unique=True)
    if len(docs) == 0:
        return docs.astype(np.uint32), np.zeros(0, dtype=np.int64)
    shifted = [_shifted_positions(p, docs, off) for p, off in zip(postings, offsets, strict=True)]
    if slop == 0:
        keys = shifted[0]
        for other in shifted[1:]:
            keys = np.intersect1d(keys, other, assume_unique=True)
        matched_docs = (keys >> 32).astype(np.uint32)
        found, counts = np.unique(matched_docs, return_counts=True)
        return found, counts.astype(np.int64)
    return _sloppy(shifted, docs, slop)


def _shifted_positions(
    postings: TermPostings, docs: npt.NDArray[Any], offset: int
) -> npt.NDArray[np.int64]:
    """Keys ``doc << 32 | (position - offset + 2**31)`` of the term's occurrences in `docs`."""
    flat, _starts = postings.flat_positions()
    term_docs = postings.docs
    keep = np.isin(term_docs, docs, assume_unique=True)
    tfs = postings.tfs.astype(np.int64)
    doc_of_position = np.repeat(term_docs.astype(np.int64), tfs)
    mask = np.repeat(keep, tfs)
    positions = flat[mask] - offset + (1 << 31)
    return (doc_of_position[mask] << 32) | positions


def _sloppy(
    shifted: list[npt.NDArray[np.int64]], docs: npt.NDArray[Any], slop: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    per_term = []
    for keys in shifted:
        doc_ids = keys >> 32
        bounds = np.searchsorted(doc_ids, docs.astype(np.int64), side="left")
        ends = np.searchsorted(doc_ids, docs.astype(np.int64), side="right")
        per_term.append((keys & 0xFFFFFFFF, bounds, ends))
    found: list[int] = []
    counts: list[int] = []
    for i, doc in enumerate(docs.tolist()):
        lists = [pos[b[i] : e[i]].tolist() for pos, b, e in per_term]
        n = _count_windows(lists, slop)
        if n:
            found.append(doc)
            counts.append(n)
    return np.asarray(found, dtype=np.uint32), np.asarray(counts, dtype=np.int64)


def _count_windows(lists: list[list[int]], slop: int) -> int:
    """Number of sweep steps at which one occurrence per term fits in a window of `slop`.

    Classic smallest-range sweep: keep one pointer per list, the window is [min, max] of the
    pointed values; count it when max - min <= slop, then advance the list holding the min.
    """
    heap = [(values[0], k, 0) for k, values in enumerate(lists)]
    heapq.heapify(heap)
    high = max(values[0] for values in lists)
    count = 0
    while True:
        low, k, at = heap[0]
        if high - low <= slop:
            count += 1
        if at + 1 == len(lists[k]):
            return count
        nxt = lists[k][at + 1]
        heapq.heapreplace(heap, (nxt, k, at + 1))
        high = max(high, nxt)
