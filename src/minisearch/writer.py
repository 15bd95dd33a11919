"""The index writer: buffer, flush segments, record deletions, commit atomically, merge.

There is one writer per index (write.lock). Added documents go to an in-memory
`SegmentBuilder`, which is written as a segment when it reaches the memory budget; nothing
is visible to readers until `commit()` publishes a new manifest. Adding a document whose id
already exists replaces it: the old copy is marked deleted in its segment (a new
``deletes-<gen>`` file at commit) and the new copy is added, so an update is atomic at commit.
After each commit the merge policy (merge.py) may merge adjacent segments and publish one
more generation with the same documents. `rollback()` forgets everything since the last
commit. On open and after each commit the writer removes files no manifest names (leftovers
of writers that died mid-work, segments merged away, superseded deletions).

With ``workers`` > 1 (or an ``executor``), segments are built in worker processes instead of
the in-memory builder (parallel.py): the API and the results are the same; documents are
validated here, batched, built and written by the workers, and collected in the order they
were added, so index order (and thus the order of equal-score hits) is unchanged.

Readers of older commits are unaffected by that removal on POSIX systems: a `SegmentReader`
maps every file (and reads the deletions) when it opens, and an unlinked file lives on while
it is mapped. On Windows, deleting a mapped file fails; removal is best-effort (errors are
ignored) and the next writer's clean-up retries it once the readers have closed.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pyroaring import BitMap

from . import codec
from .analysis import Analyzer, AnalyzerConfig
from .commit import CommitPoint, read_latest, write_commit
from .errors import WriterClosedError
from .lock import LOCK_NAME, WriteLock
from .merge import LogMergePolicy, forced_merges, merge_segments
from .segment.builder import SegmentBuilder
from .segment.meta import Component, FileInfo, SegmentMeta
from .segment.reader import SegmentReader
from .storage import fsync_dir, write_durable

if TYPE_CHECKING:
    # concurrent.futures and parallel.py are imported only by writers that build in parallel.
    from concurrent.futures import Executor

    from .parallel import ParallelBuilder
    from .query.ast import Query

# Segments are as large as this lets them be, and fewer segments answer queries faster (a 1M
# document index: 5 segments instead of 10, about 20% more queries per second). Writing a
# segment peaks at about 4x its buffer: 2 GB above the input at 1M documents.
DEFAULT_MEMORY_BUDGET_MB = 512.0
DEFAULT_MERGE_POLICY = LogMergePolicy()


@dataclass(slots=True)
class WriteStats:
    """What this writer did since it was opened (for summaries)."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    segments_flushed: int = 0
    segments_merged: int = 0
    merge_seconds: float = 0.0


