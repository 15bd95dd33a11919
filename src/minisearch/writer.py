"""The index writer: buffer, flush segments, record deletions, commit atomically.

There is one writer per index (write.lock). Added documents go to an in-memory
`SegmentBuilder`, which is written as a segment when it reaches the memory budget; nothing
is visible to readers until `commit()` publishes a new manifest. Adding a document whose id
already exists replaces it: the old copy is marked deleted in its segment (a new
``deletes-<gen>`` file at commit) and the new copy is added, so an update is atomic at commit.
`rollback()` forgets everything since the last commit. On open, the writer removes leftovers
of writers that died mid-work (files no manifest names).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from pyroaring import BitMap

from . import codec
from .analysis import Analyzer, AnalyzerConfig
from .commit import CommitPoint, read_latest, write_commit
from .errors import WriterClosedError
from .lock import LOCK_NAME, WriteLock
from .segment.builder import SegmentBuilder
from .segment.meta import Component, FileInfo, SegmentMeta
from .segment.reader import SegmentReader
from .storage import fsync_dir, write_durable

DEFAULT_MEMORY_BUDGET_MB = 256.0


@dataclass(slots=True)
class WriteStats:
    """What this writer did since it was opened (for summaries)."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    segments_flushed: int = 0


class IndexWriter:
    """The single writer of an index. Use as a context manager: commit on success."""

    def __init__(
        self,
        index_dir: Path,
        *,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
        lock_timeout: float = 0.0,
    ) -> None:
        self.index_dir = index_dir
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
        self._readers: dict[str, SegmentReader] = {}
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
        if self._builder.delete(doc_id):
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

    def _reader(self, meta: SegmentMeta) -> SegmentReader:
        reader = self._readers.get(meta.id)
        if reader is None:
            reader = self._readers[meta.id] = SegmentReader(self.index_dir, meta, self.schema)
        return reader

    # -- flushing and committing ------------------------------------------------------------

    def flush(self) -> None:
        """Write buffered documents as a new (uncommitted) segment."""
        self._check_open()
        if self._builder.doc_count == 0:
            return
        ids = self._builder.live_ids()
        meta = self._builder.write(self.index_dir)
        self._flushed.append((meta, ids))
        self.stats.segments_flushed += 1
        self._builder = SegmentBuilder(self.schema, self.analyzer)

    def commit(self, **user_data: Any) -> CommitPoint:
        """Make every change since the last commit durable and visible, atomically."""
        self._check_open()
        self.flush()
        segments: list[SegmentMeta] = []
        for meta in [*self._commit.segments, *(m for m, _ in self._flushed)]:
            extra = self._pending.get(meta.id)
            if extra:
                meta = self._write_deletes(meta, extra)
            if meta.live_count > 0:
                segments.append(meta)
        commit = self._commit.next(segments, **user_data)
        write_commit(self.index_dir, commit)
        self._commit = commit
        self._close_readers()
        self._reset()
        remove_unreferenced(self.index_dir, commit)
        return commit

    def _write_deletes(self, meta: SegmentMeta, extra: BitMap) -> SegmentMeta:
        deleted = BitMap(extra)
        if meta.del_gen:
            path = meta.path(self.index_dir, Component.DELETES)
            body = codec.check_file(path.read_bytes(), path, Component.DELETES.value, meta.id_bytes)
            deleted |= BitMap.deserialize(codec.unpack(body, path))
        gen = meta.del_gen + 1
        data = codec.encode_file(Component.DELETES, deleted.serialize(), meta.id_bytes)
        updated = meta.with_deletes(gen, len(deleted), FileInfo(len(data), codec.file_crc(data)))
        write_durable(updated.path(self.index_dir, Component.DELETES), data)
        fsync_dir(self.index_dir / meta.dirname)
        return updated

    def rollback(self) -> None:
        """Discard every change since the last commit (the writer stays open)."""
        self._check_open()
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
            self._lock.release()

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
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            try:
                self.commit()
            finally:
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
                    with contextlib.suppress(FileNotFoundError):
                        inner.unlink()
            continue
        if entry.is_dir():
            if name.startswith("seg-"):
                shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(("manifest-", ".manifest-")):
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
