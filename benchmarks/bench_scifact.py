"""The first, simple benchmark: minisearch against bm25s (numpy backend) on SciFact.

Both engines index ``title + " " + text`` as one field with the same analysis
(Lucene's 33 English stopwords, PyStemmer ``english``, BM25 k1=1.2 b=0.75),
then run the 300 judged test queries in interleaved rounds, one thread::

    python benchmarks/bench_scifact.py [--rounds 5]

It prints build time, index size, QPS, p50/p99 latency (k=10), nDCG@10 and
Recall@100, and the ratios minisearch / bm25s. ``run.py`` does the same for
every engine and corpus, with fresh-process open/RSS figures on top.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import CACHE_DIR, pin_single_thread
from corpora import load_corpus
from engines import create_engine
from measure import EngineRun, collect_run, evaluate, measure_builds, time_queries
from report import ratios

ENGINE_NAMES = ("minisearch", "bm25s")
FIGURES = (
    ("build s", "build_s", "{:.2f}"),
    ("docs/s", "docs_per_s", "{:,.0f}"),
    ("index bytes", "size_bytes", "{:,}"),
    ("QPS k=10", "qps_k10", "{:,.0f}"),
    ("QPS k=100", "qps_k100", "{:,.0f}"),
    ("p50 ms", "p50_ms_k10", "{:.3f}"),
    ("p99 ms", "p99_ms_k10", "{:.3f}"),
    ("nDCG@10", "ndcg@10", "{:.4f}"),
    ("Recall@100", "recall@100", "{:.4f}"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="minisearch vs bm25s on SciFact")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    pin_single_thread()

    corpus = load_corpus("scifact")
    queries = list(corpus.queries.values())
    print(f"scifact: {len(corpus.docs):,} docs, {len(queries)} test queries, {args.rounds} rounds")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp:
        runs = [EngineRun(create_engine(name, Path(tmp) / name)) for name in ENGINE_NAMES]
        measure_builds(runs, corpus)
        for er in runs:
            er.engine.open()
            collect_run(er, corpus)
            evaluate(er, corpus)
        time_queries(runs, queries, args.rounds)
        for er in runs:
            er.engine.close()
    rows = [er.row() for er in runs]

    width = max(len(title) for title, _, _ in FIGURES)
    print(
        f"\n{'':{width}}  " + "  ".join(f"{r['engine']:>14}" for r in rows) + "  minisearch/bm25s"
    )
    ratio = ratios(rows)["bm25s"]
    for title, key, fmt in FIGURES:
        cells = "  ".join(f"{fmt.format(r[key]):>14}" for r in rows)
        value = ratio.get(key)
        print(f"{title:<{width}}  {cells}  {'' if value is None else f'{value:.2f}':>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