class IndexWriter:
    """The single writer of an index. Use as a context manager: on success the changes are
    committed (if there are any), on an exception they are rolled back; the lock is released."""

    def __init__(
        self,
        index_dir: Path,
        *,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
        lock_timeout: float = 0.0,
        merge_policy: LogMergePolicy | None = DEFAULT_MERGE_POLICY,
        workers: int | None = None,
        executor: Executor | None = None,
        batch_bytes: int | None = None,
    ) -> None:
        """`merge_policy` runs after every commit; None leaves merging to `merge()`.

        `workers` > 1 builds segments in that many worker processes (0: one per CPU), on
        `executor` if given (any `concurrent.futures.Executor`; the writer never shuts it
        down), else on a process pool the writer starts when it first needs it and stops at
        commit and close. `batch_bytes` is the raw text per batch (one segment per batch);
        by default the memory budget is shared among the workers (segments the size of the
        one-process writer's; each worker's builder then peaks at several times its batch).
        """
        n_workers = 1
        if workers is not None or executor is not None:
            from .parallel import resolve_workers

            if workers is None:
                workers = getattr(executor, "_max_workers", None) or 0
            n_workers = resolve_workers(workers)
        self.index_dir = index_dir
        self.merge_policy = merge_policy
        self._lock = WriteLock(index_dir)
        self._lock.acquire(lock_timeout)
        try:
            self._commit = read_latest(index_dir)
            remove_unreferenced(index_dir, self._commit)
        except BaseException:
            self._lock.release()
            raise
        self.schema = self._commit.schema
        self.analyzer = Analyzer(AnalyzerConfig.from_dict(self._commit.analyzer))
        self._budget = int(memory_budget_mb * 1024 * 1024)
        self._readers: dict[tuple[str, int], SegmentReader] = {}
        self.workers = n_workers
        self._parallel: ParallelBuilder | None = None
        if n_workers > 1 or executor is not None:
            from .parallel import ParallelBuilder

            self._parallel = ParallelBuilder(
                index_dir,
                self.schema.to_dict(),
                dict(self._commit.analyzer),
                workers=n_workers,
                batch_bytes=batch_bytes or max(1 << 16, self._budget // n_workers),
                executor=executor,
            )
        self.stats = WriteStats()
        self._reset()

    def _reset(self) -> None:
        self._builder = SegmentBuilder(self.schema, self.analyzer)
        self._flushed: list[tuple[SegmentMeta, dict[str, int]]] = []
        self._pending: dict[str, BitMap] = {}

    @property
    def closed(self) -> bool:
        return not self._lock.held

    def _check_open(self) -> None:
        if self.closed:
            raise WriterClosedError("this writer is closed; open a new one with index.writer()")

    # -- changes ------------------------------------------------------------------------------

    def add(self, doc: Mapping[str, Any]) -> None:
        """Add a document; one with the same id (committed or buffered) is replaced."""
        self._check_open()
        doc_id = self.schema.validate(doc)
        if self._delete_existing(doc_id):
            self.stats.updated += 1
        else:
            self.stats.added += 1
        if self._parallel is not None:
            self._parallel.add(doc_id, doc)
            if self._parallel.round_ready():
                self._parallel.submit_round(final=False)
            self._collect(block=False)
            return
        self._builder.add(doc_id, doc)
        if self._builder.estimated_bytes >= self._budget:
            self.flush()

    def update(self, doc: Mapping[str, Any]) -> None:
        """Replace the document with this id (or add it); atomic at commit."""
        self.add(doc)

    def add_many(self, docs: Iterable[Mapping[str, Any]]) -> None:
        for doc in docs:
            self.add(doc)

    def delete(self, doc_id: str) -> bool:
        """Delete the document `doc_id`; returns whether it existed."""
        self._check_open()
        found = self._delete_existing(str(doc_id))
        if found:
            self.stats.deleted += 1
        return found

    def _delete_existing(self, doc_id: str) -> bool:
        if self._parallel is not None:
            if self._parallel.delete(doc_id):
                return True
            submitted = self._parallel.delete_submitted(doc_id)
            if submitted is not None:
                segment_id, number = submitted
                self._pending.setdefault(segment_id, BitMap()).add(number)
                return True
        elif self._builder.delete(doc_id):
            return True
        for meta, ids in reversed(self._flushed):
            doc = ids.pop(doc_id, None)
            if doc is not None:
                self._pending.setdefault(meta.id, BitMap()).add(doc)
                return True
        for meta in self._commit.segments:
            doc = self._reader(meta).doc_number(doc_id)
            if doc is not None and doc not in self._pending.get(meta.id, ()):
                self._pending.setdefault(meta.id, BitMap()).add(doc)
                return True
        return False

    def delete_by_query(self, query: str | Query) -> int:
        """Delete every live document matching `query`; returns how many were deleted.

        A string is parsed as `Searcher.parse` does (the text fields, OR). Buffered documents
        are flushed first so that the query sees them: it runs on the committed segments plus
        the flushed ones, one segment at a time, and documents already deleted since the last
        commit (replaced or deleted) are skipped.
        """
        from .searcher import Searcher

        self._check_open()
        self.flush()
        deleted = 0
        flushed = {meta.id: ids for meta, ids in self._flushed}
        metas = [*self._commit.segments, *(meta for meta, _ in self._flushed)]
        for meta in metas:
            with Searcher(self.index_dir, replace(self._commit, segments=(meta,))) as searcher:
                parsed = searcher.parse(query) if isinstance(query, str) else query
                hits = searcher.search(parsed, k=searcher.doc_count, stored_fields=False)
                reader = searcher.segments[0]
                pending = self._pending.setdefault(meta.id, BitMap())
                for hit in hits:
                    doc = reader.doc_number(hit.id)
                    if doc is None or doc in pending:
                        continue
                    pending.add(doc)
                    if meta.id in flushed:
                        del flushed[meta.id][hit.id]
                    deleted += 1
        self.stats.deleted += deleted
        return deleted

    def _reader(self, meta: SegmentMeta) -> SegmentReader:
        key = (meta.id, meta.del_gen)
        reader = self._readers.get(key)
        if reader is None:
            reader = self._readers[key] = SegmentReader(self.index_dir, meta, self.schema)
        return reader

    # -- flushing and committing ------------------------------------------------------------

    def flush(self) -> None:
        """Write buffered documents as a new (uncommitted) segment.

        In parallel mode: as up to `workers` segments, and wait until every batch is built.
        """
        self._check_open()
        if self._parallel is not None:
            self._parallel.submit_round(final=True)
            self._collect(block=True)
            return
        if self._builder.doc_count == 0:
            return
        ids = self._builder.live_ids()
        meta = self._builder.write(self.index_dir)
        self._flushed.append((meta, ids))
        self.stats.segments_flushed += 1
        self._builder = SegmentBuilder(self.schema, self.analyzer)

    def _collect(self, *, block: bool) -> None:
        """Take the segments the workers have built, in submission order."""
        assert self._parallel is not None
        for meta, ids in self._parallel.collect(block=block):
            self._flushed.append((meta, ids))
            self.stats.segments_flushed += 1

    @property
    def has_changes(self) -> bool:
        """Whether anything was added or deleted since the last commit."""
        return bool(
            self._builder.doc_count
            or self._flushed
            or any(self._pending.values())
            or (self._parallel is not None and self._parallel.busy)
        )

    def commit(self, **user_data: Any) -> CommitPoint:
        """Make every change since the last commit durable and visible, atomically.

        Then the merge policy may merge segments, which publishes one more generation holding
        the same documents; the returned commit point is the newest one.
        """
        self._check_open()
        self.flush()
        if self._parallel is not None:
            self._parallel.shutdown()  # the merges below run here; free the workers' memory
        segments: list[SegmentMeta] = []
        for meta in [*self._commit.segments, *(m for m, _ in self._flushed)]:
            extra = self._pending.get(meta.id)
            if extra:
                meta = self._write_deletes(meta, extra)
            if meta.live_count > 0:
                segments.append(meta)
        self._publish(segments, user_data)
        if self.merge_policy is not None:
            self._apply_merges(self.merge_policy.find_merges(self._commit.segments))
        return self._commit

    def merge(self, max_segments: int = 1) -> CommitPoint:
        """Merge down to at most `max_segments` segments, dropping deleted documents.

        Pending changes are committed first. Segments with deletions are rewritten even when
        the count is already low enough, so that their space is freed.
        """
        self._check_open()
        if self.has_changes:
            self.commit()
        self._apply_merges(forced_merges(self._commit.segments, max_segments))
        return self._commit

    def optimize(self) -> CommitPoint:
        """Merge the whole index into one segment without deletions."""
        return self.merge(max_segments=1)

    def _apply_merges(self, runs: list[range]) -> None:
        """Merge each run of adjacent segment positions into one segment; publish once."""
        if not runs:
            return
        started = time.perf_counter()
        old = self._commit.segments
        replaced: dict[int, SegmentMeta | None] = {}
        for run in runs:
            inputs = [self._reader(old[i]) for i in run]
            merged = merge_segments(self.index_dir, inputs, self.schema)
            replaced.update(dict.fromkeys(run))
            replaced[run.start] = merged if merged.doc_count else None
            self.stats.segments_merged += len(run)
        segments = [replaced.get(i, meta) for i, meta in enumerate(old)]
        self._publish([s for s in segments if s is not None], {})
        self.stats.merge_seconds += time.perf_counter() - started

    def _publish(self, segments: list[SegmentMeta], user_data: Mapping[str, Any]) -> None:
        commit = self._commit.next(segments, **user_data)
        write_commit(self.index_dir, commit)
        self._commit = commit
        live = {(m.id, m.del_gen) for m in commit.segments}
        for key in [k for k in self._readers if k not in live]:
            self._readers.pop(key).close()
        self._reset()
        remove_unreferenced(self.index_dir, commit)

    def _write_deletes(self, meta: SegmentMeta, extra: BitMap) -> SegmentMeta:
        deleted = BitMap(extra)
        if meta.del_gen:
            path = meta.path(self.index_dir, Component.DELETES)
            body = codec.check_file(path.read_bytes(), path, Component.DELETES.value, meta.id_bytes)
            deleted |= BitMap.deserialize(codec.unpack(body, path))
        gen = meta.del_gen + 1
        data = codec.encode_file(Component.DELETES, deleted.serialize(), meta.id_bytes)
        updated = meta.with_deletes(gen, len(deleted), FileInfo(len(data), codec.file_crc(data)))
        path = updated.path(self.index_dir, Component.DELETES)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left by a failed commit of this writer: no manifest names it
        write_durable(path, data)
        fsync_dir(self.index_dir / meta.dirname)
        return updated

    def rollback(self) -> None:
        """Discard every change since the last commit (the writer stays open).

        Batches being built in workers are cancelled or awaited first, so that the clean-up
        below also removes the files they wrote.
        """
        self._check_open()
        if self._parallel is not None:
            self._parallel.discard()
        self._close_readers()
        self._reset()
        remove_unreferenced(self.index_dir, self._commit)

    def close(self) -> None:
        """Release the lock. Uncommitted changes are discarded, as by `rollback`."""
        if self.closed:
            return
        try:
            self.rollback()
        finally:
            self._shutdown_workers()
            self._lock.release()

    def _shutdown_workers(self) -> None:
        if self._parallel is not None:
            self._parallel.shutdown()

    def _close_readers(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    @property
    def commit_point(self) -> CommitPoint:
        return self._commit

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                if self.has_changes:
                    self.commit()
            finally:
                if self._parallel is not None:
                    # After a failed commit no worker may go on writing once the lock is
                    # released; its files are left for the next writer's clean-up.
                    self._parallel.discard()
                self._shutdown_workers()
                self._lock.release()
        else:
            self.close()


def remove_unreferenced(index_dir: Path, commit: CommitPoint) -> None:
    """Delete files and segment directories that `commit` does not name (the lock excepted).

    Readers of older commits keep working on POSIX systems: they opened every file they need
    when they opened, and an unlinked file lives on while it is open or mapped.
    """
    keep = commit.referenced_files()
    keep_dirs = {name.split("/", 1)[0] for name in keep if "/" in name}
    for entry in index_dir.iterdir():
        name = entry.name
        if name == LOCK_NAME or name in keep:
            continue
        if entry.is_dir() and name in keep_dirs:
            for inner in entry.iterdir():
                if f"{name}/{inner.name}" not in keep:
                    with contextlib.suppress(OSError):
                        inner.unlink()
            continue
        if entry.is_dir():
            if name.startswith("seg-"):
                shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(("manifest-", ".manifest-")):
            with contextlib.suppress(OSError):
                entry.unlink()
