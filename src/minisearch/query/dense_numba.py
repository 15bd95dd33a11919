"""The dense top-k pass compiled with numba (optional: ``pip install minisearch[numba]``).

On small segments a query's time goes to numpy call overhead, not arithmetic: the numpy
path makes about ten array passes (concatenate, repeat, bincount, count, select, sort) of a
few microseconds each. This kernel does the same work in one pass over the postings and one
over the segment, keeping the k best in a bounded heap, which it then sorts.

It returns what `disjunction._dense` returns, float for float: each document's sum starts at
0.0 and adds ``weight * value`` clause by clause in the given order (the order `bincount`
adds in), then is multiplied by `boost`; no fast-math, so no reassociation or fused
multiply-add. Ties go to the lower doc number. The numpy path stays the default; searchers
use this one when asked (`Searcher.kernel`), and the property tests compare the two.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import KernelError

# "python" runs the numba kernel's code uncompiled: slow, for checking the compiled one.
Kernel = Literal["numpy", "numba", "python"]
KERNEL_VARIABLE = "MINISEARCH_KERNEL"


def default_kernel() -> Kernel:
    """The kernel new searchers use: ``MINISEARCH_KERNEL`` (numpy or numba), else numpy.

    An environment variable, so that command-line users and programs that embed the engine
    switch the same way without code changes.
    """
    chosen = os.environ.get(KERNEL_VARIABLE, "numpy").strip().lower() or "numpy"
    if chosen == "numpy":
        return "numpy"
    if chosen == "numba":
        if importlib.util.find_spec("numba") is None:
            raise KernelError(
                f"{KERNEL_VARIABLE}=numba needs numba: pip install 'minisearch[numba]'"
            )
        return "numba"
    raise KernelError(f"{KERNEL_VARIABLE} must be numpy or numba, not {chosen!r}")


_KernelFunction = Callable[..., tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64], int]]


def dense_kernel(kernel: Kernel) -> _KernelFunction:
    """The dense pass for a kernel other than numpy: compiled, or as written ("python")."""
    return _dense_top_k if kernel == "python" else _compiled()


@cache
def _compiled() -> _KernelFunction:
    """Compiled on first use; numba caches the machine code on disk between runs."""
    try:
        import numba
        from numba.extending import register_jitable
    except ImportError as exc:
        raise KernelError("the numba kernel needs numba: pip install 'minisearch[numba]'") from exc
    # The kernel's helper, compiled where the kernel calls it (and plain Python elsewhere).
    register_jitable(_replace_worst)
    compiled: Any = numba.njit(cache=True, nogil=True)(_dense_top_k)
    return compiled  # type: ignore[no-any-return]


def _dense_top_k(
    docs: npt.NDArray[np.uint32],
    values: npt.NDArray[np.float64],
    spans: npt.NDArray[np.int64],
    clauses: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    doc_count: int,
    live: npt.NDArray[np.bool_],
    boost: float,
    wanted: int,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64], int]:
    """(best docs, their scores, live match count); `live` is empty when nothing is deleted.

    Clause c's postings are ``docs[start:end]`` with their `values`, where ``start, end`` is
    row ``clauses[c]`` of `spans`: runs of one concatenation of the clauses, or of a store
    the postings already live in (query/arena.py), which spares copying them per query.
    The best come back in final order: score descending, then doc number.

    Plain Python that numba compiles; it also runs uncompiled (slowly), which the tests use
    to check the compiled one against.
    """
    acc = np.zeros(doc_count, dtype=np.float64)
    for clause in range(len(clauses)):
        w = weights[clause]
        row = clauses[clause]
        for i in range(spans[row, 0], spans[row, 1]):
            acc[docs[i]] += w * values[i]
    if len(live):
        for doc in range(doc_count):
            if not live[doc]:
                acc[doc] = 0.0
    if boost != 1.0:
        for doc in range(doc_count):
            acc[doc] *= boost
    # Branch-free counting: whether a document matched is close to a coin toss, which a
    # branch per document would mispredict half the time.
    total = 0
    for doc in range(doc_count):
        total += int(acc[doc] != 0.0)
    # A min-heap of the best so far: heap_scores[0] is the worst kept. Documents come in
    # ascending order, so a newcomer equal to the worst kept never displaces it, and once the
    # heap is full only a score above `bar` (rare) takes the slow branch.
    heap_scores = np.empty(max(wanted, 1), dtype=np.float64)
    heap_docs = np.empty(max(wanted, 1), dtype=np.uint32)
    size = 0
    bar = 0.0
    for doc in range(doc_count if wanted > 0 else 0):
        score = acc[doc]
        if score <= bar:
            continue
        if size < wanted:
            # Sift up: the new entry is worse than its parent when its score is lower, or
            # equal with a higher doc number (it arrived later).
            pos = size
            size += 1
            while pos > 0:
                parent = (pos - 1) // 2
                if heap_scores[parent] < score:
                    break
                heap_scores[pos] = heap_scores[parent]
                heap_docs[pos] = heap_docs[parent]
                pos = parent
            heap_scores[pos] = score
            heap_docs[pos] = doc
            if size == wanted:
                bar = heap_scores[0]
        else:
            _replace_worst(heap_scores, heap_docs, size, score, doc)  # the root
            bar = heap_scores[0]
    # Heapsort: the worst kept goes to the end, then the next worst, ...: best first.
    for last in range(size - 1, 0, -1):
        worst_score, worst_doc = heap_scores[0], heap_docs[0]
        _replace_worst(heap_scores, heap_docs, last, heap_scores[last], heap_docs[last])
        heap_scores[last] = worst_score
        heap_docs[last] = worst_doc
    return heap_docs[:size], heap_scores[:size], total


def _replace_worst(
    heap_scores: npt.NDArray[np.float64],
    heap_docs: npt.NDArray[np.uint32],
    size: int,
    score: float,
    doc: int,
) -> None:
    """Put (score, doc) in place of the heap's root (its worst) and sift it down.

    Worst = lowest score, then highest doc number. The first `size` entries are the heap.
    """
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        right = child + 1
        if right < size and (
            heap_scores[right] < heap_scores[child]
            or (heap_scores[right] == heap_scores[child] and heap_docs[right] > heap_docs[child])
        ):
            child = right
        if score < heap_scores[child] or (score == heap_scores[child] and doc > heap_docs[child]):
            break
        heap_scores[pos] = heap_scores[child]
        heap_docs[pos] = heap_docs[child]
        pos = child
    heap_scores[pos] = score
    heap_docs[pos] = doc
