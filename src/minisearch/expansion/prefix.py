"""Prefix expansion: the terms of a sorted dictionary that start with a given prefix.

A field's term dictionary in one segment is a list of distinct strings sorted in code-point
order (which is UTF-8 byte order). In that order the terms sharing a prefix form one
contiguous block, so finding them costs two binary searches, O(log n), whatever the size of
the dictionary or of the block.

The block ends just before the smallest string greater than every string that starts with
the prefix (`prefix_upper_bound`): drop trailing U+10FFFF characters, then increment the
last remaining code point. That bound is also what the fuzzy expansion uses to skip a whole
sub-tree of the implicit trie with one `bisect`.

When a prefix matches more than `max_terms` terms, the expansion is truncated and says so.
Which terms survive is a choice: the first ones in term order are cheap but arbitrary (an
alphabetical bias: "ab…" wins over "zy…" whatever their frequency), so when the caller passes
the document frequencies we keep the most frequent terms instead, like Lucene's
`TopTermsRewrite` keeps the best-scoring ones. Either way the result lists indices in
ascending term order; truncation only decides which indices are in it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

_MAX_CODE_POINT = "\U0010ffff"


class Expansion(NamedTuple):
    """The dictionary indices a query term expands to, in ascending term order.

    `truncated` is true when more terms matched than the caller's `max_terms` allowed, so
    the query may miss documents; an engine can report it or raise the limit.
    """

    indices: list[int]
    truncated: bool


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with `prefix`.

    None when no such string exists (the prefix is empty or made only of U+10FFFF), in
    which case the block of `prefix` runs to the end of the dictionary.
    """
    if prefix and prefix[-1] != _MAX_CODE_POINT:  # the common case, without a copy
        return prefix[:-1] + chr(ord(prefix[-1]) + 1)
    stripped = prefix.rstrip(_MAX_CODE_POINT)
    if not stripped:
        return None
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


def prefix_end(terms: Sequence[str], prefix: str, lo: int, hi: int) -> int:
    """Index of the first term in `terms[lo:hi]` that is past the block of `prefix`.

    Requires every term in `terms[lo:hi]` to be >= `prefix` (as it is after
    `bisect_left(terms, prefix)`), so the answer is the end of the block that starts at `lo`.
    """
    bound = prefix_upper_bound(prefix)
    if bound is None:
        return hi
    return bisect_left(terms, bound, lo, hi)


def prefix_range(terms: Sequence[str], prefix: str) -> range:
    """Indices `[lo, hi)` of the terms that start with `prefix`; "" gives the whole range.

    `terms` must be sorted in code-point order without duplicates. Two binary searches.
    """
    if not prefix:
        return range(len(terms))
    lo = bisect_left(terms, prefix)
    return range(lo, prefix_end(terms, prefix, lo, len(terms)))


def top_by_doc_freq(doc_freqs: npt.NDArray[Any], count: int) -> npt.NDArray[np.intp]:
    """Ascending positions of the `count` largest values; ties go to the lower position.

    O(n) (one `np.partition`), so capping a prefix that matches a million terms stays cheap.
    """
    size = len(doc_freqs)
    if count >= size:
        return np.arange(size, dtype=np.intp)
    if count <= 0:
        return np.empty(0, dtype=np.intp)
    kth = size - count
    threshold = np.partition(doc_freqs, kth)[kth]  # the count-th largest value
    above = np.flatnonzero(doc_freqs > threshold)
    ties = np.flatnonzero(doc_freqs == threshold)[: count - len(above)]
    return np.sort(np.concatenate([above, ties]))


def check_doc_freqs(terms: Sequence[str], doc_freqs: npt.NDArray[Any] | None) -> None:
    """Raise ValueError unless `doc_freqs` is None or has one entry per term."""
    if doc_freqs is not None and len(doc_freqs) != len(terms):
        raise ValueError(
            f"doc_freqs has {len(doc_freqs)} entries but the dictionary has {len(terms)} terms"
        )


def expand_prefix(
    terms: Sequence[str],
    prefix: str,
    *,
    max_terms: int = 1024,
    doc_freqs: npt.NDArray[Any] | None = None,
) -> Expansion:
    """Indices of the terms starting with `prefix`, at most `max_terms` of them.

    If more terms match, the result is truncated (`truncated=True`) and keeps the
    `max_terms` terms with the highest document frequency when `doc_freqs` is given (ties:
    earlier term first), else the first `max_terms` terms of the block. The returned indices
    are always in ascending term order.
    """
    if max_terms < 0:
        raise ValueError(f"max_terms must be >= 0, got {max_terms}")
    check_doc_freqs(terms, doc_freqs)
    block = prefix_range(terms, prefix)
    if len(block) <= max_terms:
        return Expansion(list(block), False)
    if doc_freqs is None:
        return Expansion(list(block[:max_terms]), True)
    picked = top_by_doc_freq(doc_freqs[block.start : block.stop], max_terms) + block.start
    return Expansion([int(i) for i in picked], True)
