"""Fuzzy expansion: the terms of a sorted dictionary within k edits of a query word.

The distance is the restricted Damerau–Levenshtein distance (optimal string alignment, OSA):
insertions, deletions, substitutions and transpositions of two adjacent characters each cost
one, and no substring is edited twice. That is Lucene's `FuzzyQuery` with
`transpositions=true`; like Lucene we count code points and support k = 0, 1 or 2.

Why not a scan? A dictionary holds a million terms; one dynamic-programming table per term
is about 30 µs in Python, so half a minute per query. Instead we walk the sorted list as an
implicit trie (terms sharing a prefix are contiguous), keeping one DP row per character of
the prefix being walked on a stack:

* A term shares a prefix with the previous one, so only the rows past it are computed.
* The row of a prefix bounds from below the distance of every extension of it (with OSA
  too: a transposition that jumps over row i, from cell (i-1, j-2) to (i+1, j), costs at
  least cell (i, j-1)). So the walk never enters a prefix that cannot lead to a match.
* The walk descends only while a prefix has an edit to spare (some cell of its row <= k-1).
  At a prefix p whose best cell is exactly k, a match can spend no further edit, so the
  matches below p are p + word[j:] for each cell j at k, plus p + word[b] + word[b+2:] for a
  transposition started one row up: a handful of strings, looked up with binary searches
  (or by reading the block when it holds at most `_SCAN_LIMIT` terms), and the whole block
  of p is skipped with one `bisect` (`prefix.prefix_end`). This is the Levenshtein
  automaton's "seek" of Lucene, done for the last, exact stretch of every match; a plain
  walk that only prunes rows above k computes 10–15 times more rows.

A row is encoded bit-parallel, as the Levenshtein NFA of Wu & Manber extended with
transpositions: bit j of `state[e]` is set iff distance(prefix, word[:j]) <= e, for
e = 0..k. One row costs O(k) integer operations whatever the word's length; "an edit to
spare" is `state[k-1] != 0`, and "the term matches" is bit len(word) of `state[k]`.

So a lookup does work in proportion to the prefixes within k-1 edits of a prefix of the
word and their children, not to the dictionary. On 1,000,000 pseudo-words
(benchmarks/bench_expansion.py) k=1 computes about a hundred rows and k=2 a few thousand,
against eight million for a scan: k=1 takes about a millisecond, k=2 about 30 ms.

`prefix_length` (Lucene's default 0) demands that the first characters match exactly; the
walk then starts inside that prefix's block. With 1, k=2 is two to three times faster,
because the dense top of the trie, where every prefix has edits to spare, is left out; the
price is that an edit of the first character (a typo like "fhost" for "ghost", or a
transposition of the first two) is not found.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy.typing as npt

from .prefix import Expansion, check_doc_freqs, prefix_end, prefix_range

_SCAN_LIMIT = 8
"""Blocks up to this many terms are read in full rather than searched tail by tail."""

MAX_SUPPORTED_EDITS = 2
"""Lucene's limit too: beyond two edits the matches are mostly noise and the walk slows."""


class FuzzyScan(NamedTuple):
    """Every match of a fuzzy walk, before any `max_terms` cap.

    `matches` holds `(index, distance)` pairs in ascending index order. `rows_computed` is
    the number of DP rows the walk evaluated; a naive scan evaluates one per character of
    every term.
    """

    matches: list[tuple[int, int]]
    rows_computed: int


def edit_distance(a: str, b: str) -> int:
    """The optimal-string-alignment distance between `a` and `b` (no bound, O(len a · len b))."""
    if a == b:
        return 0
    before: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            cur.append(best)
        before, prev = prev, cur
    return prev[-1]


def _validate(max_edits: int, prefix_length: int) -> None:
    if not 0 <= max_edits <= MAX_SUPPORTED_EDITS:
        raise ValueError(f"max_edits must be 0, 1 or 2, got {max_edits}")
    if prefix_length < 0:
        raise ValueError(f"prefix_length must be >= 0, got {prefix_length}")


class _Automaton:
    """The bit-parallel OSA rows of one query word at one edit budget.

    A state is a list of k+1 bitsets: bit j of `state[e]` is set iff the distance between
    the prefix read so far and `word[:j]` is at most e.
    """

    __slots__ = ("_char_bits", "_exact_tails", "_full", "_k", "_swapped_tails", "_tails", "start")

    def __init__(self, word: str, k: int) -> None:
        m = len(word)
        self._k = k
        self._full = (1 << (m + 1)) - 1
        self._char_bits: dict[str, int] = {}  # bit j set iff word[j - 1] == char (j = 1..m)
        for j, ch in enumerate(word, start=1):
            self._char_bits[ch] = self._char_bits.get(ch, 0) | (1 << j)
        self._tails = [word[j:] for j in range(m + 1)]
        # Read after a prefix whose last character is word[b + 1]: word[b], then the rest.
        self._swapped_tails = [word[b] + word[b + 2 :] for b in range(m - 1)]
        self._exact_tails: dict[tuple[int, int], frozenset[str]] = {}
        self.start = [(1 << (min(e, m) + 1)) - 1 for e in range(k + 1)]

    def step(self, cur: list[int], before: list[int], ch: str, prev_ch: str) -> list[int]:
        """The state after appending `ch` to a prefix in state `cur` ending in `prev_ch`.

        `before` is the state of that prefix minus its last character; at the root, where
        `prev_ch` is "", no transposition is possible and `before` is not read.
        """
        bits = self._char_bits.get(ch, 0)
        # Transposition into cell j: word[j-2] == ch and word[j-1] == prev_ch.
        swap = (bits << 1) & self._char_bits.get(prev_ch, 0)
        lower = (cur[0] << 1) & bits
        nxt = [lower]
        for e in range(1, self._k + 1):
            old = cur[e - 1]
            row = ((cur[e] << 1) & bits) | old | ((old | lower) << 1)
            if swap:
                row |= (before[e - 1] << 2) & swap
            lower = row & self._full
            nxt.append(lower)
        return nxt

    def exact_tails(self, cells: int, cells_before: int, last_ch: str) -> frozenset[str]:
        """The suffixes completing a prefix with no edit left (its `state[k-1]` is 0).

        `cells` is the prefix's `state[k]`, `cells_before` the `state[k-1]` of the prefix
        minus its last character `last_ch`. Every cell of the prefix's row is then >= k, so
        a match spends no further edit: it continues with `word[j:]` from a cell j at
        exactly k, or completes a transposition started one row up (the prefix ends in
        word[b+1], the term goes on with word[b]). Memoised: siblings share their states.
        """
        key = (cells, cells_before & (self._char_bits.get(last_ch, 0) >> 2))
        known = self._exact_tails.get(key)
        if known is not None:
            return known
        tails = set()
        bits, swapped = key
        while bits:
            low = bits & -bits
            tails.add(self._tails[low.bit_length() - 1])
            bits ^= low
        while swapped:
            low = swapped & -swapped
            tails.add(self._swapped_tails[low.bit_length() - 1])
            swapped ^= low
        result = self._exact_tails[key] = frozenset(tails)
        return result


