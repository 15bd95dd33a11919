"""Index files from disk: the library function behind ``minisearch index``.

Joins ingest (records, with bad input reported per file and line) to the writer. When the
index does not exist yet it is created with a schema fitted to the sources: plain-text trees
get ``title`` + ``body``; JSONL/CSV get the ``--text-field`` keys (or every string-valued key
of the first record) as text fields, everything else stored. Existing ids are updated.
With ``workers`` > 1 (0: one per CPU) records are read and validated here and segments are
built in worker processes (parallel.py); the index is the same as with one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .analysis import AnalyzerConfig
from .index import Index
from .ingest import (
    IngestOptions,
    Skipped,
    count_inputs,
    detect_format,
    infer_text_fields,
    iter_records,
)
from .schema import Schema, TextField

ProgressCallback = Callable[[int, int | None], None]
_PROGRESS_EVERY = 500


@dataclass(slots=True)
class IndexSummary:
    added: int
    updated: int
    skipped: list[Skipped]
    documents: int
    terms: int
    segments: int
    seconds: float
    size_bytes: int
    created: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data


def index_sources(
    index_path: Path,
    sources: Sequence[Path],
    *,
    id_field: str = "id",
    text_fields: tuple[str, ...] = (),
    analyzer: AnalyzerConfig | None = None,
    memory_budget_mb: float | None = None,
    lock_timeout: float = 0.0,
    progress: ProgressCallback | None = None,
    workers: int = 1,
) -> IndexSummary:
    """Add every record of `sources` to the index at `index_path` (created if absent)."""
    from .parallel import resolve_workers

    started = time.perf_counter()
    n_workers = resolve_workers(workers)
    options = IngestOptions(id_field=id_field, text_fields=text_fields)
    skipped: list[Skipped] = []
    records = iter_records(list(sources), options, skipped.append)
    created = not Index.exists(index_path)
    if created:
        first, records = _peek(records)
        schema = _schema_for(sources, text_fields, first)
        Index.create(index_path, schema=schema, analyzer=analyzer)
    index = Index.open(index_path)
    total = count_inputs(list(sources), options) if progress else None
    with index.writer(
        memory_budget_mb=memory_budget_mb, lock_timeout=lock_timeout, workers=n_workers
    ) as writer:
        for n, record in enumerate(records, 1):
            writer.add(record)
            if progress and n % _PROGRESS_EVERY == 0:
                progress(n, total)
        stats = writer.stats
    if progress:
        progress(total or 0, total)
    info = index.info()
    return IndexSummary(
        added=stats.added,
        updated=stats.updated,
        skipped=skipped,
        documents=info.documents,
        terms=sum(info.terms.values()),
        segments=info.segments,
        seconds=time.perf_counter() - started,
        size_bytes=info.size_bytes,
        created=created,
        extra={
            "workers": n_workers,
            "segments_built": stats.segments_flushed,
            "segments_merged": stats.segments_merged,
            "merge_seconds": round(stats.merge_seconds, 3),
        },
    )


def _peek(
    records: Iterator[dict[str, Any]],
) -> tuple[dict[str, Any] | None, Iterator[dict[str, Any]]]:
    first = next(records, None)
    if first is None:
        return None, records

    def chained() -> Iterator[dict[str, Any]]:
        yield first
        yield from records

    return first, chained()


def _schema_for(
    sources: Iterable[Path], text_fields: tuple[str, ...], first: dict[str, Any] | None
) -> Schema:
    if text_fields:
        return Schema([TextField(name) for name in text_fields])
    if all(detect_format(s) in ("text", "dir") for s in sources) or first is None:
        return Schema.default()
    inferred = infer_text_fields(first)
    return Schema([TextField(name) for name in inferred]) if inferred else Schema.default()
