"""Parallel index building: segments built by an executor must give the same index.

The oracle is the single-process writer fed the same operations: searches on the parallel
build must return the same ids, in the same order, with the same scores (1e-12) and totals,
whatever the executor (the writer's own process pool, a process pool or a thread pool passed
in), including ids replaced across batches, deletes of ids in batches not built yet, delete by
query and rollback. Small `batch_bytes` force many batches out of a few thousand small docs.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from minisearch import parallel
from minisearch.check import check_index
from minisearch.index import Index
from minisearch.index_files import index_sources
from minisearch.schema import KeywordField, NumericField, Schema, TextField
from minisearch.segment.builder import build_segment
from minisearch.writer import IndexWriter

SCHEMA = Schema(
    [TextField("title", boost=2.0), TextField("body"), KeywordField("tag"), NumericField("n")]
)
WORDS = [f"w{i}" for i in range(300)]
QUERIES = ["w1", "w2 w3", "w5 w50 w150", "w0 w7 w9 w11", "w299", "tag:even", "w4 -w8", '"w1 w2"']
N_DOCS = 3000
BATCH_BYTES = 12_000  # about 100 documents per batch


def make_doc(doc_id: str, rng: random.Random) -> dict[str, Any]:
    # Zipf-like word choice, so that some terms are common and some rare.
    def words(k: int) -> str:
        return " ".join(WORDS[min(int(rng.paretovariate(0.8)) - 1, 299)] for _ in range(k))

    return {
        "id": doc_id,
        "title": words(rng.randint(1, 4)),
        "body": words(rng.randint(3, 25)),
        "tag": "even" if int(doc_id.lstrip("d")) % 2 == 0 else "odd",
        "n": rng.randint(0, 1000),
    }


def script(seed: int = 7) -> list[tuple[str, Any]]:
    """A deterministic sequence of writer operations with updates and deletes interleaved."""
    rng = random.Random(seed)
    ops: list[tuple[str, Any]] = []
    added: list[str] = []
    for i in range(N_DOCS):
        doc_id = f"d{i}"
        ops.append(("add", make_doc(doc_id, rng)))
        added.append(doc_id)
        roll = rng.random()
        if roll < 0.05:  # update an id from anywhere before: same batch, pending, built
            ops.append(("add", make_doc(rng.choice(added), rng)))
        elif roll < 0.08:  # delete a recent id (most likely still pending or being built)
            ops.append(("delete", rng.choice(added[-150:])))
        elif roll < 0.10:
            ops.append(("delete", rng.choice(added)))
        if i == N_DOCS // 3:
            ops.append(("commit", None))
        if i == N_DOCS // 2:
            ops.append(("delete_by_query", "w3 w33"))
    ops.append(("delete", "no-such-id"))
    ops.append(("add", make_doc("d5", rng)))  # an update of a committed document
    return ops


def run(writer: IndexWriter, ops: list[tuple[str, Any]]) -> list[Any]:
    """Apply `ops`; return what each call returned (delete results, deleted counts)."""
    results: list[Any] = []
    for op, arg in ops:
        if op == "add":
            writer.add(arg)
        elif op == "delete":
            results.append(writer.delete(arg))
        elif op == "commit":
            writer.commit()
        elif op == "delete_by_query":
            results.append(writer.delete_by_query(arg))
    return results


Outcome = tuple[list[Any], dict[str, list[tuple[str, float]]], dict[str, int], int]


def outcome(path: Path, results: list[Any]) -> Outcome:
    index = Index.open(path)
    try:
        with index.searcher() as searcher:
            hits = {}
            totals = {}
            for q in QUERIES:
                found = searcher.search(q, k=25)
                hits[q] = [(h.id, h.score) for h in found.hits]
                totals[q] = found.total
            return results, hits, totals, searcher.doc_count
    finally:
        index.close()


def assert_same(got: Outcome, want: Outcome) -> None:
    assert got[0] == want[0], "delete results differ"
    assert got[3] == want[3], "document counts differ"
    assert got[2] == want[2], "totals differ"
    for q in QUERIES:
        g, w = got[1][q], want[1][q]
        assert [i for i, _ in g] == [i for i, _ in w], q
        for (_, a), (_, b) in zip(g, w, strict=True):
            assert abs(a - b) <= 1e-12, (q, a, b)


def build(path: Path, ops: list[tuple[str, Any]], **writer_kwargs: Any) -> Outcome:
    Index.create(path, schema=SCHEMA)
    with IndexWriter(path, **writer_kwargs) as writer:
        results = run(writer, ops)
    report = check_index(path)
    assert report.ok, report.problems
    return outcome(path, results)


@pytest.fixture(scope="module")
def ops() -> list[tuple[str, Any]]:
    return script()


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, Any]]) -> Outcome:
    return build(tmp_path_factory.mktemp("serial") / "ix", ops)


@pytest.fixture(scope="module")
def process_pool() -> Iterator[ProcessPoolExecutor]:
    with parallel.process_pool(2) as pool:
        yield pool


def segment_dirs(path: Path) -> set[str]:
    return {p.name for p in path.iterdir() if p.name.startswith("seg-")}


def test_own_process_pool_equals_single_process(
    tmp_path: Path, ops: list[tuple[str, Any]], serial: Outcome
) -> None:
    got = build(tmp_path / "ix", ops, workers=2, batch_bytes=BATCH_BYTES)
    # Dozens of batches were built, then merged by the merge policy at each commit.
    assert_same(got, serial)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_executor_passed_in_equals_single_process(
    tmp_path: Path,
    ops: list[tuple[str, Any]],
    serial: Outcome,
    process_pool: ProcessPoolExecutor,
    kind: str,
) -> None:
    if kind == "threads":
        with ThreadPoolExecutor(3) as pool:
            got = build(tmp_path / "ix", ops, executor=pool, batch_bytes=BATCH_BYTES)
    else:
        got = build(tmp_path / "ix", ops, executor=process_pool, batch_bytes=BATCH_BYTES)
        assert process_pool.submit(int, "7").result() == 7  # the writer left it running
    assert_same(got, serial)


def test_without_automatic_merges_segments_follow_add_order(
    tmp_path: Path, ops: list[tuple[str, Any]], process_pool: ProcessPoolExecutor
) -> None:
    """With merging off, the segments are the batches in order: the tie-break (segment, then
    doc number) equals add order, as in the single-process writer with merging off."""
    want = build(tmp_path / "serial", ops, merge_policy=None)
    got = build(
        tmp_path / "ix", ops, executor=process_pool, batch_bytes=BATCH_BYTES, merge_policy=None
    )
    assert_same(got, want)
    index = Index.open(tmp_path / "ix")
    assert index.info().segments > 10
    index.close()


def test_pending_and_in_flight_deletes(tmp_path: Path) -> None:
    rng = random.Random(3)
    Index.create(tmp_path / "ix", schema=SCHEMA)
    gate = _Gate()
    with ThreadPoolExecutor(2) as pool:
        executor = _GatedExecutor(pool, gate)
        with IndexWriter(tmp_path / "ix", executor=executor, batch_bytes=3_000) as writer:
            n = 0
            while executor.submitted < 2:  # one round: two batches
                writer.add(make_doc(f"d{n}", rng))
                n += 1
            for _ in range(3):  # pending here, far from a full round
                writer.add(make_doc(f"d{n}", rng))
                n += 1
            # Batches were submitted but none is built (the gate is closed).
            assert writer._parallel is not None
            assert not any(b.future.done() for b in writer._parallel._submitted)
            assert writer._parallel.pending_count == 3
            assert writer.delete("d0")  # in a batch being built
            assert writer.delete(f"d{n - 1}")  # still pending here
            assert not writer.delete("d0")
            writer.add(make_doc("d1", rng))  # replaces a copy in a batch being built
            assert writer.stats.updated == 1 and writer.stats.deleted == 2
            gate.open()
    index = Index.open(tmp_path / "ix")
    with index.searcher() as searcher:
        assert searcher.doc_count == n - 2
        assert searcher.document("d0") is None and searcher.document(f"d{n - 1}") is None
        assert searcher.document("d1") is not None
    index.close()
    assert check_index(tmp_path / "ix").ok


def test_rollback_discards_batches_and_their_files(tmp_path: Path) -> None:
    rng = random.Random(5)
    path = tmp_path / "ix"
    Index.create(path, schema=SCHEMA)
    first = [make_doc(f"d{i}", rng) for i in range(300)]
    with IndexWriter(path, workers=2, batch_bytes=4_000) as writer:
        for doc in first:
            writer.add(doc)
        writer.commit()
        committed = segment_dirs(path)
        for i in range(300, 900):
            writer.add(make_doc(f"d{i}", rng))
        writer.delete("d3")
        assert writer.has_changes
        writer.rollback()
        assert not writer.has_changes
        assert segment_dirs(path) == committed  # the workers' segments are gone
        writer.add(make_doc("d1000", rng))
    index = Index.open(path)
    assert index.info().documents == 301
    with index.searcher() as searcher:
        assert searcher.document("d3") is not None  # the rolled-back delete did not happen
        assert searcher.document("d1000") is not None and searcher.document("d500") is None
    index.close()
    assert check_index(path).ok


def test_close_and_failed_build_leave_only_committed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(9)
    path = tmp_path / "ix"
    Index.create(path, schema=SCHEMA)
    with IndexWriter(path, workers=2, batch_bytes=4_000) as writer:
        for i in range(100):
            writer.add(make_doc(f"d{i}", rng))
    committed = segment_dirs(path)
    # close() without commit: like rollback.
    writer = IndexWriter(path, workers=2, batch_bytes=4_000)
    for i in range(100, 600):
        writer.add(make_doc(f"d{i}", rng))
    writer.close()
    assert segment_dirs(path) == committed
    # A build that fails (after writing its files) surfaces at commit; nothing is published.
    real = build_segment
    calls = itertools.count(1)

    def flaky(*args: Any) -> dict[str, Any]:
        n = next(calls)  # atomic: the pool's threads call this concurrently
        meta = real(*args)
        if n == 3:
            raise OSError("disk full")
        return meta

    monkeypatch.setattr(parallel, "build_segment", flaky)
    with (
        ThreadPoolExecutor(2) as pool,
        pytest.raises(OSError, match="disk full"),
        IndexWriter(path, executor=pool, batch_bytes=4_000) as writer,
    ):
        for i in range(100, 600):
            writer.add(make_doc(f"d{i}", rng))
    index = Index.open(path)
    assert index.info().documents == 100
    index.close()
    IndexWriter(path).close()  # the next writer cleans what the failed one left
    assert segment_dirs(path) == committed


def test_index_writer_option_and_workers_resolution(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix", schema=SCHEMA)
    with index.writer(workers=0) as writer:
        assert writer.workers == parallel.available_cpus()
        writer.add(make_doc("d1", random.Random(1)))
    with index.writer(workers=1) as writer:
        assert writer._parallel is None
    with pytest.raises(ValueError):
        index.writer(workers=-1)
    assert parallel.resolve_workers(None) == 1
    assert index.info().documents == 1
    index.close()


def test_own_pool_starts_only_when_a_commit_would_use_it(tmp_path: Path) -> None:
    """Below two batches of `min_batch_bytes` a commit builds one batch in the calling
    process: no worker starts."""
    index = Index.create(tmp_path / "ix", schema=SCHEMA)
    rng = random.Random(5)
    with IndexWriter(index.path, workers=2, batch_bytes=64_000) as writer:
        builder = writer._parallel
        assert builder is not None and builder.min_batch_bytes == 64_000 // parallel.MIN_SPLIT
        writer.add({"id": "tiny", "body": "a few words"})
        assert builder._executor is None
        writer.commit()
        assert builder._executor is None
        added = 0
        while builder._pending_bytes < 2 * builder.min_batch_bytes:
            assert builder._executor is None
            writer.add(make_doc(f"d{added}", rng))
            added += 1
        assert builder._executor is not None
    assert index.info().documents == 1 + added
    index.close()


def test_split_even_keeps_order_and_balances() -> None:
    items = list(range(10))
    sizes = [1, 1, 1, 1, 1, 1, 1, 1, 1, 10]
    chunks = parallel._split_even(items, sizes, 2)
    assert [x for c in chunks for x in c] == items and all(chunks)
    assert parallel._split_even(items, [1] * 10, 3) == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    assert parallel._split_even([1, 2], [5, 5], 2) == [[1], [2]]


def test_build_batch_releases_documents_and_writes_build_segments_files(tmp_path: Path) -> None:
    rng = random.Random(3)
    docs = [(f"d{i}", make_doc(f"d{i}", rng)) for i in range(200)]
    batch = list(docs)
    args = (SCHEMA.to_dict(), {"stemmer": "english", "stopwords": "english"})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    drained = parallel.build_batch(str(tmp_path / "a"), *args, batch, "ab" * 16)
    kept = build_segment(str(tmp_path / "b"), *args, docs, "ab" * 16)
    assert batch == [] and len(docs) == 200
    assert drained == kept
    seg = f"seg-{'ab' * 16}"
    for name in kept["files"]:
        assert (tmp_path / "a" / seg / name).read_bytes() == (
            tmp_path / "b" / seg / name
        ).read_bytes()


def test_cli_index_workers_in_subprocess(tmp_path: Path) -> None:
    rng = random.Random(11)
    source = tmp_path / "docs.jsonl"
    with source.open("w") as f:
        for i in range(2000):
            doc = make_doc(f"d{i}", rng)
            f.write(
                json.dumps({"id": doc["id"], "title": doc["title"], "body": doc["body"]}) + "\n"
            )
    path = tmp_path / "ix"
    cmd = [sys.executable, "-m", "minisearch", "index", str(source), "--index", str(path)]
    # A small memory budget makes several batches out of this small file.
    proc = subprocess.run(
        [*cmd, "--workers", "2", "--memory-mb", "0.125", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["added"] == 2000 and summary["documents"] == 2000
    assert summary["extra"]["workers"] == 2 and summary["extra"]["segments_built"] >= 4
    report = check_index(path)
    assert report.ok, report.problems
    check = subprocess.run(
        [sys.executable, "-m", "minisearch", "check", "--index", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # Same results as the single-process library call on the same file.
    index_sources(tmp_path / "serial", [source], memory_budget_mb=0.25)
    got, want = Index.open(path), Index.open(tmp_path / "serial")
    for q in (q for q in QUERIES if "tag:" not in q):
        a, b = got.search(q, k=25), want.search(q, k=25)
        assert a.total == b.total
        assert [(h.id, h.score) for h in a.hits] == [(h.id, h.score) for h in b.hits]
    got.close()
    want.close()


class _Gate:
    def __init__(self) -> None:
        import threading

        self._event = threading.Event()

    def wait(self) -> None:
        assert self._event.wait(30)

    def open(self) -> None:
        self._event.set()


class _GatedExecutor(Executor):
    """Runs tasks on `pool` once `gate` opens: batches stay "being built" until then."""

    def __init__(self, pool: ThreadPoolExecutor, gate: _Gate) -> None:
        self.pool = pool
        self.gate = gate
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1

        def gated() -> Any:
            self.gate.wait()
            return fn(*args, **kwargs)

        return self.pool.submit(gated)
