"""Parallel segment building: batches of documents become segments in worker processes.

Segments are independent, so building them is embarrassingly parallel. The writer keeps its
API (`add`, `delete`, `commit`, ...) and hands the work to a `ParallelBuilder`:

* ``add`` validates a document in the calling process and appends it to a *pending* batch
  (an insertion-ordered dict id -> document, so re-adding an id moves it to the end and
  deleting a pending id just drops it: batches never carry dead documents).
* When the pending documents reach a *round* (``workers`` batches of ``batch_bytes`` raw text
  each), they are cut into ``workers`` batches of about equal size and each batch is submitted
  to a `concurrent.futures.Executor` as ``build_batch(index_dir, schema_dict, analyzer_dict,
  docs, segment_id)`` (`build_segment`, releasing each document once added). The worker
  writes the segment's files straight into the index directory and returns the `SegmentMeta`
  as a dict. The segment id is chosen here, before submission, and each batch's id -> doc
  number map is known at submission, so replacing or deleting a document of a batch that is
  still being built only records a deletion for that segment id, exactly as for an already
  written segment.
* Results are collected strictly in submission order, so index order (segment order, then
  doc number), the tie-break of equal scores, is the order of the ``add`` calls, as with the
  single-process writer. Global statistics are computed over live documents, so the split
  into segments changes no score.
* ``flush`` / ``commit`` cut whatever is pending into up to ``workers`` batches (balanced, so
  the last round ends at the same time on every worker) and wait for all of them. A pending
  remainder too small to be worth a round trip is built in the calling process.

Only the executor interface (``submit`` and futures) is used, so a cluster executor such as
Dask distributed's ``Client.get_executor()`` can take the place of the local process pool,
provided its workers see the index directory. The default pool uses the ``forkserver`` start
method (``spawn`` where that is unavailable): forking a process that holds threads, open
memory maps and the write lock is avoided. As with any multiprocessing program, a script that
builds in parallel must guard its entry point with ``if __name__ == "__main__":``.

Memory: a round holds about ``memory_budget`` bytes of raw text (``workers`` batches of
``memory_budget / workers``), and at most two rounds are outstanding (one building, one
queued) while the next one fills; the workers' builders hold about 1.7x their batch's raw
text. Batches that large give segments the size of the one-process writer's, so the merge
policy finds as few to merge: with half-size batches a 1M-document build spent more time
merging its small segments in the calling process than building them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .segment.builder import build_segment
from .segment.meta import SegmentMeta, new_segment_id

#: Start method of the pool the writer creates (``forkserver`` where the platform has it).
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
#: Per-document overhead added to its raw text size when sizing batches.
DOC_OVERHEAD_BYTES = 64
#: A pending remainder is split into batches of at least ``batch_bytes // MIN_SPLIT`` (4 MB of
#: text with the default budget and two workers: a synthetic 10k-document build, 11 MB, then
#: takes two batches, 2.4-2.7 s instead of 3.5-3.8 s in one process; at 1/32 it took one).
MIN_SPLIT = 64


def resolve_workers(workers: int | None) -> int:
    """None -> 1 (no parallelism); 0 -> the number of CPUs; otherwise `workers` (>= 1)."""
    if workers is None:
        return 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be a non-negative integer (0 = all CPUs), got {workers!r}")
    if workers == 0:
        return available_cpus()
    return workers


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """The local pool the writer uses when it is given `workers` but no executor."""
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        # Children forked from the server start with the builder (numpy, stemmer) imported.
        context.set_forkserver_preload(["minisearch.segment.builder"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def doc_bytes(doc: Mapping[str, Any]) -> int:
    """The raw size of a document, for cutting batches (its strings plus an overhead)."""
    size = DOC_OVERHEAD_BYTES
    for value in doc.values():
        if isinstance(value, str):
            size += len(value)
        elif isinstance(value, list | tuple):
            size += sum(len(v) for v in value if isinstance(v, str))
    return size


@dataclass(slots=True)
class Batch:
    """One submitted batch: the segment id it will have and its live ids -> doc numbers."""

    segment_id: str
    ids: dict[str, int]
    future: Future[dict[str, Any]]
    size: int


class ParallelBuilder:
    """Pending documents, batches being built and their collection in submission order.

    It knows nothing of committed segments: the writer asks it about ids first (`delete`,
    `delete_submitted`) and records the returned deletions like its own.
    """

    def __init__(
        self,
        index_dir: Path,
        schema_dict: Mapping[str, Any],
        analyzer_dict: Mapping[str, Any],
        *,
        workers: int,
        batch_bytes: int,
        executor: Executor | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.index_dir = index_dir
        self.schema_dict = dict(schema_dict)
        self.analyzer_dict = dict(analyzer_dict)
        self.workers = workers
        self.batch_bytes = max(1, batch_bytes)
        self.min_batch_bytes = max(1, self.batch_bytes // MIN_SPLIT)
        self._executor = executor
        self._owns_executor = executor is None
        self._pending: dict[str, tuple[Mapping[str, Any], int]] = {}
        self._pending_bytes = 0
        self._submitted: deque[Batch] = deque()

    # -- pending documents -------------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def busy(self) -> bool:
        """Whether anything is pending or submitted and not collected yet."""
        return bool(self._pending or self._submitted)

    def add(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        """Append a validated document (whose older copies the caller has deleted).

        The writer's own pool starts once a commit would send the pending documents to it:
        small writes, which a commit builds in this process, never pay for starting worker
        processes, and bigger ones start them while the batches still fill.
        """
        size = doc_bytes(doc)
        # A shallow copy: the caller may reuse its dict before the batch is pickled.
        self._pending[doc_id] = (dict(doc), size)
        self._pending_bytes += size
        if (
            self._executor is None
            and self._owns_executor
            and not self._flush_inline(self._pending_bytes, len(self._pending))
        ):
            self._start_pool()

    def round_ready(self) -> bool:
        return self._pending_bytes >= self.workers * self.batch_bytes

    def delete(self, doc_id: str) -> bool:
        """Drop a pending document; returns whether there was one."""
        entry = self._pending.pop(doc_id, None)
        if entry is None:
            return False
        self._pending_bytes -= entry[1]
        return True

    def delete_submitted(self, doc_id: str) -> tuple[str, int] | None:
        """(segment id, doc number) of `doc_id` in a batch not collected yet, now forgotten."""
        for batch in reversed(self._submitted):
            doc = batch.ids.pop(doc_id, None)
            if doc is not None:
                return batch.segment_id, doc
        return None

    # -- building ----------------------------------------------------------------------------

    def submit_round(self, *, final: bool) -> None:
        """Cut the pending documents into batches and submit them.

        Not `final` (a full round): `workers` batches, after waiting until at most one round
        is outstanding. `final` (flush/commit): as many batches (<= workers) as the pending
        size is worth; a single small one with nothing outstanding is built right here.
        """
        if not self._pending:
            return
        items = list(self._pending.items())
        sizes = [size for _, (_, size) in items]
        total = self._pending_bytes
        self._pending = {}
        self._pending_bytes = 0
        if not final:
            self._wait_until_outstanding(self.workers)
            count = min(self.workers, len(items))
        elif self._flush_inline(total, len(items)):
            self._submit_batch(items, inline=True)
            return
        else:
            count = self._flush_count(total, len(items))
        for chunk in _split_even(items, sizes, count):
            self._submit_batch(chunk, inline=False)

    def _flush_count(self, total: int, items: int) -> int:
        """Batches a flush cuts `items` pending documents of `total` bytes into: at most one
        per worker, none smaller than `min_batch_bytes`."""
        return max(1, min(self.workers, total // self.min_batch_bytes, items))

    def _flush_inline(self, total: int, items: int) -> bool:
        """Whether a flush would build the pending documents in this process: one batch
        smaller than `batch_bytes`, and nothing outstanding to keep order behind."""
        return (
            self._flush_count(total, items) == 1
            and not self._submitted
            and total < self.batch_bytes
        )

    def _submit_batch(
        self, items: list[tuple[str, tuple[Mapping[str, Any], int]]], *, inline: bool
    ) -> None:
        segment_id = new_segment_id()
        docs = [(doc_id, doc) for doc_id, (doc, _) in items]
        ids = {doc_id: n for n, (doc_id, _) in enumerate(docs)}
        args = (os.fspath(self.index_dir), self.schema_dict, self.analyzer_dict, docs, segment_id)
        future: Future[dict[str, Any]]
        if inline:
            future = Future()
            try:
                future.set_result(build_batch(*args))
            except BaseException as exc:
                future.set_exception(exc)
        else:
            future = self.executor.submit(build_batch, *args)
        self._submitted.append(Batch(segment_id, ids, future, sum(size for _, (_, size) in items)))

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._start_pool()
        assert self._executor is not None
        return self._executor

    def _start_pool(self) -> None:
        """Start the writer's own pool, and its processes at once (in the background): they
        come up while the first batch fills instead of after it."""
        self._executor = process_pool(self.workers)
        for _ in range(self.workers):
            self._executor.submit(_warm_up)

    def _wait_until_outstanding(self, limit: int) -> None:
        """Block until at most `limit` submitted batches are unfinished (back-pressure)."""
        while True:
            running = [b.future for b in self._submitted if not b.future.done()]
            if len(running) <= limit:
                return
            wait_futures(running, return_when=FIRST_COMPLETED)

    def collect(self, *, block: bool) -> Iterator[tuple[SegmentMeta, dict[str, int]]]:
        """Built segments in submission order: all of them (`block`) or the finished prefix.

        A failed build raises its exception here; the batch stays submitted (the writer can
        then only roll back), so no document is silently lost.
        """
        while self._submitted and (block or self._submitted[0].future.done()):
            batch = self._submitted[0]
            try:
                result = batch.future.result()
            except BrokenProcessPool as exc:
                raise BrokenProcessPool(
                    f"{exc} A worker building segments died. If the program's main script "
                    "starts the build without an `if __name__ == '__main__':` guard, add one: "
                    "worker processes import the main script."
                ) from exc
            meta = SegmentMeta.from_dict(result)
            if meta.id != batch.segment_id:  # pragma: no cover - a foreign build function
                raise RuntimeError(f"built segment {meta.id}, expected {batch.segment_id}")
            self._submitted.popleft()
            yield meta, batch.ids

    def discard(self) -> None:
        """Forget pending documents; cancel or await submitted batches (their files stay for
        the writer's clean-up, which must run after this returns)."""
        self._pending = {}
        self._pending_bytes = 0
        futures = [batch.future for batch in self._submitted]
        for future in futures:
            future.cancel()
        wait_futures(futures)
        self._submitted.clear()

    def shutdown(self) -> None:
        """Stop the pool this builder created (an executor passed in is left running)."""
        if self._owns_executor and self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True, cancel_futures=True)


