"""Writer and reader processes for tests/test_concurrency.py.

``python concurrent.py writer INDEX SECONDS``: commit g adds batch g (``batch_size(g)`` docs,
each with the words ``common`` and ``tag(g)``) and deletes batch g-2, so every commit holds
exactly batches g-1 and g. Automatic merges run too (a small merge factor).
``python concurrent.py reader INDEX SECONDS``: searches and refreshes in a loop and checks
that every answer is exactly one commit's; prints a JSON summary (errors, generations seen).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from minisearch.merge import LogMergePolicy
from minisearch.searcher import Searcher
from minisearch.writer import IndexWriter


def batch_size(g: int) -> int:
    return 3 + g % 5


def tag(g: int) -> str:
    return "tg" + "".join("abcdefghij"[int(c)] for c in str(g))


def writer(path: Path, seconds: float) -> dict[str, Any]:
    w = IndexWriter(path, merge_policy=LogMergePolicy(merge_factor=3, min_docs=4))
    g = w.commit_point.user_data.get("batch", -1) + 1
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for i in range(batch_size(g)):
            w.add({"id": f"b{g}-{i}", "title": f"common {tag(g)}", "body": f"common words {i}"})
        if g >= 2:
            assert w.delete_by_query(tag(g - 2)) == batch_size(g - 2)
        w.commit(batch=g)
        g += 1
    w.close()
    return {"commits": g}


def _check(searcher: Searcher) -> str | None:
    """None if the searcher's answer is exactly batches g-1 and g of one commit."""
    results = searcher.search("common", k=1000, stored_fields=False)
    batches: dict[int, int] = {}
    for hit in results.hits:
        b = int(hit.id[1:].split("-")[0])
        batches[b] = batches.get(b, 0) + 1
    if not batches:
        return None if searcher.doc_count == 0 else "no hits in a non-empty commit"
    top = max(batches)
    want = {b: batch_size(b) for b in (top - 1, top) if b >= 0}
    if (
        batches != want
        or results.total != sum(want.values())
        or searcher.doc_count != results.total
    ):
        return f"generation {searcher.generation}: got batches {batches}, total {results.total}"
    return None


def reader(path: Path, seconds: float) -> dict[str, Any]:
    errors: list[str] = []
    generations: set[int] = set()
    searches = 0
    searcher = Searcher.open(path)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fresh = searcher.refresh()
        if fresh is not searcher:
            error = _check(searcher)  # the old snapshot still answers consistently
            if error:
                errors.append("stale " + error)
            searcher.close()
            searcher = fresh
        generations.add(searcher.generation)
        error = _check(searcher)
        searches += 1
        if error:
            errors.append(error)
    searcher.close()
    return {"errors": errors[:10], "generations": len(generations), "searches": searches}


if __name__ == "__main__":
    role, index, duration = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    summary = (writer if role == "writer" else reader)(index, duration)
    print(json.dumps(summary), flush=True)
