"""Fresh-process probe: open one engine's index, run queries, report time and memory as JSON.

run.py starts this script once per engine (and repeat) so that the open time and
the resident memory are measured in a process that has done nothing else::

    python benchmarks/probe.py --engine tantivy --workdir DIR --queries QUERIES.json

It prints one JSON object on its last stdout line:

* ``import_s``: importing the engine's Python package(s);
* ``open_s``: ``Engine.open()`` (load the index from disk, ready to search);
* ``first_query_s``: the first query after the open (cold caches; JIT compilation
  for bm25s-numba);
* ``rss_base_bytes``: RSS after the interpreter and the harness modules loaded;
* ``rss_open_bytes``: RSS after the import and the open;
* ``rss_after_queries_bytes``: RSS after running the given queries at k=10 and k=100;
* ``peak_rss_bytes``: the process's peak RSS (``ru_maxrss``);
* ``anon_open_bytes``, ``anon_after_queries_bytes``: the anonymous part of the RSS (Linux
  ``RssAnon``): memory the process itself holds, without the pages of memory-mapped index
  files, which RSS also counts but which belong to the page cache and can be dropped.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import psutil
from common import pin_single_thread
from engines import ENGINES, create_engine


def anon_rss() -> int | None:
    """``RssAnon`` of this process in bytes (Linux), else None."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, choices=sorted(ENGINES))
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--queries", required=True, type=Path, help="JSON list of query strings")
    args = parser.parse_args(argv)
    pin_single_thread()

    process = psutil.Process()
    queries: list[str] = json.loads(args.queries.read_text(encoding="utf-8"))
    rss_base = process.memory_info().rss

    start = time.perf_counter()
    reason = ENGINES[args.engine].unavailable_reason()  # imports the engine's package(s)
    import_s = time.perf_counter() - start
    if reason:
        parser.error(reason)

    engine = create_engine(args.engine, args.workdir)
    start = time.perf_counter()
    engine.open()
    open_s = time.perf_counter() - start
    rss_open = process.memory_info().rss
    anon_open = anon_rss()

    start = time.perf_counter()
    if queries:
        engine.search(queries[0], 10)
    first_query_s = time.perf_counter() - start
    for k in (10, 100):
        for query in queries:
            engine.search(query, k)
    rss_after = process.memory_info().rss
    anon_after = anon_rss()
    engine.close()

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "import_s": import_s,
                "open_s": open_s,
                "first_query_s": first_query_s,
                "rss_base_bytes": rss_base,
                "rss_open_bytes": rss_open,
                "rss_after_queries_bytes": rss_after,
                "peak_rss_bytes": peak_kib * 1024,
                "anon_open_bytes": anon_open,
                "anon_after_queries_bytes": anon_after,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
