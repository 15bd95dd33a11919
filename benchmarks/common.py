"""Shared pieces of the benchmark suite: analysis, timing and small helpers.

Every peer engine that lets us plug in our own tokenization gets exactly the
analysis defined here, so that speed and quality differences come from the
engines and not from the text processing:

* tokens are ``\\w+`` runs of the lower-cased text,
* Lucene's 33-word English stopword list is removed,
* the Snowball (Porter2) ``english`` stemmer of PyStemmer is applied.

BM25 parameters are fixed to ``k1 = 1.2`` and ``b = 0.75`` for every engine.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TypeVar

import Stemmer

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
#: Generated corpora and temporary indexes; override with ``MINISEARCH_BENCH_CACHE``.
CACHE_DIR = Path(os.environ.get("MINISEARCH_BENCH_CACHE") or BENCH_DIR / ".cache")

K1 = 1.2
B = 0.75

#: Lucene's ``EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`` (33 words); used only when
#: ``minisearch.analysis.stopwords.stopwords`` is not importable.
LUCENE_ENGLISH_STOPWORDS: frozenset[str] = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
))  # fmt: skip

_TOKEN_RE = re.compile(r"\w+")

T = TypeVar("T")


@cache
def english_stopwords() -> frozenset[str]:
    """The English stopword list minisearch uses (Lucene's 33 words)."""
    try:
        from minisearch.analysis.stopwords import stopwords
    except ImportError:
        return LUCENE_ENGLISH_STOPWORDS
    return frozenset(stopwords("english"))


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem_word(word: str) -> str:
    """Stem one word with PyStemmer ``english`` (a module-level function, so it pickles)."""
    return str(_stemmer().stemWord(word))


def analyze(text: str) -> list[str]:
    """Tokenize, lower-case, drop stopwords and stem ``text`` (the shared analysis)."""
    stop = english_stopwords()
    words = [w for w in _TOKEN_RE.findall(text.lower()) if w not in stop]
    return list(_stemmer().stemWords(words))


def query_words(text: str) -> str:
    """``text`` reduced to lower-case ``\\w+`` words separated by spaces.

    Engines with a query language (tantivy, whoosh, FTS5) get this so that
    punctuation such as ``"`` or ``:`` in a natural-language query is never
    read as syntax; the lower-casing also keeps ``AND``/``OR``/``NOT`` from
    becoming operators.
    """
    return " ".join(_TOKEN_RE.findall(text.lower()))


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn()`` once and return ``(seconds, result)`` (perf_counter wall clock)."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def time_each(fn: Callable[[T], object], items: Sequence[T]) -> list[float]:
    """Seconds taken by ``fn(item)`` for every item, in order."""
    out: list[float] = []
    clock = time.perf_counter
    for item in items:
        start = clock()
        fn(item)
        out.append(clock() - start)
    return out


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default method) of ``values``."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * pct / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


# --------------------------------------------------------------------------- files


def path_size(path: Path) -> int:
    """Bytes used by a file, or by all files below a directory."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            fp = Path(root, name)
            if not fp.is_symlink():
                total += fp.stat().st_size
    return total


def single_thread_env() -> dict[str, str]:
    """Environment variables that pin numeric libraries to one thread."""
    return {
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",
        "RAYON_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def pin_single_thread() -> None:
    """Apply :func:`single_thread_env` to this process (call before importing peers)."""
    for key, value in single_thread_env().items():
        os.environ.setdefault(key, value)
