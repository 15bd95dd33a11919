"""The measurements behind run.py and bench_scifact.py, one function per figure.

All timings are wall-clock ``time.perf_counter`` seconds. Query timing is
interleaved: in every round each engine runs the whole query set at k=10 and
then at k=100, and the engine order rotates from round to round so that no
engine always runs first (or last) on a warm or busy machine. QPS is the median
over rounds of ``queries / total seconds``; p50/p99 latencies pool the
per-query times of all rounds.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import BENCH_DIR, median, percentile, single_thread_env, time_each, timed
from corpora import Corpus
from engines import Engine, Hits, MinisearchEngine

K_VALUES = (10, 100)


@dataclass
class EngineRun:
    """Everything measured for one engine on one corpus (flattened into ``row()``)."""

    engine: Engine
    metrics: dict[str, Any] = field(default_factory=dict)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    round_qps: dict[int, list[float]] = field(default_factory=dict)
    run: dict[str, Hits] = field(default_factory=dict)
    error: str | None = None

    @property
    def name(self) -> str:
        return self.engine.name

    def fail(self, stage: str, exc: BaseException) -> None:
        self.error = f"{stage}: {type(exc).__name__}: {exc}"
        print(f"  ! {self.name} failed during {stage}: {self.error}", flush=True)

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": self.name, "version": self.engine.version()}
        out.update(self.metrics)
        for k in K_VALUES:
            if self.round_qps.get(k):
                lat_ms = [s * 1000 for s in self.latencies[k]]
                out[f"qps_k{k}"] = median(self.round_qps[k])
                out[f"p50_ms_k{k}"] = percentile(lat_ms, 50)
                out[f"p99_ms_k{k}"] = percentile(lat_ms, 99)
        if self.error:
            out["error"] = self.error
        return out


def measure_builds(runs: Sequence[EngineRun], corpus: Corpus, repeats: int = 1) -> None:
    """Build time (median of ``repeats``), docs/s and bytes on disk, in this process.

    Interleaved like the query rounds: each round builds every engine once, in an order that
    rotates from round to round, so a slow spell of a shared machine does not fall on one
    engine's builds only. An engine whose build fails is left out of later rounds.
    """
    seconds: dict[int, list[float]] = {id(er): [] for er in runs}
    for r in range(repeats):
        active = [er for er in runs if er.error is None]
        shift = r % len(active) if active else 0
        for er in active[shift:] + active[:shift]:
            print(f"  build   {er.name}", flush=True)
            try:
                elapsed, _ = timed(lambda e=er.engine: e.build(corpus.docs))
            except Exception as exc:
                er.fail("build", exc)
                continue
            seconds[id(er)].append(elapsed)
    for er in runs:
        if er.error is not None:
            continue
        build_s = median(seconds[id(er)])
        er.metrics.update(
            build_s=build_s,
            docs_per_s=len(corpus.docs) / build_s if build_s > 0 else None,
            size_bytes=er.engine.size_on_disk(),
        )


def measure_parallel_build(er: EngineRun, corpus: Corpus, workdir: Path) -> None:
    """Hook: minisearch built with all cores, once ``Index.writer(workers=...)`` exists."""
    if not isinstance(er.engine, MinisearchEngine) or not MinisearchEngine.supports_workers():
        return
    workers = os.cpu_count() or 1
    engine = MinisearchEngine(workdir, workers=workers)
    elapsed, _ = timed(lambda: engine.build(corpus.docs))
    er.metrics.update(
        build_parallel_s=elapsed,
        build_parallel_workers=workers,
        docs_per_s_parallel=len(corpus.docs) / elapsed if elapsed > 0 else None,
    )
    shutil.rmtree(workdir, ignore_errors=True)


UPDATE_DOCS = 1000


def measure_update(er: EngineRun, corpus: Corpus) -> None:
    """Seconds to add `UPDATE_DOCS` documents to minisearch's built index and commit.

    The added documents are copies of the corpus's first ones under new ids. Peers without
    incremental updates would rebuild instead: their build time stands beside this figure.
    """
    if not isinstance(er.engine, MinisearchEngine):
        return
    docs = [
        doc._replace(id=f"added-{i}-{doc.id}") for i, doc in enumerate(corpus.docs[:UPDATE_DOCS])
    ]
    elapsed, _ = timed(lambda: er.engine.add_and_commit(docs))  # type: ignore[attr-defined]
    er.metrics.update(update_docs=len(docs), update_s=elapsed)


def _run_json(cmd: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1]} exited {proc.returncode}: {proc.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def child_env() -> dict[str, str]:
    """This environment plus the one-thread pins, for every subprocess we time."""
    return {**os.environ, **single_thread_env()}


def measure_fresh_process(er: EngineRun, queries_file: Path, repeats: int = 3) -> None:
    """Open time and RSS in fresh processes (``probe.py``); medians over ``repeats``."""
    cmd = [
        sys.executable,
        str(BENCH_DIR / "probe.py"),
        "--engine",
        er.name,
        "--workdir",
        str(er.engine.workdir),
        "--queries",
        str(queries_file),
    ]
    probes = [_run_json(cmd, child_env()) for _ in range(repeats)]
    for key in probes[0]:
        er.metrics[key] = median(p[key] for p in probes)


def collect_run(er: EngineRun, corpus: Corpus, k: int = 100) -> None:
    """Warm-up pass over all queries that also records the ranked lists for evaluation."""
    er.run = {qid: er.engine.search(text, k) for qid, text in corpus.queries.items()}


def time_queries(runs: Sequence[EngineRun], queries: Sequence[str], rounds: int) -> None:
    """Interleaved, rotated rounds of query timing over every engine (see module doc)."""
    active = [er for er in runs if er.error is None]
    for r in range(rounds):
        shift = r % len(active) if active else 0
        for er in active[shift:] + active[:shift]:
            if er.error is not None:
                continue
            for k in K_VALUES:
                try:
                    lat = time_each(lambda q, k=k, e=er.engine: e.search(q, k), queries)
                except Exception as exc:
                    er.fail(f"query timing (k={k})", exc)
                    break
                er.latencies.setdefault(k, []).extend(lat)
                er.round_qps.setdefault(k, []).append(len(queries) / sum(lat))


def evaluate(er: EngineRun, corpus: Corpus) -> None:
    """nDCG@10 and Recall@100 of the k=100 run (``minisearch.evaluation``, trec_eval -c)."""
    if not corpus.qrels:
        return
    from minisearch.evaluation import evaluate_run

    result = evaluate_run(er.run, corpus.qrels, ["ndcg@10", "recall@100"])
    er.metrics["ndcg@10"] = result.means["nDCG@10"]
    er.metrics["recall@100"] = result.means["Recall@100"]


def overlap_at_10(er: EngineRun, reference: EngineRun) -> float | None:
    """Mean |top10 ∩ reference top10| / 10 over queries: how alike two engines rank."""
    if not reference.run or not er.run:
        return None
    shares = []
    for qid, hits in reference.run.items():
        ref = {d for d, _ in hits[:10]}
        mine = {d for d, _ in er.run.get(qid, [])[:10]}
        if ref or mine:
            shares.append(len(ref & mine) / max(len(ref), len(mine)))
    return sum(shares) / len(shares) if shares else None


def minisearch_cli() -> list[str] | None:
    """The command that runs the ``minisearch`` CLI, or None if there is none."""
    exe = shutil.which("minisearch")
    if exe:
        return [exe]
    try:
        import minisearch.cli  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "minisearch.cli"]


def compile_minisearch() -> None:
    """Write minisearch's bytecode, as installing a wheel does, before timing new processes.

    Run from a checkout, with ``PYTHONDONTWRITEBYTECODE`` set (as on the benchmark machines),
    every new process would compile each module again: on the CLI search that was 100 ms or
    more that no installed copy pays. The peers are installed packages, compiled already.
    """
    try:
        import minisearch
    except ImportError:
        return
    compileall.compile_dir(Path(minisearch.__file__).parent, quiet=1)


def measure_cli(index_path: Path, query: str, repeats: int = 3) -> dict[str, Any]:
    """Wall time of one ``minisearch search QUERY --index PATH -k 10 --json`` in a new process,
    next to the time of a bare ``python -c pass`` for scale (medians of ``repeats``)."""
    cli = minisearch_cli()
    if cli is None:
        return {"cli_error": "no minisearch CLI found"}
    cmd = [*cli, "search", query, "--index", str(index_path), "-k", "10", "--json"]
    env = child_env()

    def once(command: list[str]) -> float:
        elapsed, proc = timed(
            lambda: subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        )
        if proc.returncode != 0:
            raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
        return elapsed

    try:
        cli_s = median(once(cmd) for _ in range(repeats))
        python_s = median(once([sys.executable, "-c", "pass"]) for _ in range(repeats))
    except RuntimeError as exc:
        return {"cli_error": str(exc)}
    return {"cli_search_s": cli_s, "python_startup_s": python_s}
