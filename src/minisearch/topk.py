"""Exact top-k selection with a deterministic tie-break.

Order: score descending, then index order ascending (segment order in the commit, then doc
number), which is the order documents were added in. The same rule holds within a segment
and across segments, and the exhaustive and pruned paths share it, so equal scores always
come back in the same order. `np.argpartition` finds the k-th score in linear time; only the
candidates at or above it are sorted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Candidates:
    """Best documents of one segment, already in final order."""

    segment: int
    docs: npt.NDArray[np.uint32]
    scores: npt.NDArray[np.float64]


# Up to this many scores, one stable sort of them all costs less than a partition followed
# by a sort of the scores at or above the k-th (numpy's per-call cost dominates either way).
SORT_ALL_MAX = 256


def top_k_indices(scores: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.intp]:
    """Indices of the k best scores; ties go to the lower index. Result is in final order."""
    n = len(scores)
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.intp)
    if n <= SORT_ALL_MAX or k >= n:
        best: npt.NDArray[np.intp] = np.argsort(-scores, kind="stable")[:k]  # ties: index order
        return best
    kth = np.partition(scores, n - k)[n - k]
    candidates: npt.NDArray[np.intp] = (scores >= kth).nonzero()[0]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


def merge_candidates(parts: list[Candidates], k: int) -> tuple[list[int], list[int], list[float]]:
    """Global top k of per-segment candidates: parallel lists of segment, doc and score.

    Parallel lists of plain numbers rather than a tuple per hit: a page of a hundred hits
    would otherwise allocate a hundred more container objects for the garbage collector to
    count and, in a long-running process, to traverse.
    """
    if not parts:
        return [], [], []
    if len(parts) == 1:  # one segment: its candidates are already in final order
        only = parts[0]
        docs = only.docs[:k].tolist()
        return [only.segment] * len(docs), docs, only.scores[:k].tolist()
    seg = np.concatenate([np.full(len(p.docs), p.segment, dtype=np.int64) for p in parts])
    docs = np.concatenate([p.docs for p in parts]).astype(np.int64)
    scores = np.concatenate([p.scores for p in parts])
    order = np.lexsort((docs, seg, -scores))[:k]
    return seg[order].tolist(), docs[order].tolist(), scores[order].tolist()
