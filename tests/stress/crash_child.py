"""A writer that runs until killed, for the crash tests: adds, updates, deletes, merges.

Usage: ``python crash_child.py INDEX LOG SEED`` (or `main([INDEX, LOG, SEED])` in a forked
process, which skips the interpreter start-up). It rebuilds its model from the index (so a
killed predecessor's last commit is the starting point), prints ``ready``, then loops. Before
each commit it appends ``{"intent": state}`` to LOG, after `commit()` returns
``{"done": state, "gen": generation}`` (each line flushed), where state maps id -> version.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from minisearch.index import Index
from minisearch.merge import LogMergePolicy
from minisearch.writer import IndexWriter

POOL = 120


def word(version: int) -> str:
    """A token unique to one version ('qx' + its digits as letters), safe from the analyzer."""
    return "qx" + "".join("abcdefghij"[int(c)] for c in str(version))


def main(argv: list[str]) -> None:
    path, log_path, seed = Path(argv[0]), Path(argv[1]), int(argv[2])
    rng = random.Random(seed)
    with Index.open(path).searcher() as searcher:
        state = {
            seg.external_id(d): int(seg.stored_fields(d)["version"])
            for seg in searcher.segments
            for d in range(seg.doc_count)
            if d not in seg.deleted
        }
    version = max(state.values(), default=0) + 1
    writer = IndexWriter(
        path, memory_budget_mb=0.002, merge_policy=LogMergePolicy(merge_factor=3, min_docs=4)
    )
    log = log_path.open("a")
    log.write("ready\n")
    log.flush()
    while True:
        for _ in range(rng.randint(1, 8)):
            doc_id = f"d{rng.randrange(POOL)}"
            writer.add(
                {
                    "id": doc_id,
                    "title": word(version),
                    "body": f"alpha {word(version)} beta",
                    "version": version,
                }
            )
            state[doc_id] = version
            version += 1
        for _ in range(rng.randint(0, 3)):
            doc_id = f"d{rng.randrange(POOL)}"
            writer.delete(doc_id)
            state.pop(doc_id, None)
        if state and rng.random() < 0.3:
            target = rng.choice(sorted(state.values()))
            assert writer.delete_by_query(word(target)) == 1
            state = {k: v for k, v in state.items() if v != target}
        log.write(json.dumps({"intent": state}) + "\n")
        log.flush()
        if rng.random() < 0.15:
            commit = writer.merge(max_segments=rng.randint(1, 3))
        else:
            commit = writer.commit()
        log.write(json.dumps({"done": state, "gen": commit.generation}) + "\n")
        log.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
