"""Run the minisearch benchmark suite: one command, every engine, every corpus.

Example::

    python benchmarks/run.py --corpora scifact,cranfield,cacm,seeds,synthetic:10000
    python benchmarks/run.py --quick          # tiny smoke run

For each corpus the available engines are built one after another in this
process (build time, docs/s, bytes on disk), then probed in fresh processes
(open time, RSS), then timed together in interleaved rounds (QPS and
latencies at k=10 and k=100) and evaluated (nDCG@10, Recall@100) when the
corpus has qrels. Results go to ``<out>/<timestamp>.json`` (and
``latest.json``), ``<out>/latest.md`` and ``<out>/qps_vs_size.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from common import BENCH_DIR, CACHE_DIR, pin_single_thread, timed
from corpora import Corpus, load_corpus
from engines import ENGINES, MinisearchEngine, create_engine
from measure import (
    EngineRun,
    collect_run,
    compile_minisearch,
    evaluate,
    measure_builds,
    measure_cli,
    measure_fresh_process,
    measure_parallel_build,
    measure_update,
    overlap_at_10,
    time_queries,
)
from report import markdown, plot_qps_vs_size, ratios

DEFAULT_CORPORA = "scifact,cranfield,cacm,seeds,synthetic:10000"
QUICK_CORPORA = "cranfield,synthetic:2000"
PROBE_QUERIES = 1000
# Builds of smaller corpora take seconds and vary by a fifth or more from one to the next: time
# them several times (a million-document build once).
REPEAT_BUILDS_BELOW = 100_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Benchmark minisearch against peer engines.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--corpora", default=None, help=f"comma list (default {DEFAULT_CORPORA})")
    p.add_argument("--engines", default=",".join(ENGINES), help="comma list of engines")
    p.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    p.add_argument("--workdir", type=Path, default=CACHE_DIR / "indexes")
    p.add_argument("--rounds", type=int, default=None, help="query timing rounds (default 5)")
    p.add_argument("--open-repeats", type=int, default=None, help="fresh-process probes (3)")
    p.add_argument(
        "--build-repeats",
        type=int,
        default=None,
        help=f"builds timed per engine (default 3 below {REPEAT_BUILDS_BELOW:,} documents, else 1)",
    )
    p.add_argument("--cli-repeats", type=int, default=None, help="CLI calls timed (3)")
    p.add_argument("--max-queries", type=int, default=None, help="cap the queries per corpus")
    p.add_argument("--no-limits", action="store_true", help="ignore per-engine corpus limits")
    p.add_argument("--no-probe", action="store_true", help="skip fresh-process open/RSS probes")
    p.add_argument("--no-cli", action="store_true", help="skip timing the minisearch CLI")
    p.add_argument("--keep-indexes", action="store_true")
    p.add_argument("--quick", action="store_true", help="tiny smoke run (few queries, 2 rounds)")
    args = p.parse_args(argv)
    quick = args.quick
    args.corpora = args.corpora or (QUICK_CORPORA if quick else DEFAULT_CORPORA)
    args.rounds = args.rounds or (2 if quick else 5)
    args.open_repeats = args.open_repeats or (1 if quick else 3)
    args.cli_repeats = args.cli_repeats or (1 if quick else 3)
    if quick and args.max_queries is None:
        args.max_queries = 50
    if quick and args.build_repeats is None:
        args.build_repeats = 1
    return args


def select_engines(
    names: list[str], corpus: Corpus, workdir: Path, no_limits: bool, skipped: list[str]
) -> list[EngineRun]:
    """Available engines for ``corpus``; the others are reported in ``skipped``."""
    runs = []
    for name in names:
        cls = ENGINES[name]
        reason = cls.unavailable_reason()
        if reason is None and not no_limits and cls.max_docs and len(corpus.docs) > cls.max_docs:
            reason = f"corpus larger than its limit of {cls.max_docs:,} docs (--no-limits)"
        if reason:
            message = f"{name} on {corpus.name}: skipped, {reason}"
            print(f"  - {message}", flush=True)
            skipped.append(message)
            continue
        runs.append(EngineRun(create_engine(name, workdir / name)))
    return runs


def bench_corpus(
    corpus: Corpus, args: argparse.Namespace, names: list[str], skipped: list[str]
) -> list[dict[str, Any]]:
    workdir = args.workdir / corpus.name.replace(":", "-")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    runs = select_engines(names, corpus, workdir, args.no_limits, skipped)
    queries = list(corpus.queries.values())
    queries_file = workdir / "queries.json"
    # The fresh-process probes only need enough queries to load what searching touches.
    queries_file.write_text(json.dumps(queries[:PROBE_QUERIES]), encoding="utf-8")

    repeats = args.build_repeats or (3 if len(corpus.docs) < REPEAT_BUILDS_BELOW else 1)
    measure_builds(runs, corpus, repeats)
    for er in runs:
        if er.error is not None:
            continue
        try:
            measure_parallel_build(er, corpus, workdir / f"{er.name}-parallel")
        except Exception as exc:
            er.fail("parallel build", exc)
    live = [er for er in runs if er.error is None]
    if not args.no_probe:
        for er in live:
            print(f"  probe   {er.name} (fresh process x{args.open_repeats})", flush=True)
            try:
                measure_fresh_process(er, queries_file, args.open_repeats)
            except Exception as exc:
                er.fail("fresh-process probe", exc)
    live = [er for er in live if er.error is None]
    for er in live:
        try:
            er.engine.open()
            collect_run(er, corpus)  # also the warm-up pass
            evaluate(er, corpus)
        except Exception as exc:
            er.fail("open/warm-up/evaluation", exc)
    live = [er for er in live if er.error is None]
    print(f"  timing  {len(queries)} queries x {args.rounds} rounds x k={{10,100}}", flush=True)
    time_queries(live, queries, args.rounds)
    for er in runs:
        er.engine.close()
    for er in live:
        try:
            measure_update(er, corpus)
        except Exception as exc:
            er.fail("adding documents", exc)

    reference = next((er for er in runs if er.name == "minisearch" and er.run), None)
    if reference is not None:
        for er in runs:
            er.metrics["overlap@10_vs_minisearch"] = overlap_at_10(er, reference)
        if not args.no_cli and queries:
            engine = reference.engine
            assert isinstance(engine, MinisearchEngine)
            reference.metrics.update(measure_cli(engine.index_path, queries[0], args.cli_repeats))
    rows = [{"corpus": corpus.name, **er.row()} for er in runs]
    if not args.keep_indexes:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def meta(args: argparse.Namespace, timestamp: str) -> dict[str, Any]:
    return {
        "timestamp": timestamp,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "rounds": args.rounds,
        "open_repeats": args.open_repeats,
        "quick": args.quick,
        "argv": sys.argv[1:],
        "threads_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")},
        "versions": {
            name: cls.version() for name, cls in ENGINES.items() if cls.unavailable_reason() is None
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pin_single_thread()
    compile_minisearch()  # new processes (probes, the CLI) load bytecode, as when installed
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        print(f"unknown engine(s): {', '.join(unknown)}; known: {', '.join(ENGINES)}")
        return 2
    timestamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    results: dict[str, Any] = {
        "meta": meta(args, timestamp),
        "corpora": [],
        "results": [],
        "ratios": {},
        "skipped": [],
    }
    for spec in (s.strip() for s in args.corpora.split(",") if s.strip()):
        load_s, corpus = timed(lambda spec=spec: load_corpus(spec, max_queries=args.max_queries))
        print(
            f"[{corpus.name}] {len(corpus.docs):,} docs, {len(corpus.queries):,} queries"
            f" (loaded in {load_s:.1f}s)",
            flush=True,
        )
        rows = bench_corpus(corpus, args, names, results["skipped"])
        results["corpora"].append(corpus.describe())
        results["results"].extend(rows)
        results["ratios"][corpus.name] = ratios(rows)

    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=False)
    (args.out / f"{timestamp}.json").write_text(text, encoding="utf-8")
    (args.out / "latest.json").write_text(text, encoding="utf-8")
    report = markdown(results)
    (args.out / "latest.md").write_text(report, encoding="utf-8")
    print()
    print(report)
    print(plot_qps_vs_size(results, args.out / "qps_vs_size.png"))
    print(f"wrote {args.out / (timestamp + '.json')} and {args.out / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