def build_batch(
    index_dir: str,
    schema_dict: Mapping[str, Any],
    analyzer_dict: Mapping[str, Any],
    docs: list[tuple[str, Mapping[str, Any]]],
    segment_id: str,
) -> dict[str, Any]:
    """`build_segment` of a batch list that nothing else uses (the worker's unpickled copy, or
    the one `_submit_batch` made): each document leaves the list once added, so by the time
    the segment is written the worker holds the builder but no longer the batch."""
    return build_segment(index_dir, schema_dict, analyzer_dict, _drain(docs), segment_id)


def _drain(items: list[Any]) -> Iterator[Any]:
    """Yield `items` in order, removing each from the list."""
    items.reverse()
    while items:
        yield items.pop()


def _split_even(items: list[Any], sizes: list[int], count: int) -> list[list[Any]]:
    """Cut `items` (in order) into `count` non-empty runs of about equal total size."""
    if count <= 1:
        return [items]
    total = sum(sizes)
    chunks: list[list[Any]] = []
    start = 0
    running = 0
    for k in range(1, count):
        target = total * k / count
        end = start
        # At least one item per run, and leave enough items for the remaining runs.
        limit = len(items) - (count - k)
        while end < limit and (end == start or running + sizes[end] / 2 <= target):
            running += sizes[end]
            end += 1
        chunks.append(items[start:end])
        start = end
    chunks.append(items[start:])
    return chunks


def _warm_up() -> None:
    """Run in each new worker: the builder's imports (numpy, stemmer) happen now."""
