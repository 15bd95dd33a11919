"""Timing of prefix and fuzzy expansion on a 1,000,000-term dictionary.

Not part of the test suite. Run: ``python benchmarks/bench_expansion.py [--terms N]``.

The dictionary is deterministic: seeded pseudo-words drawn letter by letter from English
letter frequencies, lengths 3 to 15 (peaking around 7), deduplicated and sorted in
code-point order. Each query set holds 200 words, half of them random pseudo-words and half
dictionary words with one random edit (insert, delete, substitute or transpose). For every
lookup we record the wall time and the DP rows the walk computed, and compare with a naive
scan (one full OSA table per term, i.e. one row per character of every term), timed on a
few lookups over a slice of the dictionary and scaled up, as it takes about a minute each.
Times are wall-clock per lookup; on a shared machine run it twice.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple, TypeVar

import numpy as np

from minisearch.expansion import edit_distance, expand_fuzzy, expand_prefix, scan_fuzzy

T = TypeVar("T")

LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
# Relative frequencies of English letters (per cent), in the order of LETTERS.
FREQUENCIES = [
    12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8,
    2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.10, 0.07,
]  # fmt: skip
LENGTHS = list(range(3, 16))
LENGTH_WEIGHTS = [3, 6, 9, 12, 13, 12, 10, 8, 6, 4, 3, 2, 1]


def pseudo_words(rng: np.random.Generator, count: int) -> list[str]:
    """`count` random words from the letter-frequency model (not deduplicated)."""
    letters = np.array(list(LETTERS))
    probs = np.array(FREQUENCIES) / sum(FREQUENCIES)
    weights = np.array(LENGTH_WEIGHTS) / sum(LENGTH_WEIGHTS)
    lengths = rng.choice(LENGTHS, size=count, p=weights)
    grid = letters[rng.choice(len(letters), size=(count, max(LENGTHS)), p=probs)]
    return ["".join(row[:n]) for row, n in zip(grid.tolist(), lengths.tolist(), strict=True)]


def build_dictionary(size: int, seed: int = 20240601) -> list[str]:
    """`size` distinct pseudo-words in code-point order."""
    rng = np.random.default_rng(seed)
    words: set[str] = set()
    while len(words) < size:
        words.update(pseudo_words(rng, size - len(words) + size // 50))
    pool = sorted(words)
    keep = rng.choice(len(pool), size=size, replace=False)
    return [pool[i] for i in np.sort(keep).tolist()]


def one_edit(word: str, rnd: random.Random) -> str:
    """`word` with one random insertion, deletion, substitution or adjacent transposition."""
    pos = rnd.randrange(len(word))
    kind = rnd.choice("idst" if len(word) > 1 else "is")
    letter = rnd.choice(LETTERS)
    if kind == "i":
        return word[:pos] + letter + word[pos:]
    if kind == "d":
        return word[:pos] + word[pos + 1 :]
    if kind == "s":
        return word[:pos] + letter + word[pos + 1 :]
    pos = min(pos, len(word) - 2)
    return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]


def queries(terms: Sequence[str], count: int, seed: int) -> list[str]:
    """Half random pseudo-words, half dictionary words with one edit."""
    rnd = random.Random(seed)
    fresh = pseudo_words(np.random.default_rng(seed), count // 2)
    edited = [one_edit(terms[rnd.randrange(len(terms))], rnd) for _ in range(count - count // 2)]
    return fresh + edited


class Timing(NamedTuple):
    """Wall-clock milliseconds per call, and the mean CPU milliseconds per call.

    On a loaded machine the CPU time is the steadier figure.
    """

    wall: list[float]
    cpu: float


def timed(call: Callable[[str], T], args: Sequence[str]) -> tuple[Timing, list[T]]:
    """Time `call(arg)` for each argument; return the timing and the results."""
    wall: list[float] = []
    results: list[T] = []
    cpu = time.process_time()
    for arg in args:
        start = time.perf_counter()
        results.append(call(arg))
        wall.append((time.perf_counter() - start) * 1000)
    return Timing(wall, (time.process_time() - cpu) * 1000 / max(1, len(args))), results


def summary(label: str, timing: Timing, extra: str = "") -> None:
    ordered = sorted(timing.wall)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"{label:<34} median {statistics.median(ordered):7.2f} ms  p99 {p99:7.2f} ms  "
        f"(CPU mean {timing.cpu:7.2f} ms)  {extra}"
    )


def naive_scan(terms: Sequence[str], word: str, *, max_edits: int) -> list[int]:
    return [i for i, term in enumerate(terms) if edit_distance(term, word) <= max_edits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive", type=int, default=4, help="lookups timed with the naive scan")
    parser.add_argument(
        "--naive-terms", type=int, default=100_000, help="dictionary slice the naive scan reads"
    )
    args = parser.parse_args()

    start = time.perf_counter()
    terms = build_dictionary(args.terms)
    doc_freqs = np.random.default_rng(7).zipf(1.5, size=len(terms)).astype(np.uint32)
    naive_rows = sum(map(len, terms))
    print(
        f"dictionary: {len(terms):,} terms, {naive_rows:,} characters "
        f"(built in {time.perf_counter() - start:.1f} s)"
    )

    words = queries(terms, args.queries, seed=11)
    for k in (1, 2):
        for prefix_length in (0, 1):
            timing, scans = timed(
                partial(scan_fuzzy, terms, max_edits=k, prefix_length=prefix_length), words
            )
            rows = [scan.rows_computed for scan in scans]
            found = [len(scan.matches) for scan in scans]
            summary(
                f"scan_fuzzy k={k} prefix_length={prefix_length}",
                timing,
                f"rows median {statistics.median(rows):,.0f} max {max(rows):,} "
                f"(naive {naive_rows:,}); matches median {statistics.median(found):.0f}",
            )
        timing, _ = timed(partial(expand_fuzzy, terms, max_edits=k, doc_freqs=doc_freqs), words)
        summary(f"expand_fuzzy k={k} (cap 50 by df)", timing)

    rnd = random.Random(5)
    prefixes = [terms[rnd.randrange(len(terms))][: rnd.randint(1, 4)] for _ in range(args.queries)]
    timing, _ = timed(partial(expand_prefix, terms), prefixes)
    summary("expand_prefix (cap 1024, first)", timing)
    timing, _ = timed(partial(expand_prefix, terms, doc_freqs=doc_freqs), prefixes)
    summary("expand_prefix (cap 1024 by df)", timing)

    # The naive scan costs about a minute per lookup on a million terms: time it on a slice
    # and scale linearly (it is exactly linear), checking it agrees with the walk there.
    part = terms[: args.naive_terms]
    scale = len(terms) / len(part)
    sample = words[: args.naive // 2] + words[len(words) // 2 :][: args.naive - args.naive // 2]
    for k in (1, 2):
        naive, expected = timed(partial(naive_scan, part, max_edits=k), sample)
        _, scans = timed(partial(scan_fuzzy, part, max_edits=k), sample)
        assert [[i for i, _ in scan.matches] for scan in scans] == expected, "walk != naive scan"
        full_naive = statistics.mean(naive.wall) * scale
        print(
            f"naive scan k={k}: {full_naive:,.0f} ms per lookup on {len(terms):,} terms "
            f"(timed on {len(part):,}, {len(sample)} lookups, same matches as the walk)"
        )


if __name__ == "__main__":
    main()