def _find_tails(
    terms: Sequence[str],
    prefix: str,
    tails: frozenset[str],
    lo: int,
    hi: int,
    distance: int,
    matches: list[tuple[int, int]],
) -> int:
    """Append `(index, distance)` for each `prefix + tail` in the block of `prefix` at `lo`.

    Returns the end of that block, found with one binary search. A small block is then read
    term by term; in a larger one each tail is looked up with a binary search.
    """
    end = prefix_end(terms, prefix, lo + 1, hi)
    if end - lo <= _SCAN_LIMIT:
        cut = len(prefix)
        for i in range(lo, end):
            if terms[i][cut:] in tails:
                matches.append((i, distance))
        return end
    for tail in sorted(tails):
        at = bisect_left(terms, prefix + tail, lo, end)
        if at < end and terms[at] == prefix + tail:
            matches.append((at, distance))
    return end


def scan_fuzzy(
    terms: Sequence[str], word: str, *, max_edits: int, prefix_length: int = 0
) -> FuzzyScan:
    """All terms starting with `word[:prefix_length]` within `max_edits` OSA edits of `word`.

    `terms` must be sorted in code-point order without duplicates. See the module docstring
    for the walk.
    """
    _validate(max_edits, prefix_length)
    k = max_edits
    block = prefix_range(terms, word[:prefix_length])
    lo, hi = block.start, block.stop
    if k == 0:
        at = bisect_left(terms, word, lo, hi)
        return FuzzyScan([(at, 0)] if at < hi and terms[at] == word else [], 0)
    automaton = _Automaton(word, k)
    step = automaton.step
    exact_tails = automaton.exact_tails
    accept = 1 << len(word)
    # states[d] is the state of path[:d]; every state on the stack has edits to spare.
    states = [automaton.start]
    path = ""
    matches: list[tuple[int, int]] = []
    rows = 0
    i = lo
    while i < hi:
        term = terms[i]
        depth = min(len(states) - 1, len(term))
        common = 0
        while common < depth and term[common] == path[common]:
            common += 1
        del states[common + 1 :]
        path = term
        for pos in range(common, len(term)):
            if pos:
                state = step(states[pos], states[pos - 1], term[pos], term[pos - 1])
            else:
                state = step(states[0], states[0], term[0], "")
            rows += 1
            if not state[k - 1]:
                # No edit to spare below term[:pos + 1]: look its exact completions up.
                tails = exact_tails(state[k], states[pos][k - 1], term[pos])
                i = _find_tails(terms, term[: pos + 1], tails, i, hi, k, matches)
                break
            states.append(state)
        else:
            final = states[-1]
            if final[k] & accept:
                matches.append((i, next(e for e in range(k + 1) if final[e] & accept)))
            i += 1
    return FuzzyScan(matches, rows)


def expand_fuzzy(
    terms: Sequence[str],
    word: str,
    *,
    max_edits: int,
    prefix_length: int = 0,
    max_terms: int = 50,
    doc_freqs: npt.NDArray[Any] | None = None,
) -> Expansion:
    """Indices of the terms within `max_edits` OSA edits of `word`, at most `max_terms`.

    Only terms starting with `word[:prefix_length]` are considered. When more match, the
    result is truncated (`truncated=True`) to the best ones: smallest distance first, then
    highest document frequency (when `doc_freqs` is given), then term order. The returned
    indices are in ascending term order; `scan_fuzzy` gives the distances.
    """
    if max_terms < 0:
        raise ValueError(f"max_terms must be >= 0, got {max_terms}")
    check_doc_freqs(terms, doc_freqs)
    matches = scan_fuzzy(terms, word, max_edits=max_edits, prefix_length=prefix_length).matches
    if len(matches) <= max_terms:
        return Expansion([index for index, _ in matches], False)
    if doc_freqs is None:
        ranked = sorted(matches, key=lambda match: (match[1], match[0]))
    else:
        freqs = doc_freqs
        ranked = sorted(matches, key=lambda match: (match[1], -int(freqs[match[0]]), match[0]))
    return Expansion(sorted(index for index, _ in ranked[:max_terms]), True)
